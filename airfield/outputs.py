"""The stdout protocol of Airplane tasks, as a pure parser and a pure output builder.

A task prints its outputs as lines on stdout (what airplanesdk's `set_output` and friends print):

    airplane_output_set <json>                  the whole output becomes <json>
    airplane_output_set:["a"][0] <json>         set one element, creating containers on the way
    airplane_output_append <json>               append to the output, which must be a list
    airplane_output_append:["rows"] <json>      append to a list inside the output
    airplane_output <json>                      legacy: append to the list under "output"
    airplane_output:"name" <json>               legacy: append to the list under "name"
    airplane_chunk:<key> <part>                 one part of a line too long to print at once
    airplane_chunk_end:<key>                    the parts of <key> joined form one protocol line

Every other line is a log line. A value that is not valid JSON is kept as a string, as
Airplane's own parser does.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from .request_body import loads_strict

Json = Any
PathItem = str | int


@dataclass(frozen=True)
class SetOutput:
    """Set the value at `path` (the whole output when empty)."""

    path: tuple[PathItem, ...]
    value: Json


@dataclass(frozen=True)
class AppendOutput:
    """Append a value to the list at `path` (the whole output when empty)."""

    path: tuple[PathItem, ...]
    value: Json


@dataclass(frozen=True)
class LogLine:
    """A line that is not part of the output protocol."""

    text: str


OutputCommand = SetOutput | AppendOutput
Event = OutputCommand | LogLine

_COMMAND = re.compile(r"^airplane_output(_set|_append)?(?::|(?= )|$)")
_CHUNK = re.compile(r"^airplane_chunk:(\S+) (.*)$", re.DOTALL)
_CHUNK_END = re.compile(r"^airplane_chunk_end:(\S+)\s*$")
_LEGACY_NAME = re.compile(r'^"((?:[^"\\]|\\.)*)"|^([^\s]+)')


class ProtocolError(ValueError):
    """A protocol line that cannot be understood; it is kept as a log line."""


def _decode_value(text: str) -> Json:
    # Strict, so a task's NaN is kept as text rather than served as JSON that clients refuse.
    try:
        return loads_strict(text)
    except ValueError:
        return text


def _parse_path(text: str) -> tuple[tuple[PathItem, ...], str]:
    """Parse `["a"][0]...` at the start of `text`; return the path and the rest of the text."""
    path: list[PathItem] = []
    decoder = json.JSONDecoder()
    pos = 0
    while pos < len(text) and text[pos] == "[":
        try:
            item, end = decoder.raw_decode(text, pos + 1)
        except ValueError as exc:
            raise ProtocolError(f"bad output path: {text!r}") from exc
        if end >= len(text) or text[end] != "]":
            raise ProtocolError(f"bad output path: {text!r}")
        if isinstance(item, bool) or not isinstance(item, str | int):
            raise ProtocolError(f"output path items are strings or integers: {item!r}")
        path.append(item)
        pos = end + 1
    return tuple(path), text[pos:]


def parse_command(line: str) -> OutputCommand | None:
    """Parse one complete protocol line; None when the line is not an output command."""
    match = _COMMAND.match(line)
    if match is None:
        return None
    kind = match.group(1)
    rest = line[match.end() :]
    if kind is None:
        return _parse_legacy(line[len("airplane_output") :])
    path, rest = _parse_path(rest)
    if not rest.startswith(" "):
        raise ProtocolError(f"expected a space before the value: {line[:80]!r}")
    value = _decode_value(rest[1:])
    return SetOutput(path, value) if kind == "_set" else AppendOutput(path, value)


def _parse_legacy(rest: str) -> OutputCommand:
    name = "output"
    if rest.startswith(":"):
        match = _LEGACY_NAME.match(rest[1:])
        if match is None:
            raise ProtocolError(f"bad legacy output name: {rest[:80]!r}")
        name = match.group(1) if match.group(1) is not None else match.group(2)
        if match.group(1) is not None:
            name = json.loads(f'"{name}"')
        rest = rest[1 + match.end() :]
    if not rest.startswith(" "):
        raise ProtocolError(f"expected a space before the value: {rest[:80]!r}")
    return AppendOutput((name,), _decode_value(rest[1:]))


@dataclass
class StdoutProtocol:
    """Turns stdout lines into events, joining chunked lines. Holds only the open chunks."""

    _chunks: dict[str, list[str]] = field(default_factory=dict)

    def feed(self, line: str) -> list[Event]:
        """Events for one stdout line (without its newline)."""
        chunk = _CHUNK.match(line)
        if chunk is not None:
            self._chunks.setdefault(chunk.group(1), []).append(chunk.group(2))
            return []
        end = _CHUNK_END.match(line)
        if end is not None:
            parts = self._chunks.pop(end.group(1), None)
            if parts is None:
                return [LogLine(line)]
            return self._complete("".join(parts))
        return self._complete(line)

    def _complete(self, line: str) -> list[Event]:
        try:
            command = parse_command(line)
        except ProtocolError:
            return [LogLine(line)]
        return [LogLine(line)] if command is None else [command]

    def flush(self) -> list[Event]:
        """Chunks never ended (the task died mid-line) become log lines of their parts."""
        events: list[Event] = [LogLine("".join(parts)) for parts in self._chunks.values()]
        self._chunks.clear()
        return events


def apply_command(output: Json, command: OutputCommand) -> Json:
    """The output after one command. Raises ProtocolError when the path does not fit."""
    if isinstance(command, SetOutput):
        return _set(output, command.path, command.value)
    return _append(output, command.path, command.value)


def _copy(container: Json) -> Json:
    if isinstance(container, dict):
        return dict(container)
    if isinstance(container, list):
        return list(container)
    return container


def _set(node: Json, path: tuple[PathItem, ...], value: Json) -> Json:
    if not path:
        return value
    head, tail = path[0], path[1:]
    if isinstance(head, str):
        if node is None:
            node = {}
        if not isinstance(node, dict):
            raise ProtocolError(f"cannot use key {head!r} on a {type(node).__name__}")
        updated = dict(node)
        updated[head] = _set(node.get(head), tail, value)
        return updated
    if node is None:
        node = []
    if not isinstance(node, list):
        raise ProtocolError(f"cannot use index {head} on a {type(node).__name__}")
    if head < 0:
        raise ProtocolError(f"negative output index {head}")
    updated_list = list(node)
    while len(updated_list) <= head:
        updated_list.append(None)
    updated_list[head] = _set(updated_list[head], tail, value)
    return updated_list


def _append(node: Json, path: tuple[PathItem, ...], value: Json) -> Json:
    if not path:
        if node is None:
            return [value]
        if not isinstance(node, list):
            raise ProtocolError(f"cannot append to a {type(node).__name__}")
        return [*node, value]
    head = path[0]
    if isinstance(head, str):
        base = {} if node is None else node
        if not isinstance(base, dict):
            raise ProtocolError(f"cannot use key {head!r} on a {type(base).__name__}")
        updated = _copy(base)
        updated[head] = _append(base.get(head), path[1:], value)
        return updated
    base_list = [] if node is None else node
    if not isinstance(base_list, list) or head < 0 or head >= len(base_list):
        raise ProtocolError(f"no list element {head} to append into")
    updated_list = list(base_list)
    updated_list[head] = _append(base_list[head], path[1:], value)
    return updated_list
