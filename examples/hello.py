"""Greets someone; the returned value becomes the run's output."""


def main(params):
    name = params["name"]
    greeting = f"Hello, {name}!"
    if params.get("shout"):
        greeting = greeting.upper()
    print(greeting)
    return {"greeting": greeting, "letters": sum(c.isalpha() for c in name)}
