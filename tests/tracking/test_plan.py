"""The tracker's pure decision: what to post or edit for what the API says."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.tracking.model import Kind, Loaded, Observation, Progress, Step, Tracked
from bot.tracking.plan import Edit, Need, Post, plan
from bot.tracking.render import FileBody, Message

RUN = Tracked(kind=Kind.RUN, id="run_1", channel="C1", label="deploy", requested_by="<@U1>")
SESSION = Tracked(kind=Kind.SESSION, id="sess_1", channel="C1", label="release")
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def at(seconds: float) -> datetime:
    """A time `seconds` after T0."""
    return datetime.fromtimestamp(T0.timestamp() + seconds, UTC)


def keys(ops: tuple[Post | Edit, ...]) -> list[str]:
    """The kinds and keys of operations, in order."""
    return [f"{type(op).__name__}:{op.key}" for op in ops]


def test_first_sight_posts_parent_and_status() -> None:
    """A new run gets its parent message and its first status line."""
    result = plan(RUN, Progress(), Observation("Queued"), T0.timestamp())
    assert keys(result.ops) == ["Post:parent", "Post:status:1:Queued"]
    assert isinstance(result.ops[0], Post)
    assert not result.ops[0].in_thread
    assert result.progress.parent_status == "Queued"


def test_replaying_the_same_observation_does_nothing() -> None:
    """Once shown, the same status gives no operations."""
    first = plan(RUN, Progress(), Observation("Queued"), T0.timestamp())
    again = plan(RUN, first.progress, Observation("Queued"), T0.timestamp() + 1)
    assert again.ops == ()


def test_status_change_edits_parent_and_posts_in_thread() -> None:
    """Active after Queued edits the parent and adds a thread line."""
    first = plan(RUN, Progress(), Observation("Queued"), T0.timestamp())
    seen = Observation("Active", started_at=at(1))
    result = plan(RUN, first.progress, seen, T0.timestamp() + 2)
    assert keys(result.ops) == ["Edit:parent", "Post:status:2:Active"]


def test_elapsed_edits_at_most_every_30_seconds() -> None:
    """A long run's parent shows elapsed time, refreshed no more than every 30 s."""
    seen = Observation("Active", started_at=at(0))
    progress = plan(RUN, Progress(), seen, T0.timestamp()).progress
    edits = []
    for second in range(1, 181):
        result = plan(RUN, progress, seen, T0.timestamp() + second)
        if result.ops:
            edits.append(second)
        progress = result.progress
    assert edits
    assert all(b - a >= 30 for a, b in zip([0, *edits], edits, strict=False))
    assert len(edits) >= 5


def test_success_needs_output_then_posts_a_table() -> None:
    """On success the plan asks for outputs, then posts a list of objects as a table."""
    progress = plan(RUN, Progress(), Observation("Active", started_at=at(0)), 0).progress
    ended = Observation("Succeeded", started_at=at(0), ended_at=at(5))
    asked = plan(RUN, progress, ended, T0.timestamp() + 6)
    assert asked.needs == {Need.OUTPUT}
    assert not asked.progress.done
    rows = [{"host": "a", "ok": True}, {"host": "bb", "ok": False}]
    result = plan(RUN, progress, Observation(**{**ended.__dict__, "output": Loaded(rows)}), 9)
    assert keys(result.ops) == ["Edit:parent", "Post:status:2:Succeeded", "Post:output"]
    body = result.ops[-1].body
    assert isinstance(body, Message)
    assert "host | ok" in str(body.blocks[0])
    assert result.progress.done


def test_long_output_becomes_a_file() -> None:
    """An output too long for a message is uploaded as a file."""
    ended = Observation("Succeeded", output=Loaded({"blob": "x" * 5000}))
    result = plan(RUN, Progress(), ended, 0)
    assert isinstance(result.ops[-1].body, FileBody)


def test_failure_posts_log_tail() -> None:
    """A failed run gets the tail of its logs."""
    failed = Observation("Failed", log_tail=Loaded([f"line {n}" for n in range(50)]))
    result = plan(RUN, Progress(), failed, 0)
    tail = result.ops[-1]
    assert tail.key == "logtail"
    assert "line 49" in str(tail.body)
    assert "line 29" not in str(tail.body)


def test_session_waiting_twice_gets_two_lines() -> None:
    """A session that waits, runs and waits again shows each change under its own key."""
    progress = Progress()
    posted = []
    for status in ["Active", "Waiting", "Active", "Waiting", "Cancelling", "Cancelled"]:
        result = plan(SESSION, progress, Observation(status), 0)
        posted += [op.key for op in result.ops if isinstance(op, Post) and op.in_thread]
        progress = result.progress
    assert posted == [
        "status:1:Active", "status:2:Waiting", "status:3:Active",
        "status:4:Waiting", "status:5:Cancelling", "status:6:Cancelled",
    ]  # fmt: skip
    assert progress.done


def test_steps_posted_once_and_edited() -> None:
    """Each session step gets one message, edited when its status changes."""
    one = Observation("Active", steps=(Step("r1", "build", "Active"),))
    first = plan(SESSION, Progress(), one, 0)
    two = Observation(
        "Active", steps=(Step("r1", "build", "Succeeded"), Step("r2", "ship", "Queued"))
    )
    second = plan(SESSION, first.progress, two, 1)
    assert "Post:step:r1" in keys(first.ops)
    assert keys(second.ops) == ["Edit:step:r1", "Post:step:r2"]


def test_cancel_button_only_while_running() -> None:
    """The parent carries a Cancel button with a confirmation until the run ends."""
    running = plan(RUN, Progress(), Observation("Active"), 0).ops[0].body
    ended = plan(RUN, Progress(), Observation("Cancelled"), 0).ops[0].body
    assert "cancel_run" in str(running)
    assert "confirm" in str(running)
    assert "cancel_run" not in str(ended)
