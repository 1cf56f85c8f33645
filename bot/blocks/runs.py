"""Messages about runs: the parent message of a run, status, logs and run lists."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    MarkdownTextObject,
    SectionBlock,
)

from airplane_api.models import is_terminal_status
from foundation.slack_limits import CONTEXT_TEXT, SECTION_TEXT

from ..core.kinds import Kind
from ..slack.clip import clip
from ..slack.dates import AGO, DATE_TIME, slack_date
from ..slack.mrkdwn import code_span, code_text, escape
from .ids import ActionId

__all__ = [
    "RunSummary",
    "list_line",
    "logs_message",
    "params_text",
    "run_link",
    "run_message",
    "runs_list_message",
    "status_emoji",
    "status_line",
    "status_phrase",
    "step_line",
    "value_text",
]

# One emoji per status, for every message that shows one (parent, thread, lists, App Home).
# "Waiting" and "Rejected" are states people see, not run statuses: a run blocked on a prompt is
# Active in Airplane, and a rejected one Failed; the renderers name them for what they are.
STATUS_EMOJI = {
    "NotStarted": ":white_circle:",
    "Pending": ":white_circle:",
    "Queued": ":hourglass_flowing_sand:",
    "Active": ":arrows_counterclockwise:",
    "Running": ":arrows_counterclockwise:",
    "Waiting": ":double_vertical_bar:",
    "WaitingForInput": ":double_vertical_bar:",
    "Cancelling": ":no_entry_sign:",
    "Succeeded": ":white_check_mark:",
    "Failed": ":x:",
    "Rejected": ":no_entry:",
    "Cancelled": ":no_entry_sign:",
}
_SECRET_WORDS = ("password", "passwd", "secret", "token", "apikey", "api_key", "credential")
VALUE_LIMIT = 80


def status_emoji(status: str) -> str:
    """The emoji every message shows for `status`."""
    return STATUS_EMOJI.get(status, ":grey_question:")


def run_link(app_url: str | None, run_id: str, kind: Kind = Kind.RUN) -> str | None:
    """The Airplane web link of a run or runbook session, when AIRPLANE_APP_URL is set."""
    if not app_url:
        return None
    return f"{app_url.rstrip('/')}/{kind.path}/{run_id}"


@dataclass(frozen=True)
class RunSummary:
    """What a run message shows. People are given as mrkdwn (mention or name) already."""

    run_id: str
    slug: str
    status: str
    name: str = ""
    requester_id: str | None = None
    env: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict)
    link: str | None = None
    kind: Kind = Kind.RUN
    # Who started it when that was not a Slack user of this bot (`requester_id`): a name or a
    # mention resolved through `users/get`; shown as "started in Airplane by …".
    started_in_airplane_by: str = ""
    # Set once it ended: how long it ran (static text; a running one shows when it started).
    duration: str = ""
    started_at: float | None = None
    error: str = ""
    # Who must decide while a prompt is open (empty: anyone may); None: nothing waits.
    waiting_for: tuple[str, ...] | None = None
    approved_by: tuple[str, ...] = ()
    # What the approvers chose, when the prompt asked for values (slug -> value).
    approved_values: Mapping[str, Any] = field(default_factory=dict)
    rejected_by: str = ""
    rejected_as: str = ""  # the label of the reject button ("Stop")
    cancelled_by: str = ""
    thread_link: str = ""
    # A session's step runs, oldest first, listed under it (`runs`).
    steps: tuple[RunSummary, ...] = ()

    @property
    def shown_status(self) -> str:
        """The status as a person reads it: Waiting while a prompt is open, Rejected when a
        reviewer's rejection ended the run."""
        # A run someone cancelled reads Cancelled, whatever a prompt of it was answered:
        # cancelling closes its open prompts, and it is the cancel that ended it.
        cancelled_by_someone = self.status == "Cancelled" and bool(self.cancelled_by)
        if self.rejected_by and self.status in ("Failed", "Cancelled") and not cancelled_by_someone:
            return "Rejected"
        if self.waiting_for is not None and not is_terminal_status(self.status):
            return "Waiting"
        return self.status


def is_secret_name(name: str) -> bool:
    """Whether a parameter's name says it holds a secret (its value is never shown)."""
    folded = name.lower().replace("-", "_")
    return any(word in folded for word in _SECRET_WORDS)


def value_text(name: str, value: Any) -> str:
    """One parameter value as a message shows it: secrets hidden, long values shortened."""
    if is_secret_name(name):
        return "`••••••`"
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
    text = clip(" ".join(text.split()), VALUE_LIMIT)
    return code_span(text) if text else "_empty_"


