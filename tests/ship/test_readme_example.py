"""The README's example parent is what the bot posts: rendered by `run_message` from the run it
describes, read as `docs/screens.md` reads every message (blocks' text, confirm dialogs shut)."""

from __future__ import annotations

import re
from pathlib import Path

from bot.blocks.runs import RunSummary, run_message
from slackbox.records import block_text
from tests.tracking.screens import _shown

README = Path(__file__).resolve().parents[2] / "README.md"


def _example() -> str:
    """The first `text` block under "What a user sees"."""
    section = README.read_text().split("## What a user sees", 1)[1]
    found = re.search(r"```text\n(.*?)\n```", section, re.DOTALL)
    assert found, "README: no example parent under 'What a user sees'"
    return found.group(1)


def test_the_readme_example_parent_is_what_run_message_renders() -> None:
    example = _example()
    run_id = re.search(r"run `(run\w+)`", example)
    started = re.search(r"<!date\^(\d+)\^", example)
    assert run_id, example
    assert started, example
    run = RunSummary(
        run_id=run_id.group(1),
        slug="hello",
        status="Active",
        name="Hello",
        requester_id="U0ALICE",
        params={"name": "World", "shout": False},
        link="https://airfield.example/runs",
        started_at=float(started.group(1)),
    )
    message = run_message(run)
    assert block_text(_shown(message["blocks"])) == example
