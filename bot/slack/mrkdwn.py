"""Foreign text in mrkdwn, made inert: the one place it is escaped. Pure.

Slack reads `<…>` in mrkdwn as a control sequence: `<!channel>`, `<!here>` and `<@U…>` notify
people, `<https://x|text>` is a link showing any text. A run's error, output or log line, a
task's name or a reviewer's note is written by someone else, so the bot shows it escaped the way
Slack documents (`&` -> `&amp;`, `<` -> `&lt;`, `>` -> `&gt;`): it reads as typed, and nothing in
it is live. Mentions and links the bot builds itself are added around escaped text, never from
inside it. A code block of foreign text must also stay one block: a ``` inside would end it and
let the rest be read as mrkdwn, so each backtick that follows another gets a zero-width space
before it (invisible, and no run of backticks is left).
"""

from __future__ import annotations

import re

__all__ = ["ZERO_WIDTH_SPACE", "code_block", "code_span", "code_text", "escape", "unescape"]

ZERO_WIDTH_SPACE = "\u200b"
_BACKTICK_BEFORE_BACKTICK = re.compile("`(?=`)")


def escape(text: str) -> str:
    """`text` with Slack's three control characters escaped: shown as typed, nothing live."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape(text: str) -> str:
    """`escape` undone: for a text that leaves mrkdwn (a file's title is plain text)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _unfenced(text: str) -> str:
    """`text` with no run of two or more backticks (a zero-width space between each)."""
    return _BACKTICK_BEFORE_BACKTICK.sub("`" + ZERO_WIDTH_SPACE, text)


def code_text(text: str) -> str:
    """`text` escaped and with no run of backticks: safe between the fences of a code block."""
    return _unfenced(escape(text))


def code_block(text: str) -> str:
    """`text` escaped in a fenced code block that nothing inside it can close."""
    return f"```\n{code_text(text)}\n```"


def code_span(text: str) -> str:
    """`text` escaped as inline code; a backtick inside (which would end it) reads as `'`."""
    return f"`{escape(text).replace('`', chr(39))}`"
