"""`{{params.x}}` and `{{steps.build.output.items[0]}}` templates in runbook steps. Pure.

A string that is exactly one template takes the referenced value as it is (a number stays a
number, an object an object); templates inside longer text are replaced by their text (JSON for
anything that is not a string).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

_TEMPLATE = re.compile(r"\{\{\s*([^{}]+?)\s*\}\}")
_WHOLE = re.compile(r"^\{\{\s*([^{}]+?)\s*\}\}$")
_SEGMENT = re.compile(r"\.?([A-Za-z_][A-Za-z0-9_-]*)|\[(\d+)\]|\[\"([^\"]*)\"\]")


class TemplateError(ValueError):
    """A template that names nothing in its context, or cannot be read."""


def parse_reference(expression: str) -> list[str | int]:
    """`steps.build.output.items[0]` -> ["steps", "build", "output", "items", 0]."""
    parts: list[str | int] = []
    pos = 0
    text = expression.strip()
    while pos < len(text):
        match = _SEGMENT.match(text, pos)
        if match is None or (pos == 0 and text.startswith(".")):
            raise TemplateError(f"cannot read the template {{{{{expression}}}}}")
        name, index, quoted = match.groups()
        parts.append(int(index) if index is not None else (name if name is not None else quoted))
        pos = match.end()
    if not parts or not isinstance(parts[0], str):
        raise TemplateError(f"cannot read the template {{{{{expression}}}}}")
    return parts


def _child(node: Any, part: str | int) -> tuple[bool, Any]:
    if isinstance(part, int):
        if isinstance(node, list) and 0 <= part < len(node):
            return True, node[part]
        return False, None
    if isinstance(node, Mapping) and part in node:
        return True, node[part]
    return False, None


def lookup(context: Mapping[str, Any], expression: str) -> Any:
    """The value an expression names in `context`."""
    node: Any = context
    for part in parse_reference(expression):
        found, node = _child(node, part)
        if not found:
            raise TemplateError(f"{{{{{expression}}}}} names nothing: no {part!r}")
    return node


def _as_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def render(value: Any, context: Mapping[str, Any]) -> Any:
    """`value` with every template in its strings (nested in lists and objects) filled in."""
    if isinstance(value, str):
        whole = _WHOLE.match(value)
        if whole is not None:
            return lookup(context, whole.group(1))
        return _TEMPLATE.sub(lambda m: _as_text(lookup(context, m.group(1))), value)
    if isinstance(value, list):
        return [render(item, context) for item in value]
    if isinstance(value, dict):
        return {key: render(item, context) for key, item in value.items()}
    return value


def references(value: Any) -> list[list[str | int]]:
    """Every reference the templates in `value` make, for checking a definition early."""
    found: list[list[str | int]] = []
    if isinstance(value, str):
        found.extend(parse_reference(m.group(1)) for m in _TEMPLATE.finditer(value))
    elif isinstance(value, list):
        for item in value:
            found.extend(references(item))
    elif isinstance(value, dict):
        for item in value.values():
            found.extend(references(item))
    return found
