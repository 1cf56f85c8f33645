"""App Home: what waits for the reader first, each item with a button, times in their zone."""

from __future__ import annotations

from dataclasses import replace

from bot.home import PendingApproval, approval_key, home_view, run_key
from bot.kinds import Kind
from bot.tracking.model import Progress, Tracked

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
    answer = next(b for b in blocks if "Ship *api*?" in str(b))
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
