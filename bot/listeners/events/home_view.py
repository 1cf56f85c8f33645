"""App Home: what waits for the reader first (approvals, then runs still open), then their
recent runs; each with a button that answers or opens its thread. Pure.

Runs come from the tracker's store; approvals from whatever implements `PendingApprovals`
(`bot/approvals/ports.py`; the approvals service does), so App Home depends on neither
package's insides. The listener that publishes it is `home.py`, beside this module.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from slack_sdk.models.blocks import (
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from airplane_api.models import is_terminal_status
from foundation.slack_limits import MAX_BLOCKS, SECTION_TEXT

from ...approvals.markdown import to_mrkdwn
from ...approvals.ports import PendingApproval
from ...blocks.help import DEFAULT_COMMAND
from ...blocks.ids import ActionId
from ...blocks.runs import status_emoji
from ...people.labels import person
from ...slack.dates import AGO, DATE_TIME, slack_date
from ...slack.mrkdwn import escape
from ...tracking.model import Progress, Tracked

MAX_RUNS = 20
MAX_APPROVALS = 20

# link key -> a permalink; the listener asks Slack for these before rendering.
Links = Mapping[str, str]


def run_key(tracked: Tracked) -> str:
    """The key of a run's thread link."""
    return f"run:{tracked.channel}:{tracked.id}"


def approval_key(approval: PendingApproval) -> str:
    """The key of the link to the reader's copy of a prompt."""
    return f"prompt:{approval.prompt_id}"


def _where(channel: str) -> str:
    """A channel as a mention; a DM (`D…`) reads "in a DM" (Slack shows `<#D…>` raw)."""
    if not channel:
        return ""
    return " · in a DM" if channel.startswith("D") else f" · in <#{channel}>"


def _section(text: str, button: ButtonElement | None) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=text[:SECTION_TEXT]), accessory=button)


def _link_button(label: str, url: str, *, primary: bool = False) -> ButtonElement | None:
    if not url:
        return None
    style = "primary" if primary else None
    return ButtonElement(text=label, url=url, action_id=ActionId.OPEN_IN_AIRPLANE, style=style)


def _run_line(tracked: Tracked, progress: Progress) -> str:
    status = progress.parent_status or "Queued"
    # What the parent says ("Rejected by @bob" for a run Airplane calls Failed); a row stored
    # before the parent's reading was kept falls back to Airplane's status.
    reads = progress.shown_status or status
    phrase = progress.shown_phrase or escape(reads)
    # An open run says how long ago it started, kept current by the reader's client.
    fmt = DATE_TIME if is_terminal_status(status) else AGO
    started = f" · started {slack_date(tracked.since, fmt)}" if tracked.since else ""
    label = escape(tracked.label)
    name = f"*{escape(tracked.name)}* (`{label}`)" if tracked.name else f"*{label}*"
    ident = escape(tracked.id)
    return f"{status_emoji(reads)} {name} `{ident}` · {phrase}{started}{_where(tracked.channel)}"


def _approval_line(approval: PendingApproval) -> str:
    """What a prompt asks (its first line, Markdown as mrkdwn), of which run, in which channel
    the run's thread is, and who started it."""
    lines = [line for line in approval.description.strip().splitlines() if line.strip()]
    ask = to_mrkdwn(lines[0].strip()) if lines else "A prompt"
    run = f" · run `{escape(approval.run_id)}`" if approval.run_id else ""
    where = _where(approval.run_channel or approval.channel)
    asked = f" · asked by {person(approval.requester, {})}" if approval.requester else ""
    return f":double_vertical_bar: {ask}{run}{where}{asked}"


def home_view(
    runs: Sequence[tuple[Tracked, Progress]],
    approvals: Sequence[PendingApproval],
    links: Links | None = None,
    command: str = DEFAULT_COMMAND,
) -> dict[str, Any]:
    """The Home tab as a `views.publish` view; times read in the reader's own time zone."""
    links = links or {}
    blocks: list[Any] = [HeaderBlock(text="Waiting for your approval")]
    if approvals:
        for approval in approvals[:MAX_APPROVALS]:
            text = _approval_line(approval)
            url = links.get(approval_key(approval), "")
            blocks.append(_section(text, _link_button("Answer", url, primary=True)))
    else:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text="Nothing waits for you.")]))
    open_runs = [(t, p) for t, p in runs if not is_terminal_status(p.parent_status)]
    ended = [(t, p) for t, p in runs if is_terminal_status(p.parent_status)]
    for title, items in (("Your open runs", open_runs), ("Your recent runs", ended)):
        blocks += [DividerBlock(), HeaderBlock(text=title)]
        if not items:
            none = "None running." if items is open_runs else "No runs yet."
            hint = f"{none} Start one with `{command} run <task>`."
            blocks.append(ContextBlock(elements=[MarkdownTextObject(text=hint)]))
        for tracked, progress in items[:MAX_RUNS]:
            url = links.get(run_key(tracked), "")
            blocks.append(_section(_run_line(tracked, progress), _link_button("Open thread", url)))
    return View(type="home", blocks=blocks[: MAX_BLOCKS["home"]]).to_dict()
