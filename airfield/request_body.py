"""Request bodies decoded within bounds: size, nesting depth, UTF-8, finite numbers; query
strings decoded without guessing (`parse_query`). Pure.

A hostile body must cost a 400, never a 500, and never more time than a plain body of the same
size: Python's json module recurses once per nesting level (about 1,000 levels raise
RecursionError), accepts `NaN` and `Infinity` (which strict JSON parsers then refuse when
airfield echoes them), turns a 4,300-digit number into a ValueError, and decodes `"\\ud800"`
into a lone surrogate that is not text (SQLite, logs and every encoder refuse it later).

Every check is one pass over the text or over the parsed value, so the cost is linear in the
body; nothing here rescans the text per character. JSON is strict: a trailing comma is a 400
that says so (Airplane's clients encode bodies with their JSON libraries and never send one;
only a hand-written curl example in Airplane's docs has one), and no text is ever rewritten.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any
from urllib.parse import parse_qsl

from .errors import ApiError, quoted

# Big enough for a task's parameters at their own bound (params.MAX_VALUE_BYTES) and then some.
MAX_BODY_BYTES = 1024 * 1024
# Deeper than any real parameter or display; far below the interpreter's recursion limit.
MAX_DEPTH = 64

# A \u escape in the surrogate range: the only way valid UTF-8 JSON text can decode to one.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89abcdefABCDEF]")
_JSON_SPACE = " \t\r\n"


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


class NotStrictJson(ValueError):
    """Text that strict JSON parsers would refuse, or that nests too deeply to parse safely."""


def _refuse_constant(name: str) -> Any:
    raise NotStrictJson(f"{name} is not JSON; send a finite number or null")


def _finite_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise NotStrictJson(f"the number {text[:40]} is out of range; send a finite number")
    return number


def is_text(value: str) -> bool:
    """Whether `value` is Unicode text (no lone surrogate), so it can be stored and encoded."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _check_text(value: str) -> None:
    if not is_text(value):
        raise NotStrictJson(
            "a string holds a lone surrogate (an unpaired \\ud800-\\udfff escape), which is"
            " not text; send valid Unicode"
        )


def _check_value(value: Any, *, strings: bool) -> None:
    """One pass over a parsed value, a level at a time: depth at most MAX_DEPTH and, when
    `strings`, every key and string is text."""
    level: list[Any] = [value]
    depth = 0
    while level:
        if strings:
            for item in level:
                if isinstance(item, str):
                    _check_text(item)
        containers = [item for item in level if isinstance(item, dict | list)]
        if not containers:
            return
        depth += 1
        if depth > MAX_DEPTH:
            raise NotStrictJson(f"JSON nested deeper than {MAX_DEPTH} levels")
        level = []
        for container in containers:
            if isinstance(container, dict):
                if strings:
                    for key in container:
                        _check_text(key)
                level.extend(container.values())
            else:
                level.extend(container)


def _trailing_comma(text: str, position: int) -> bool:
    """Whether the parser stopped at a `]` or `}` that follows a comma."""
    if text[position : position + 1] not in ("]", "}"):
        return False
    before = position - 1
    while before >= 0 and text[before] in _JSON_SPACE:
        before -= 1
    return before >= 0 and text[before] == ","


def loads_strict(text: str) -> Any:
    """JSON as strict parsers read it: no NaN or Infinity, numbers in range, at most
    MAX_DEPTH levels deep, strings that are text; ValueError (NotStrictJson with the reason,
    when known) otherwise. Linear in `text`."""
    try:
        value = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)
    except RecursionError:
        raise NotStrictJson(f"JSON nested deeper than {MAX_DEPTH} levels") from None
    except json.JSONDecodeError as exc:
        if _trailing_comma(text, exc.pos):
            raise NotStrictJson(
                f"a trailing comma before {text[exc.pos]!r} at character {exc.pos} is not JSON;"
                " remove it"
            ) from None
        raise
    strings = _SURROGATE_ESCAPE.search(text) is not None
    if strings or text.count("[") + text.count("{") > MAX_DEPTH:
        _check_value(value, strings=strings)
    return value


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
        body = loads_strict(text)
    except NotStrictJson as exc:
        raise invalid_body(str(exc)) from None
    except ValueError:
        raise invalid_body("not JSON") from None
    if not isinstance(body, dict):
        raise invalid_body("expected a JSON object")
    return body


def invalid_query(message: str) -> ApiError:
    """400 for a query string that cannot be read one way only."""
    return ApiError(400, f"Invalid query string: {message}", "invalid_query")


def parse_query(raw: bytes) -> dict[str, str]:
    """The query string (`scope["query_string"]`) as names to values.

    Nothing is guessed: a name given twice is a 400 (which one was meant?), and so is a value
    that is not UTF-8 once percent-decoded (it would otherwise become U+FFFD characters and be
    looked up, or stored, as something the client never sent)."""
    try:
        pairs = parse_qsl(
            raw.decode("latin-1"), keep_blank_values=True, encoding="utf-8", errors="strict"
        )
    except UnicodeDecodeError:
        raise invalid_query(
            "a percent-encoded value is not UTF-8; encode text as UTF-8 before percent-encoding"
        ) from None
    query: dict[str, str] = {}
    for name, value in pairs:
        if name in query:
            raise invalid_query(f"{quoted(name)} is given more than once; send it once")
        query[name] = value
    return query
