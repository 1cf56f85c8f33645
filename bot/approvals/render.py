"""Prompts as Block Kit: the pending message, the modal, and the decided/closed messages. Pure.

A pending prompt is one message: its description, who may answer, its parameters as inputs and
two buttons (`confirmText` primary, `cancelText` danger behind a confirmation dialog). When the
inputs don't fit a message (50 blocks) a "Respond" button replaces them and opens a modal with the
same inputs (100 blocks). Prompts too big even for a modal keep only the reject button and say
to answer in Airplane. Every copy of a prompt (run thread, DMs) is rendered by the same function.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from airplane_api.models import Prompt, PromptState
from foundation import slack_limits

from ..blocks.ids import (
    ApprovalAction,
    ApprovalBlock,
    ApprovalCallback,
    PromptModalMetadata,
    PromptRef,
)
from ..blocks.runs import params_text
from ..people.labels import actor_mention, slack_user
from ..slack.clip import clip
from ..slack.dates import slack_date
from ..slack.mrkdwn import escape
from .inputs import input_block
from .markdown import to_mrkdwn

__all__ = [
    "MAX_MESSAGE_BLOCKS",
    "MAX_MODAL_BLOCKS",
    "ApprovalMessage",
    "Layout",
    "PromptContext",
    "closed_message",
    "decided_message",
    "layout_of",
    "pending_message",
    "prompt_modal",
    "reminder_message",
]

# Slack's limits, as `foundation/slack_limits.py` has them (the names this module reads).
MAX_MESSAGE_BLOCKS = slack_limits.MAX_BLOCKS["message"]
MAX_MODAL_BLOCKS = slack_limits.MAX_BLOCKS["modal"]
MAX_SECTION = slack_limits.SECTION_TEXT
MAX_CONTEXT = slack_limits.CONTEXT_TEXT
MAX_BUTTON = slack_limits.TEXT_LIMITS[("button", "text")]
MAX_VIEW_TEXT = slack_limits.VIEW_TEXT["title"]
MAX_CONFIRM = {
    key: slack_limits.TEXT_LIMITS[("confirm", key)] for key in ("title", "text", "confirm")
}
DEFAULT_CONFIRM = "Approve"
DEFAULT_CANCEL = "Reject"
# Blocks of a pending message besides the inputs: description, details, buttons.
_MESSAGE_FRAME = 3
_MODAL_FRAME = 1


class Layout:
    """Where a prompt's inputs go."""

    INLINE = "inline"  # in the message itself
    MODAL = "modal"  # behind a "Respond" button
    AIRPLANE = "airplane"  # too many for a modal too: answer in Airplane, reject from Slack


