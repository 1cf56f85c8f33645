"""Find the API reference beside the repository and pull its examples out of the Markdown."""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qsl, urlsplit

from tests.support.reference import REFERENCE_DIR

REFERENCE_NAME = "airplane-api.md"

Kind = Literal["body", "query", "response", "section"]


def reference_dir() -> Path:
    """The vendored reference directory (`docs/reference/`)."""
    return REFERENCE_DIR


def reference_text() -> str:
    """The whole of `airplane-api.md`."""
    return (reference_dir() / REFERENCE_NAME).read_text(encoding="utf-8")


@dataclass(frozen=True)
class Example:
    """One example from the reference: a request body, a query string, or a JSON answer."""

    line: int
    section: str
    kind: Kind
    method: str | None
    endpoint: str | None  # "runs/get", without /v0
    payload: dict[str, Any]

    @property
    def label(self) -> str:
        """A test ID: where the example is and what it shows."""
        what = f"{self.method} {self.endpoint}" if self.endpoint else self.section
        return f"L{self.line} {self.kind} {what}"


_TRAILING_COMMA = re.compile(r",(\s*[}\]])")
_LINE_COMMENT = re.compile(r"^\s*//.*$", re.MULTILINE)


def loads_tolerant(text: str) -> Any:
    """JSON, or JSON with `//` comment lines and trailing commas, as two source blocks are."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return json.loads(_TRAILING_COMMA.sub(r"\1", _LINE_COMMENT.sub("", text)))


@dataclass(frozen=True)
class Curl:
    """What a documented curl command sends."""

    method: str
    endpoint: str
    data: list[str]


def parse_curl(script: str) -> Curl | None:
    """The method, endpoint and `-d` arguments of the curl command in a bash block, if any."""
    lines = [line for line in script.splitlines() if not line.lstrip().startswith("#")]
    words = shlex.split("\n".join(lines).replace("\\\n", " "))
    if "curl" not in words:
        return None
    url = next(word for word in words if word.startswith(("http://", "https://")))
    data = [words[i + 1] for i, word in enumerate(words) if word in ("-d", "--data")]
    if "-X" in words:
        method = words[words.index("-X") + 1]
    else:
        method = "GET" if "-G" in words or not data else "POST"
    endpoint = urlsplit(url).path.removeprefix("/v0/")
    return Curl(method=method, endpoint=endpoint, data=data)


def _blocks(text: str) -> Iterator[tuple[int, str, str, str]]:
    """(first line number, heading, fence language, body) of every fenced code block."""
    heading = ""
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        line = lines[index]
        if line.startswith("#"):
            heading = line.lstrip("#").strip()
        elif line.startswith("```"):
            language = line[3:].strip()
            end = next(i for i in range(index + 1, len(lines)) if lines[i].startswith("```"))
            yield index + 1, heading, language, "\n".join(lines[index + 1 : end])
            index = end
        index += 1


def examples(text: str) -> list[Example]:
    """Every request body, query string and JSON example of the reference, with its endpoint.

    A JSON block documents the answer of the last curl command in its section; a JSON block
    in a section without one (errors, resource bodies) is tied to the section.
    """
    found: list[Example] = []
    section = ""
    last: Curl | None = None
    for line, heading, language, body in _blocks(text):
        if heading != section:
            section, last = heading, None
        if language == "bash":
            curl = parse_curl(body)
            if curl is None:
                continue
            last = curl
            if curl.method == "GET":
                query = dict(parse_qsl("&".join(curl.data), keep_blank_values=True))
                found.append(Example(line, section, "query", "GET", curl.endpoint, query))
            else:
                for data in curl.data:
                    payload = loads_tolerant(data)
                    found.append(
                        Example(line, section, "body", curl.method, curl.endpoint, payload)
                    )
        elif language in ("json", "jsonc"):
            payload = loads_tolerant(body)
            if last is None:
                found.append(Example(line, section, "section", None, None, payload))
            else:
                found.append(
                    Example(line, section, "response", last.method, last.endpoint, payload)
                )
    return found