def params_text(params: Mapping[str, Any], *, separator: str = "\n") -> str:
    """Parameters as `name` = value lines (or one line with another separator)."""
    if not params:
        return "_no parameters_"
    parts = [f"{escape(key)} = {value_text(key, value)}" for key, value in sorted(params.items())]
    return clip(separator.join(parts), 1900)


def plain(mrkdwn: str) -> str:
    """mrkdwn as a notification reads it: no emoji codes or bold marks, mentions as @ID, links
    and dates as their text."""
    text = re.sub(r"<!date\^[^|>]*\|([^>]*)>", r"\1", mrkdwn)
    text = re.sub(r"<@(\w+)>", r"@\1", text)
    text = re.sub(r"<[^>|]*\|([^>]*)>", r"\1", text)
    text = re.sub(r":[a-z0-9_+-]+: ?", "", text)
    return text.replace("*", "").strip()


def started_ago(run: RunSummary) -> str:
    """ " · started 3 minutes ago" while it has not ended: Slack's `{ago}`, which each client
    keeps current, so the message never needs an edit for it; "" once ended or not started."""
    if run.started_at is None or run.duration or is_terminal_status(run.status):
        return ""
    return f" · started {slack_date(run.started_at, AGO)}"


def status_line(run: RunSummary) -> str:
    """What is going on, with who decided and how long it took: the parent's main line."""
    shown = run.shown_status
    emoji = status_emoji(shown)
    if shown == "Waiting":
        whom = ", ".join(run.waiting_for or ()) or "a reviewer"
        return f"{emoji} *Waiting for approval* from {whom}{started_ago(run)}"
    if shown == "Rejected":
        how = f" ({escape(run.rejected_as)})" if run.rejected_as else ""
        line = f"{emoji} *Rejected* by {run.rejected_by}{how}"
    elif run.status == "Cancelled" and run.cancelled_by:
        line = f"{emoji} *Cancelled* by {run.cancelled_by}"
    else:
        line = f"{emoji} *{shown}*"
    if run.duration:
        line += f" after {run.duration}" if shown != "Succeeded" else f" in {run.duration}"
    else:
        line += started_ago(run)
    if run.error and shown == "Failed":
        line += f": {escape(clip(run.error, 500))}"
    return line


APPROVED_VALUES_LIMIT = 600


def approved_text(run: RunSummary) -> str:
    """ "Approved by @bob", with what they chose when the prompt asked for values."""
    return approval_text(run.approved_by, run.approved_values)


def approval_text(approvers: Sequence[str], values: Mapping[str, Any]) -> str:
    """ "Approved by @bob (reason = `ok`)": `approvers` as mrkdwn, the values escaped here."""
    text = "Approved by " + ", ".join(approvers)
    chosen: list[str] = []
    for key, value in sorted(values.items()):
        part = f"{escape(key)} = {value_text(key, value)}"
        if chosen and sum(len(c) + 2 for c in chosen) + len(part) > APPROVED_VALUES_LIMIT:
            chosen.append("…")  # whole values only: a cut would split a code span
            break
        chosen.append(part)
    return f"{text} ({', '.join(chosen)})" if chosen else text


def started_text(run: RunSummary) -> str:
    """Who started it: a Slack user of the bot, or "started in Airplane by …"."""
    if run.requester_id:
        return f"Started by <@{run.requester_id}>"
    if run.started_in_airplane_by:
        return f"Started in Airplane by {run.started_in_airplane_by}"
    return "Started in Airplane"


def run_message(run: RunSummary, *, cancellable: bool = True) -> dict[str, Any]:
    """`text` and `blocks` of a run's message: what, who, where, with what, and how it goes."""
    what = "Runbook" if run.kind is Kind.SESSION else "Task"
    name, slug, run_id = escape(run.name), escape(run.slug), escape(run.run_id)
    title = f"*{name}* (`{slug}`)" if run.name and run.name != run.slug else f"`{slug}`"
    started = started_text(run)
    if run.started_at is not None:
        started += f" {slack_date(run.started_at)}"
    context_parts = [
        started,
        f"env `{escape(run.env or 'default')}`",
        f"{run.kind.value} `{run_id}`",
    ]
    if run.approved_by:
        context_parts.append(approved_text(run))
    if run.thread_link and not run.link:
        context_parts.append(f"<{run.thread_link}|thread>")
    text = clip(
        f"{what} {name or slug}: {plain(status_line(run))} · {plain(started)}", SECTION_TEXT
    )
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text=clip(f"{what} {title}", SECTION_TEXT))),
        SectionBlock(text=MarkdownTextObject(text=clip(status_line(run), SECTION_TEXT))),
        SectionBlock(text=MarkdownTextObject(text=f"*Parameters*\n{params_text(run.params)}")),
        ContextBlock(
            elements=[MarkdownTextObject(text=clip(" · ".join(context_parts), CONTEXT_TEXT))]
        ),
    ]
    buttons: list[ButtonElement] = []
    if run.link:
        buttons.append(
            ButtonElement(
                text="Open in Airplane", url=run.link, action_id=ActionId.OPEN_IN_AIRPLANE
            )
        )
    if cancellable and run.kind is Kind.RUN and not is_terminal_status(run.status):
        buttons.append(
            ButtonElement(
                text="Cancel",
                action_id=ActionId.CANCEL_RUN,
                value=run.run_id,
                style="danger",
                confirm=ConfirmObject(
                    title="Cancel this run?",
                    text=f"Cancel run {run_id} of {slug}?",
                    confirm="Cancel run",
                    deny="Keep it",
                    style="danger",  # the confirm button ends the run: red, not green
                ),
            )
        )
    if buttons:
        blocks.append(ActionsBlock(elements=buttons))
    return {"text": text, "blocks": [block.to_dict() for block in blocks]}


