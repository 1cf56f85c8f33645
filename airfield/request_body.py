"""Request bodies decoded within bounds: size, nesting depth, UTF-8, finite numbers. Pure.

A hostile body must cost a 400, never a 500: Python's json module recurses once per nesting
level (about 1,000 levels raise RecursionError), accepts `NaN` and `Infinity` (which strict
JSON parsers then refuse when airfield echoes them), and turns a 4,300-digit number into a
ValueError. Everything is checked here, before a handler sees the body.
"""

from __future__ import annotations

import json
import math
import re
from itertools import accumulate
from typing import Any

from .errors import ApiError

# Big enough for a task's parameters at their own bound (params.MAX_VALUE_BYTES) and then some.
MAX_BODY_BYTES = 1024 * 1024
# Deeper than any real parameter or display; far below the interpreter's recursion limit.
MAX_DEPTH = 64

_TRAILING_COMMA = re.compile(r",(\s*[}\]])")
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")


def invalid_body(message: str) -> ApiError:
    """400 for a body that cannot be used."""
    return ApiError(400, f"Invalid body: {message}", "invalid_body")


def too_large() -> ApiError:
    """413 for a body past MAX_BODY_BYTES."""
    return ApiError(
        413,
        f"request body is larger than {MAX_BODY_BYTES} bytes; send less"
        " (large parameter values belong in a resource or a file, not the request)",
        "body_too_large",
    )


def nesting_depth(text: str) -> int:
    """How deeply arrays and objects nest in JSON `text` (brackets inside strings ignored)."""
    brackets = _BRACKET.findall(_STRING.sub("", text))
    steps = (1 if b in "[{" else -1 for b in brackets)
    return max(accumulate(steps, initial=0))


class NotStrictJson(ValueError):
    """Text that strict JSON parsers would refuse, or that nests too deeply to parse safely."""


def _refuse_constant(name: str) -> Any:
    raise NotStrictJson(f"{name} is not JSON; send a finite number or null")


def _finite_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise NotStrictJson(f"the number {text[:40]} is out of range; send a finite number")
    return number


def loads_strict(text: str) -> Any:
    """JSON as strict parsers read it: no NaN or Infinity, numbers in range, at most
    MAX_DEPTH levels deep; ValueError (NotStrictJson with the reason, when known) otherwise."""
    if nesting_depth(text) > MAX_DEPTH:
        raise NotStrictJson(f"JSON nested deeper than {MAX_DEPTH} levels")
    return json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)


def parse_json_object(raw: bytes) -> dict[str, Any]:
    """The body as a JSON object; ApiError 400/413 saying what is wrong otherwise."""
    if len(raw) > MAX_BODY_BYTES:
        raise too_large()
    if not raw.strip():
        return {}
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise invalid_body("not UTF-8 text") from None
    try:
        body = _loads_forgiving(text)
    except NotStrictJson as exc:
        raise invalid_body(str(exc)) from None
    except ValueError:
        raise invalid_body("not JSON") from None
    if not isinstance(body, dict):
        raise invalid_body("expected a JSON object")
    return body


def _loads_forgiving(text: str) -> Any:
    try:
        return loads_strict(text)
    except NotStrictJson:
        raise
    except ValueError:
        # The docs' getting-started example has a trailing comma; accept that one slip.
        return loads_strict(_TRAILING_COMMA.sub(r"\1", text))
