import airplane


def main(params):
    airplane.display.text("# Report\n\nAll **good**.")
    airplane.display.json({"checked": 3})
    airplane.display.table([{"host": "web-1", "ok": True}], columns=["host", "ok"])