def logs_message(run_id: str, lines: Sequence[str], *, more: bool) -> dict[str, Any]:
    """The end of a run's logs, as a code block that fits a section."""
    if not lines:
        body = "_no log lines yet_"
    else:
        tail = code_text("\n".join(lines))  # escaped; a fence in a log line cannot end ours
        limit = SECTION_TEXT - 20
        if len(tail) > limit:
            tail = "…" + tail[-(limit - 1) :]
            more = True
        body = f"```{tail}```"
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text=f"*Logs of* `{escape(run_id)}`")),
        SectionBlock(text=MarkdownTextObject(text=body)),
    ]
    if more:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text="Earlier lines left out.")]))
    return {"text": f"Logs of {run_id}", "blocks": [block.to_dict() for block in blocks]}


def status_phrase(run: RunSummary) -> str:
    """The status as lists read it (`runs`, App Home): "Rejected by @bob", "Cancelled by
    @carol", "Waiting", "Succeeded". Who ended it is named with the status, so a later "by"
    is never read as the rejecter."""
    shown = run.shown_status
    ended_by = {"Rejected": run.rejected_by, "Cancelled": run.cancelled_by}.get(shown, "")
    return f"{escape(shown)} by {ended_by}" if ended_by else escape(shown)


def list_line(run: RunSummary) -> str:
    """One run in a list: status, task, ID, who, when it started, how long it took."""
    shown = run.shown_status
    who = (
        f"<@{run.requester_id}>"
        if run.requester_id
        else (run.started_in_airplane_by or "someone in Airplane")
    )
    slug, run_id = escape(run.slug), escape(run.run_id)
    what = f"*{slug}* (runbook)" if run.kind is Kind.SESSION else f"*{slug}*"
    parts = [f"{status_emoji(shown)} {what} `{run_id}` {status_phrase(run)}", f"started by {who}"]
    if run.started_at is not None:
        # A running one says how long ago it started, kept current by each reader's client.
        running = started_ago(run) != ""
        parts.append(slack_date(run.started_at, AGO if running else DATE_TIME))
    if run.duration:
        parts.append(f"took {run.duration}")
    target = run.link or run.thread_link
    if target:
        parts.append(f"<{target}|open>")
    return " · ".join(parts)


STEP_INDENT = "\u2003\u21b3 "  # an em space and ↳: mrkdwn keeps no leading plain spaces


def step_line(step: RunSummary) -> str:
    """A session's step run under its session's line: status, task, ID, how long it took."""
    slug, run_id = escape(step.slug), escape(step.run_id)
    parts = [
        f"{STEP_INDENT}{status_emoji(step.shown_status)} {slug} `{run_id}` {status_phrase(step)}"
    ]
    if step.duration:
        parts.append(f"took {step.duration}")
    if step.link:
        parts.append(f"<{step.link}|open>")
    return " · ".join(parts)


def runs_list_message(title: str, runs: Sequence[RunSummary], *, empty: str = "") -> dict[str, Any]:
    """A short list of runs and sessions, newest first; a session's steps under it."""
    lines = [
        line
        for run in runs[:20]
        for line in (list_line(run), *(step_line(step) for step in run.steps))
    ] or [empty or "_no runs yet_"]
    body = clip("\n".join(lines), SECTION_TEXT)
    blocks = [
        SectionBlock(text=MarkdownTextObject(text=f"*{title}*")),
        SectionBlock(text=MarkdownTextObject(text=body)),
    ]
    return {"text": title, "blocks": [block.to_dict() for block in blocks]}
