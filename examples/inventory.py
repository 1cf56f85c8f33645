"""Lists hosts, one output row each."""

import airplane


def main(params):
    region = params["region"]
    for index in range(1, 4):
        airplane.append_output(
            {"host": f"{region}-web-{index}", "cpu": 10 * index, "healthy": index != 2}
        )
