def main(params):
    return {slug: [value, type(value).__name__] for slug, value in params.items()}
