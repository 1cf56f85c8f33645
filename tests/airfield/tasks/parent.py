import airplane


def main(params):
    run = airplane.execute("hello", {"name": params["name"]})
    return {"childRunID": run.id, "child": run.output}
