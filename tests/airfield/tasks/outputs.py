import airplane


def main(params):
    print("plain log line")
    airplane.set_output("x" * 20000, "big")
    airplane.append_output({"a": 1}, "rows")
    airplane.append_output({"a": 2}, "rows")
    airplane.set_output(3, "rows", 1, "a")
    print('airplane_output_set:["quoted key"] "spaces ok"')
