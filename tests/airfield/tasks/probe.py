"""Makes each call in `calls` ([method, path, query or JSON body]) with the run's token;
outputs, for each, the status, the seconds it took and the body."""

import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request


def call(method, path, args):
    url = os.environ["AIRPLANE_API_HOST"] + path
    headers = {"X-Airplane-Token": os.environ["AIRPLANE_TOKEN"]}
    data = None
    if method == "GET":
        url += "?" + urllib.parse.urlencode(args)
    else:
        data = json.dumps(args).encode()
    request = urllib.request.Request(url, data=data, headers=headers, method=method)
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, body = response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        status, body = error.code, error.read().decode()
    return {"status": status, "seconds": time.monotonic() - started, "body": json.loads(body)}


def main(params):
    return [call(method, path, args) for method, path, args in json.loads(params["calls"])]
