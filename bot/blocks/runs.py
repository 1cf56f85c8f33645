"""Messages about runs: the parent message of a run, status, logs and run lists."""

from __future__ import annotations

import json
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

from ..ids import ActionId

__all__ = [
    "RunSummary",
    "logs_message",
    "run_link",
    "run_message",
    "runs_list_message",
    "status_emoji",
    "truncate",
]

# One emoji per status, for every message that shows one (parent, thread, lists, App Home).
STATUS_EMOJI = {
    "NotStarted": ":white_circle:",
    "Pending": ":white_circle:",
    "Queued": ":hourglass_flowing_sand:",
    "Active": ":arrows_counterclockwise:",
    "Running": ":arrows_counterclockwise:",
    "Waiting": ":raised_hand:",
    "WaitingForInput": ":raised_hand:",
    "Cancelling": ":no_entry_sign:",
    "Succeeded": ":white_check_mark:",
    "Failed": ":x:",
    "Cancelled": ":no_entry_sign:",
    "Canceled": ":no_entry_sign:",
}
_TERMINAL = frozenset({"Succeeded", "Failed", "Cancelled", "Canceled"})


def status_emoji(status: str) -> str:
    """The emoji every message shows for `status`."""
    return STATUS_EMOJI.get(status, ":grey_question:")


SECTION_LIMIT = 3000


def truncate(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, marking the cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def run_link(app_url: str | None, run_id: str, *, session: bool = False) -> str | None:
    """The Airplane web link of a run or runbook session, when AIRPLANE_APP_URL is set."""
    if not app_url:
        return None
    return f"{app_url.rstrip('/')}/{'sessions' if session else 'runs'}/{run_id}"


@dataclass(frozen=True)
class RunSummary:
    """What a run message shows."""

    run_id: str
    slug: str
    status: str
    name: str = ""
    requester_id: str | None = None
    env: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict)
    link: str | None = None
    is_runbook: bool = False
    elapsed: str = ""


def _value_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)


def _params_text(params: Mapping[str, Any]) -> str:
    if not params:
        return "_no parameters_"
    lines = [f"`{key}` = {_value_text(value)}" for key, value in sorted(params.items())]
    return truncate("\n".join(lines), 1900)


def run_message(run: RunSummary, *, cancellable: bool = True) -> dict[str, Any]:
    """`text` and `blocks` of a run's message: task, status, who, env, params, link, Cancel."""
    what = "Runbook" if run.is_runbook else "Task"
    emoji = status_emoji(run.status)
    title = f"*{run.name}* (`{run.slug}`)" if run.name and run.name != run.slug else f"`{run.slug}`"
    who = f" by <@{run.requester_id}>" if run.requester_id else ""
    text = f"{what} {run.slug}{who.replace('<@', '').replace('>', '')}: {run.status}"
    status = f"{emoji} *{run.status}*" + (f" · {run.elapsed}" if run.elapsed else "")
    fields = [
        MarkdownTextObject(text=f"*Status*\n{status}"),
        MarkdownTextObject(text=f"*Environment*\n{run.env or 'default'}"),
        MarkdownTextObject(text=f"*{'Session' if run.is_runbook else 'Run'}*\n`{run.run_id}`"),
        MarkdownTextObject(text=f"*Parameters*\n{_params_text(run.params)}"),
    ]
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text=truncate(f"{what} {title}{who}", 3000))),
        SectionBlock(fields=fields),
    ]
    buttons: list[ButtonElement] = []
    if run.link:
        buttons.append(
            ButtonElement(
                text="Open in Airplane", url=run.link, action_id=ActionId.OPEN_IN_AIRPLANE
            )
        )
    if cancellable and not run.is_runbook and run.status not in _TERMINAL:
        buttons.append(
            ButtonElement(
                text="Cancel",
                action_id=ActionId.CANCEL_RUN,
                value=run.run_id,
                style="danger",
                confirm=ConfirmObject(
                    title="Cancel this run?",
                    text=f"Cancel run {run.run_id} of {run.slug}?",
                    confirm="Cancel run",
                    deny="Keep it",
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
        tail = "\n".join(lines).replace("```", "` ` `")  # a fence in a log line would end ours
        limit = SECTION_LIMIT - 20
        if len(tail) > limit:
            tail = "…" + tail[-(limit - 1) :]
            more = True
        body = f"```{tail}```"
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text=f"*Logs of* `{run_id}`")),
        SectionBlock(text=MarkdownTextObject(text=body)),
    ]
    if more:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text="Earlier lines left out.")]))
    return {"text": f"Logs of {run_id}", "blocks": [block.to_dict() for block in blocks]}


def runs_list_message(title: str, runs: Sequence[RunSummary]) -> dict[str, Any]:
    """A short list of runs, newest first."""
    if not runs:
        lines = ["_no runs_"]
    else:
        lines = [
            f"{status_emoji(r.status)} `{r.run_id}` `{r.slug}` {r.status}"
            + (f" by <@{r.requester_id}>" if r.requester_id else "")
            + (f" <{r.link}|open>" if r.link else "")
            for r in runs[:20]
        ]
    body = truncate("\n".join(lines), SECTION_LIMIT)
    blocks = [
        SectionBlock(text=MarkdownTextObject(text=f"*{title}*")),
        SectionBlock(text=MarkdownTextObject(text=body)),
    ]
    return {"text": title, "blocks": [block.to_dict() for block in blocks]}
