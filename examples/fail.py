"""Fails on purpose."""


def main(params):
    print("about to fail")
    raise RuntimeError(params["reason"])
