"""Hostile inputs, generated from a seed: JSON fragments for bodies, text for query strings.

Every generator takes a `random.Random` and returns `(label, value)`; the label names the input
class and its size, so a failure reads as what was sent ("deep-arrays depth=30000"), and the
same seed always yields the same inputs. Sizes stay within what one request may carry (the
1 MiB body bound, about 8 KB of URL) except where crossing the bound is the point.

Body classes (`FRAGMENTS`) are JSON text, some of it deliberately not JSON; whole-body classes
(`BODY_MUTATIONS`) act on the encoded body; query classes (`QUERY_VALUES`) are percent-encoded
query values.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from urllib.parse import quote_from_bytes

Fragment = tuple[str, str]
Generator = Callable[[random.Random], Fragment]

MIB = 1024 * 1024

# Text a careless decoder, logger or Slack renderer trips on.
ODD_TEXT = [
    "",
    " ",
    "\u0000",
    "a\u0000b",
    "\u202eevil\u202c",  # right-to-left override
    "\u200b\ufeff",  # zero width space, byte order mark
    "e\u0301\u0301\u0301",  # combining marks
    "\U0001f600\U0001f4a9",  # astral plane
    "\uffff\ufffe",  # non-characters
    "<!channel> <@U0BOB> <https://evil.example|x>",
    "'; DROP TABLE runs; --",
    "../../../etc/passwd",
    "%00%ff",
    "${PATH} $(id) `id`",
    "{{params.x}} {% raw %}",
    "\r\nX-Injected: 1",
    "\uff21\uff22\uff23",  # full-width letters
    "\u0661\u0662\u0663",  # Arabic-Indic digits
]

BAD_TIMES = [
    "2022-13-01T00:00:00Z",
    "2022-02-30T00:00:00Z",
    "0000-01-01T00:00:00Z",
    "9999-12-31T23:59:59-01:00",
    "0001-01-01T00:00:00+01:00",
    "2022-01-01T25:00:00Z",
    "2022-01-01T00:00:60Z",
    "2022-01-01T00:00:00+24:00",
    "99999-01-01T00:00:00Z",
    "2022-01-01T00:00:00." + "9" * 40 + "Z",
    "2022-01-01",
    "2022-01-01T00:00:00",
    "2022-W01-1T00:00:00Z",
    "1641939165",
    "now",
    "2022-01-01T00:00:00Z\n",
    "\uff12\uff10\uff12\uff12-01-01T00:00:00Z",  # full-width digits
    "2022-01-01T00:00:00\u0000Z",
    "-2022-01-01T00:00:00Z",
    "7" * 5000,
]

BAD_TOKENS = [
    "lt_",
    "lt_-1",
    "lt_1e3",
    "LT_1",
    "lt_0x1",
    "lt_ 1",
    "lt_\u0661",
    "lt_²",
    "lt_" + "9" * 19,
]


def _string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def wrong_type(rng: random.Random) -> Fragment:
    value = rng.choice(["null", "true", "false", "0", "-1", "1.5", "[]", "{}", '[1, "a"]', '""'])
    return f"wrong-type {value}", value


def huge_number(rng: random.Random) -> Fragment:
    digits = rng.choice([19, 20, 309, 400, 4300, 5000, 100_000])
    shapes = {
        "int": "9" * digits,
        "negative": "-" + "9" * digits,
        "fraction": "0." + "1" * digits,
        "exponent": "1e" + "9" * min(digits, 400),
        "tiny": "1e-" + "9" * min(digits, 400),
    }
    shape = rng.choice(sorted(shapes))
    fixed = rng.choice(["2**63", "2**64", "-2**63-1", "1e999", "-1e999", "shape"])
    if fixed == "shape":
        return f"huge-number {shape} digits={digits}", shapes[shape]
    value = {
        "2**63": str(2**63),
        "2**64": str(2**64),
        "-2**63-1": str(-(2**63) - 1),
        "1e999": "1e999",
        "-1e999": "-1e999",
    }[fixed]
    return f"huge-number {fixed}", value


def not_json_number(rng: random.Random) -> Fragment:
    value = rng.choice(["NaN", "Infinity", "-Infinity", "0x10", "01", "+1", ".5", "1.", "1_000"])
    return f"not-json {value}", value


def odd_text(rng: random.Random) -> Fragment:
    text = rng.choice(ODD_TEXT)
    ascii_only = rng.random() < 0.5
    return f"odd-text {text[:20]!r}", json.dumps(text, ensure_ascii=ascii_only)


def random_unicode(rng: random.Random) -> Fragment:
    # Code points from every plane, surrogates excluded (those are `lone-surrogate`).
    points = [rng.choice([rng.randrange(0x20, 0xD800), rng.randrange(0xE000, 0x110000)])]
    points += [rng.randrange(0x20, 0x110000) for _ in range(rng.randrange(1, 64))]
    text = "".join(chr(p) for p in points if not 0xD800 <= p < 0xE000)
    return f"unicode {len(text)} chars", json.dumps(text, ensure_ascii=rng.random() < 0.5)


def lone_surrogate(rng: random.Random) -> Fragment:
    value = rng.choice(['"\\ud800"', '"\\udfff"', '"a\\ud800b"', '"\\udc00\\ud800"'])
    return f"lone-surrogate {value}", value


def raw_control(rng: random.Random) -> Fragment:
    # Control characters unescaped inside a JSON string: not JSON.
    char = rng.choice(["\x00", "\x01", "\x1f", "\n", "\t"])
    return f"raw-control {char!r}", '"a' + char + 'b"'


def huge_string(rng: random.Random) -> Fragment:
    size = rng.choice([10_000, 100_000, 500_000, 900_000, MIB + 10])
    unit = rng.choice(["x", "\\u0000", '\\"', "é", "\\ud83d\\ude00"])
    count = size // max(1, len(unit.encode()))
    return f"huge-string {size} bytes of {unit!r}", '"' + unit * count + '"'


def deep(rng: random.Random) -> Fragment:
    depth = rng.choice([63, 64, 65, 1000, 30_000, 300_000])
    shape = rng.choice(["arrays", "objects", "mixed"])
    if shape == "arrays":
        text = "[" * depth + "]" * depth
    elif shape == "objects":
        text = '{"a":' * depth + "1" + "}" * depth
    else:
        text = '[{"a":' * (depth // 2) + "1" + "}]" * (depth // 2)
    if rng.random() < 0.3:
        text = text[: len(text) // 2]  # unclosed
    return f"deep-{shape} depth={depth}", text


def wide(rng: random.Random) -> Fragment:
    count = rng.choice([1000, 20_000, 100_000])
    shape = rng.choice(["keys", "items", "duplicate-keys"])
    if shape == "keys":
        text = "{" + ",".join(f'"k{n}":{n}' for n in range(count)) + "}"
    elif shape == "items":
        text = "[" + ",".join("0" for _ in range(count)) + "]"
    else:
        text = "{" + ",".join(f'"k":{n}' for n in range(count)) + "}"
    return f"wide-{shape} {count}", text


def bad_time(rng: random.Random) -> Fragment:
    text = rng.choice(BAD_TIMES)
    return f"bad-time {text[:30]!r}", _string(text)


def broken_json(rng: random.Random) -> Fragment:
    value = rng.choice(['"unterminated', "[1,]", '{"a":1,}', "{'a': 1}", "tru", "[1 2]", "/*x*/1"])
    return f"broken-json {value}", value


FRAGMENTS: list[Generator] = [
    wrong_type,
    huge_number,
    not_json_number,
    odd_text,
    random_unicode,
    lone_surrogate,
    raw_control,
    huge_string,
    deep,
    wide,
    bad_time,
    broken_json,
]


def _insert(rng: random.Random, body: bytes, piece: bytes) -> bytes:
    at = rng.randrange(len(body) + 1)
    return body[:at] + piece + body[at:]


def mutate_body(rng: random.Random, body: bytes) -> tuple[str, bytes]:
    """A whole-body mutation of an encoded body."""
    kind = rng.choice(
        [
            "invalid-utf8",
            "raw-nul",
            "truncated",
            "trailing-garbage",
            "bom",
            "not-an-object",
            "empty",
            "whitespace",
            "over-limit",
            "utf16",
        ]
    )
    if kind == "invalid-utf8":
        piece = rng.choice([b"\xff", b"\xc0\x80", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\x80"])
        return f"invalid-utf8 {piece!r}", _insert(rng, body, piece)
    if kind == "raw-nul":
        return "raw-nul", _insert(rng, body, b"\x00")
    if kind == "truncated":
        cut = rng.randrange(len(body)) if body else 0
        return f"truncated at {cut}", body[:cut]
    if kind == "trailing-garbage":
        tail = rng.choice([b",", b"}", b" x", b"\x00", b"{}", b"\n\n\n1"])
        return f"trailing-garbage {tail!r}", body + tail
    if kind == "bom":
        return "bom", b"\xef\xbb\xbf" + body
    if kind == "not-an-object":
        return "not-an-object", b"[" + body + b"]"
    if kind == "empty":
        return "empty body", b""
    if kind == "whitespace":
        return "whitespace body", b" \t\r\n" * 100
    if kind == "utf16":
        return "utf16", body.decode("utf-8", "replace").encode("utf-16")
    pad = b" " * (MIB + 1 - len(body))
    return "over-limit", body[:-1] + pad + body[-1:]


def query_value(rng: random.Random) -> tuple[str, str]:
    """A hostile query value, percent-encoded."""
    kind = rng.choice(
        ["odd-text", "unicode", "invalid-utf8", "nul", "long", "number", "time", "token", "broken"]
    )
    if kind == "odd-text":
        text = rng.choice(ODD_TEXT)
        return f"odd-text {text[:20]!r}", quote_from_bytes(text.encode(), safe="")
    if kind == "unicode":
        _, fragment = random_unicode(rng)
        text = json.loads(fragment)
        return "unicode", quote_from_bytes(text.encode(), safe="")
    if kind == "invalid-utf8":
        raw = rng.choice([b"\xff", b"a\xc0\x80", b"\xed\xa0\x80", b"\xfe\xff", b"\x80abc"])
        return f"invalid-utf8 {raw!r}", quote_from_bytes(raw, safe="")
    if kind == "nul":
        return "nul", rng.choice(["%00", "a%00b", "%00" * 100])
    if kind == "long":
        size = rng.choice([1000, 4000, 7000])
        return f"long {size}", rng.choice(["x", "%C3%A9", "%00"]) * (size // 6)
    if kind == "number":
        value = rng.choice(["-1", "1e3", "1.5", "9" * 30, "-" + "9" * 30, "0x10", "+5", "", "²"])
        return f"number {value[:20]!r}", quote_from_bytes(value.encode(), safe="")
    if kind == "time":
        text = rng.choice(BAD_TIMES)
        return f"bad-time {text[:30]!r}", quote_from_bytes(text[:2000].encode(), safe="")
    if kind == "token":
        text = rng.choice(BAD_TOKENS)
        return f"token {text!r}", quote_from_bytes(text.encode(), safe="")
    broken = rng.choice(["%", "%z", "%zz", "%%", "%c3", "a+b", "&&", "="])
    return f"broken-escape {broken!r}", broken