@dataclass(frozen=True)
class PromptContext:
    """What a rendering needs besides the prompt: what it is about (who asked, which task and
    parameters, where its thread is), who reviews it, and values/errors to show."""

    run_url: str = ""
    shown: Mapping[int, Any] = field(default_factory=dict)  # parameter index -> value
    errors: Mapping[int, str] = field(default_factory=dict)  # parameter index -> message
    requester: str = ""  # the requester's label (`slack:U…`, `U…` or an Airplane user)
    task: str = ""  # the task or runbook slug
    task_name: str = ""
    params: Mapping[str, Any] = field(default_factory=dict)
    thread_url: str = ""  # a permalink to the run's thread
    # Reviewer email -> Slack user ID, for those whose Slack account is known.
    reviewer_users: Mapping[str, str] = field(default_factory=dict)
    # Reviewer group -> its Slack users, for groups whose members are known (`groups.py`).
    group_members: Mapping[str, frozenset[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class ApprovalMessage:
    """A message's notification `text` and its blocks."""

    text: str
    blocks: list[Block]

    def block_dicts(self) -> list[dict[str, Any]]:
        """The blocks as JSON for `chat.postMessage` / `chat.update`."""
        return [block.to_dict() for block in self.blocks]


def layout_of(prompt: Prompt) -> str:
    """Whether the inputs fit the message, a modal, or neither."""
    count = len(prompt.schema_.parameters)
    if _MESSAGE_FRAME + count <= MAX_MESSAGE_BLOCKS:
        return Layout.INLINE
    if _MODAL_FRAME + count <= MAX_MODAL_BLOCKS:
        return Layout.MODAL
    return Layout.AIRPLANE


def pending_message(prompt: Prompt, context: PromptContext | None = None) -> ApprovalMessage:
    """The message asking for a decision, with inputs or a "Respond" button."""
    context = context or PromptContext()
    layout = layout_of(prompt)
    blocks: list[Block] = [_description(prompt, context), _details(prompt, context)]
    if layout == Layout.INLINE:
        blocks.extend(_inputs(prompt, context))
    else:
        blocks[1:1] = [_notice(prompt, layout)]
    blocks.append(_buttons(prompt, layout))
    return ApprovalMessage(text=_pending_text(prompt, context), blocks=blocks[:MAX_MESSAGE_BLOCKS])


def _pending_text(prompt: Prompt, context: PromptContext) -> str:
    """The notification: which task waits and for whom (the requester's mention tells them, in
    the thread copy, that their run needs a decision)."""
    what = f"`{escape(context.task)}`" if context.task else "A run"
    who = f" (started by {_who(context.requester)})" if context.requester else ""
    ask = prompt.description.strip().splitlines()[0] if prompt.description.strip() else ""
    text = f":double_vertical_bar: {what}{who} needs a decision"
    return clip(text + (f": {to_mrkdwn(ask)}" if ask else "."), MAX_SECTION)


def prompt_modal(
    prompt: Prompt, metadata: PromptModalMetadata, context: PromptContext | None = None
) -> View:
    """The modal holding the prompt's inputs; submitting it is the confirm button."""
    context = context or PromptContext()
    blocks: list[Block] = [_description(prompt, context), *_inputs(prompt, context)]
    return View(
        type="modal",
        callback_id=str(ApprovalCallback.MODAL),
        title=PlainTextObject(text="Respond"),
        submit=PlainTextObject(text=clip(_confirm_text(prompt), MAX_VIEW_TEXT)),
        close=PlainTextObject(text="Close"),
        private_metadata=metadata.model_dump_json(),
        blocks=blocks[:MAX_MODAL_BLOCKS],
    )


def decided_message(prompt: Prompt, context: PromptContext | None = None) -> ApprovalMessage:
    """A submitted or cancelled prompt: the decision, who, when, the values; no buttons."""
    context = context or PromptContext()
    if prompt.state is PromptState.CANCELLED:
        icon, verb = ":no_entry:", _cancel_text(prompt)
        actor, when = prompt.cancelled_by, prompt.cancelled_at
    else:
        icon, verb = ":white_check_mark:", _confirm_text(prompt)
        actor, when = prompt.submitted_by, prompt.submitted_at
    word = "Rejected" if prompt.state is PromptState.CANCELLED else "Approved"
    how = (
        f" ({escape(verb)})"
        if verb != word and verb not in (DEFAULT_CONFIRM, DEFAULT_CANCEL)
        else ""
    )
    # The requester is told of a rejection once, by the run's ending line in the thread:
    # the decided prompt names no one else.
    outcome = f"{icon} *{word}* by {actor_mention(actor)}{how}{_when(when)}"
    blocks: list[Block] = [
        SectionBlock(
            block_id=ApprovalBlock.OUTCOME, text=MarkdownTextObject(text=clip(outcome, MAX_SECTION))
        ),
        _description(prompt, context),
    ]
    if prompt.state is PromptState.SUBMITTED and prompt.values:
        blocks.append(_values(prompt))
    blocks.append(_details(prompt, context, with_reviewers=False))
    text = f"{icon} {word} by {actor_mention(actor)}{how}"
    return ApprovalMessage(text=clip(text, MAX_SECTION), blocks=blocks)


def closed_message(
    prompt: Prompt, reason: str, context: PromptContext | None = None
) -> ApprovalMessage:
    """A prompt nobody can answer any more (its run ended): the reason, no buttons."""
    context = context or PromptContext()
    outcome = f":heavy_minus_sign: *No longer waiting*: {escape(reason)}"
    blocks: list[Block] = [
        SectionBlock(
            block_id=ApprovalBlock.OUTCOME, text=MarkdownTextObject(text=clip(outcome, MAX_SECTION))
        ),
        _description(prompt, context),
        _details(prompt, context, with_reviewers=False),
    ]
    text = clip(f"No longer waiting: {escape(reason)}", MAX_SECTION)
    return ApprovalMessage(text=text, blocks=blocks)


def reminder_message(prompt: Prompt, waited: str, context: PromptContext) -> ApprovalMessage:
    """A reminder of a prompt still pending: how long it has waited, who may answer, where."""
    where = f" <{context.thread_url}|Answer in the thread>." if context.thread_url else ""
    what = f" `{escape(context.task)}`" if context.task else ""
    who = f" (started by {_who(context.requester)})" if context.requester else ""
    text = (
        f":alarm_clock: Still waiting for approval{what}{who} after {waited}, from "
        f"{_reviewers_text(prompt, context)}.{where}"
    )
    block = SectionBlock(text=MarkdownTextObject(text=clip(text, MAX_SECTION)))
    return ApprovalMessage(text=clip(text, MAX_SECTION), blocks=[block])


def _who(label: str) -> str:
    """The requester as a mention when they are a Slack user (`U…` or `slack:U…`)."""
    user = slack_user(label)
    return f"<@{user}>" if user else actor_mention(label)


def _confirm_text(prompt: Prompt) -> str:
    """The confirm label, as long as a button allows (it is one, and names the decision)."""
    return clip(prompt.confirm_text.strip(), MAX_BUTTON) or DEFAULT_CONFIRM


def _cancel_text(prompt: Prompt) -> str:
    """The cancel label, as long as a button allows."""
    return clip(prompt.cancel_text.strip(), MAX_BUTTON) or DEFAULT_CANCEL


def _description(prompt: Prompt, context: PromptContext) -> SectionBlock:
    body = to_mrkdwn(prompt.description.strip()) or "A run is waiting for a response."
    if context.task:
        task = escape(context.task)
        name = f"*{escape(context.task_name)}* (`{task}`)" if context.task_name else f"`{task}`"
        asked = f" · asked by {_who(context.requester)}" if context.requester else ""
        body = f"{body}\n{name}{asked}"
        if context.params:
            body += "\n" + params_text(context.params, separator=" · ")
    return SectionBlock(
        block_id=ApprovalBlock.DESCRIPTION,
        text=MarkdownTextObject(text=clip(f":raised_hand: {body}", MAX_SECTION)),
    )


def _details(
    prompt: Prompt, context: PromptContext, *, with_reviewers: bool = True
) -> ContextBlock:
    parts: list[str] = []
    if context.thread_url:
        parts.append(f"<{context.thread_url}|Open the thread>")
    if context.run_url:
        parts.append(f"<{context.run_url}|Run {escape(prompt.run_id) or 'in Airplane'}>")
    elif prompt.run_id:
        parts.append(f"Run `{escape(prompt.run_id)}`")
    if with_reviewers:
        parts.append(_reviewers_line(prompt, context))
    text = " · ".join(parts) or f"Prompt `{escape(prompt.id)}`"
    return ContextBlock(
        block_id=ApprovalBlock.DETAILS,
        elements=[MarkdownTextObject(text=clip(text, MAX_CONTEXT))],
    )


def _reviewers_text(prompt: Prompt, context: PromptContext) -> str:
    """Reviewers as mentions when their Slack account is known, else as Airplane names them;
    a group as its members' mentions (and its name) when they are known, else its name."""
    reviewers = prompt.reviewers
    found = {email.lower(): user for email, user in context.reviewer_users.items()}
    named = [
        f"<@{found[email.strip().lower()]}>" if email.strip().lower() in found else escape(email)
        for email in reviewers.users
    ]
    for group in reviewers.groups:
        members = sorted(context.group_members.get(group, ()))
        mentions = " ".join(f"<@{user}>" for user in members)
        shown = escape(group)
        named.append(f"{mentions} (group `{shown}`)" if members else f"group `{shown}`")
    return ", ".join(named) if named else "anyone"


def _reviewers_line(prompt: Prompt, context: PromptContext) -> str:
    reviewers = prompt.reviewers
    line = "Reviewers: " + _reviewers_text(prompt, context)
    if not reviewers.allow_self_approvals:
        line += " (not whoever started the run)"
    return line


def _inputs(prompt: Prompt, context: PromptContext) -> list[Block]:
    return [
        input_block(
            index, param, value=context.shown.get(index), error=context.errors.get(index, "")
        )
        for index, param in enumerate(prompt.schema_.parameters)
    ]


def _notice(prompt: Prompt, layout: str) -> SectionBlock:
    count = len(prompt.schema_.parameters)
    if layout == Layout.MODAL:
        text = f"This prompt asks for {count} values: press *Respond* to fill them in."
    else:
        text = f"This prompt asks for {count} values, too many for Slack: answer it in Airplane."
    return SectionBlock(block_id=ApprovalBlock.NOTICE, text=MarkdownTextObject(text=text))


def _buttons(prompt: Prompt, layout: str) -> ActionsBlock:
    ref = PromptRef(prompt_id=prompt.id, run_id=prompt.run_id).model_dump_json()
    cancel = _cancel_text(prompt)
    elements: list[ButtonElement] = []
    if layout == Layout.INLINE:
        elements.append(
            ButtonElement(
                text=clip(_confirm_text(prompt), MAX_BUTTON),
                action_id=str(ApprovalAction.APPROVE),
                value=ref,
                style="primary",
            )
        )
    elif layout == Layout.MODAL:
        elements.append(
            ButtonElement(
                text="Respond", action_id=str(ApprovalAction.RESPOND), value=ref, style="primary"
            )
        )
    elements.append(
        ButtonElement(
            text=clip(cancel, MAX_BUTTON),
            action_id=str(ApprovalAction.REJECT),
            value=ref,
            style="danger",
            confirm=ConfirmObject(
                title=clip(f"{cancel}?", MAX_CONFIRM["title"]),
                text=clip(
                    f"This answers the prompt with “{escape(cancel)}”; it cannot be undone.",
                    MAX_CONFIRM["text"],
                ),
                confirm=clip(cancel, MAX_CONFIRM["confirm"]),
                deny="Back",
                style="danger",
            ),
        )
    )
    return ActionsBlock(block_id=ApprovalBlock.BUTTONS, elements=elements)


def _values(prompt: Prompt) -> SectionBlock:
    labels = {param.slug: param.label for param in prompt.schema_.parameters}
    lines = [
        f"*{escape(labels.get(slug, slug))}*: {_value_text(value)}"
        for slug, value in prompt.values.items()
    ]
    return SectionBlock(
        block_id=ApprovalBlock.VALUES,
        text=MarkdownTextObject(text=clip("\n".join(lines), MAX_SECTION)),
    )


def _value_text(value: Any) -> str:
    if value is None or value == "":
        return "_empty_"
    text = value if isinstance(value, str) else json.dumps(value)
    # A reviewer's note is shown as typed: escaped, so `<script>` keeps its brackets.
    return escape(clip(text, 500))


def _when(moment: datetime | None) -> str:
    if moment is None:
        return ""
    return f" on {slack_date(moment, '{date_short_pretty} at {time}')}"
