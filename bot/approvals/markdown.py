"""Airplane's Markdown (prompt descriptions) as Slack mrkdwn. Pure.

Airplane renders descriptions as CommonMark; Slack's mrkdwn differs: `*x*` is bold, `_x_`
italic, `~x~` struck, links are `<url|text>`, and `&`, `<`, `>` must be escaped. Code spans and
fences are left alone (mrkdwn reads them the same way).
"""

from __future__ import annotations

import re

from ..slack.mrkdwn import escape

__all__ = ["to_mrkdwn"]

_FENCE = re.compile(r"(```.*?```|`[^`\n]+`)", re.DOTALL)
_LINK = re.compile(r"\[([^\]\n]+)\]\((https?://[^)\s]+|mailto:[^)\s]+)\)")
_BOLD = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_ITALIC_STAR = re.compile(r"(?<![*\w])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![*\w])")
_STRIKE = re.compile(r"~~(?=\S)(.+?)(?<=\S)~~")
_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)
_BULLET = re.compile(r"^(\s*)[-*+]\s+", re.MULTILINE)


def _prose(text: str) -> str:
    text = escape(text)
    links: list[str] = []

    def keep_link(match: re.Match[str]) -> str:
        links.append(f"<{match.group(2)}|{match.group(1)}>")
        return f"\x00{len(links) - 1}\x00"

    text = _LINK.sub(keep_link, text)
    text = _HEADING.sub(lambda m: f"\x01{m.group(1)}\x01", text)
    text = _BULLET.sub(lambda m: f"{m.group(1)}• ", text)
    text = _ITALIC_STAR.sub(lambda m: f"_{m.group(1)}_", text)
    text = _BOLD.sub(lambda m: f"\x01{m.group(2)}\x01", text)
    text = _STRIKE.sub(lambda m: f"~{m.group(1)}~", text)
    text = text.replace("\x01", "*")
    return re.sub("\x00(\\d+)\x00", lambda m: links[int(m.group(1))], text)


def to_mrkdwn(markdown: str) -> str:
    """`markdown` as Slack mrkdwn: bold, italic, strike, links, headings and bullets."""
    parts = _FENCE.split(markdown)
    # Odd parts are code: kept as they are, but escaped (Slack reads `<` in code as markup too).
    return "".join(escape(part) if index % 2 else _prose(part) for index, part in enumerate(parts))
