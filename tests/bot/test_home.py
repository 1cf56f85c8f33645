"""App Home: what waits for the reader first, each item with a button, times in their zone."""

from __future__ import annotations

from dataclasses import replace

from bot.approvals.ports import PendingApproval
from bot.blocks.runs import list_line
from bot.core.kinds import Kind
from bot.listeners.events.home_view import approval_key, home_view, run_key
from bot.tracking.model import Loaded, Observation, Progress, PromptFact, Tracked
from bot.tracking.plan import plan
from bot.tracking.render import summary

OPEN = Tracked(Kind.RUN, "run_open", "C1", "deploy", since=1_767_000_000.0, name="Deploy")
DONE = Tracked(Kind.RUN, "run_done", "D1", "hello")
PROMPT = PendingApproval("pmt_1", "Ship *api*?", channel="D9", thread_ts="1.2", run_id="run_open")


def test_waiting_approvals_and_open_runs_come_first_with_buttons() -> None:
    links = {
        approval_key(PROMPT): "https://slack.test/archives/D9/p12",
        run_key(OPEN): "https://slack.test/archives/C1/p1",
    }
    runs = [(DONE, Progress(parent_status="Succeeded")), (OPEN, Progress(parent_status="Active"))]
    view = home_view(runs, [PROMPT], links)
    blocks = view["blocks"]
    texts = [str(b.get("text", {}).get("text", "")) for b in blocks]
    order = [
        t for t in texts if t in {"Waiting for your approval", "Your open runs", "Your recent runs"}
    ]
    assert order == ["Waiting for your approval", "Your open runs", "Your recent runs"]
    answer = next(b for b in blocks if "Ship _api_?" in str(b))  # Markdown italic
    assert answer["accessory"]["text"]["text"] == "Answer"
    assert answer["accessory"]["url"] == "https://slack.test/archives/D9/p12"
    assert "in a DM" in str(answer)
    assert "<#D9>" not in str(blocks)
    running = next(b for b in blocks if "run_open" in str(b) and "Deploy" in str(b))
    assert running["accessory"]["url"] == "https://slack.test/archives/C1/p1"
    # Slack shows it in the reader's time zone; an open run as "started 3 minutes ago",
    # kept current by the client, an ended one as the moment it started.
    assert "started <!date^1767000000^{ago}|" in str(running)
    ended = replace(DONE, since=1_767_000_000.0)
    done = home_view([(ended, Progress(parent_status="Succeeded"))], [])
    assert "<!date^1767000000^{date_short_pretty} {time}|" in str(done)
    assert "{ago}" not in str(done)
    assert texts.index(next(t for t in texts if "run_open" in t)) < texts.index(
        next(t for t in texts if "run_done" in t)
    )


def test_a_rejected_run_reads_rejected_by_its_reviewer_as_on_the_parent_and_in_runs() -> None:
    """Airplane calls a rejected run Failed; the parent, `runs` and App Home all say who
    rejected it, from the parent's one reading (`RunSummary.shown_status`)."""
    tracked = replace(DONE, requested_by="U0ALICE", since=1_767_000_000.0)
    rejected = PromptFact("pmt_1", "cancelled", ("bob@example.com",), "slack:U0BOB", "Stop")
    seen = Observation(
        "Failed",
        output=Loaded({"error": "PromptCancelledError"}),
        log_tail=Loaded([]),
        prompts=(rejected,),
        final_prompts=True,
    )
    shown = plan(tracked, Progress(), seen, 0.0).progress
    view = str(home_view([(tracked, shown)], []))
    assert ":no_entry: *hello* `run_done` · Rejected by <@U0BOB>" in view
    assert "Failed" not in view
    assert ":x:" not in view
    assert "Rejected by <@U0BOB>" in list_line(summary(tracked, seen, 0.0))


def test_the_hint_names_the_command_as_configured() -> None:
    """With BOT_COMMAND=/ops, the empty lists say to type `/ops run <task>`."""
    view = str(home_view([], [], command="/ops"))
    assert "Start one with `/ops run <task>`." in view
    assert "/airplane" not in view


def test_a_run_stored_before_the_parent_reading_was_kept_shows_airplane_status() -> None:
    view = str(home_view([(DONE, Progress(parent_status="Failed"))], []))
    assert ":x: *hello* `run_done` · Failed" in view


def test_a_pending_approval_reads_as_its_prompt_does_where_its_run_is_and_by_whom() -> None:
    """The description is Markdown, shown as mrkdwn; the place is the run's thread's channel
    (not the reader's DM copy, which the Answer button links), and the requester is named."""
    asked = PendingApproval(
        "pmt_2",
        "Deploy **api** v4.0.0?\nMore on [the runbook](https://wiki.test/deploy).",
        channel="D9",
        thread_ts="1.2",
        run_id="run_x",
        run_channel="C0GENERAL",
        requester="U0ALICE",
    )
    view = home_view([], [asked], {approval_key(asked): "https://slack.test/archives/D9/p12"})
    [line] = [b for b in view["blocks"] if "run_x" in str(b)]
    text = line["text"]["text"]
    assert text == (
        ":double_vertical_bar: Deploy *api* v4.0.0? · run `run_x` · in <#C0GENERAL>"
        " · asked by <@U0ALICE>"
    )
    assert line["accessory"]["url"] == "https://slack.test/archives/D9/p12"
