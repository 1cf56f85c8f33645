import airplane


def main(params):
    airplane.sleep.sleep(1)  # the package exports the module, not the function
    return {"rested": True}
