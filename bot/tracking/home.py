"""App Home: each user's recent runs with their status, and the approvals waiting for them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import (
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from ..blocks.runs import status_emoji
from .model import Progress, Tracked
from .ports import PendingApproval

MAX_RUNS = 20
MAX_APPROVALS = 20


def home_view(
    runs: Sequence[tuple[Tracked, Progress]], approvals: Sequence[PendingApproval]
) -> dict[str, Any]:
    """The Home tab as a `views.publish` view."""
    blocks: list[Any] = [HeaderBlock(text="Waiting for your approval")]
    if approvals:
        for approval in approvals[:MAX_APPROVALS]:
            where = f" in <#{approval.channel}>" if approval.channel else ""
            run = f" (run `{approval.run_id}`)" if approval.run_id else ""
            text = f":raised_hand: {approval.description or 'A prompt'}{run}{where}"
            blocks.append(SectionBlock(text=MarkdownTextObject(text=text[:3000])))
    else:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text="Nothing waits for you.")]))
    blocks += [DividerBlock(), HeaderBlock(text="Your recent runs")]
    if runs:
        for tracked, progress in runs[:MAX_RUNS]:
            status = progress.parent_status or "Queued"
            emoji = status_emoji(status)
            text = f"{emoji} *{tracked.label}* `{tracked.id}` · {status} · in <#{tracked.channel}>"
            blocks.append(SectionBlock(text=MarkdownTextObject(text=text[:3000])))
    else:
        hint = "No runs yet. Start one with `/airplane run <task>`."
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=hint)]))
    return View(type="home", blocks=blocks).to_dict()
