"""The tracker's pure decision: what to post or edit for what the API says."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from bot.core.kinds import Kind
from bot.slack.queueing import Priority
from bot.tracking.budget import Lane
from bot.tracking.model import Loaded, Observation, Progress, PromptFact, Step, Tracked
from bot.tracking.plan import PARENT_KEY, Edit, Need, Post, next_needs, plan
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


def test_first_sight_posts_parent_at_status_priority() -> None:
    """A new run gets its parent at once, and nothing in the thread: the parent says it."""
    result = plan(RUN, Progress(), Observation("Queued"), T0.timestamp())
    assert keys(result.ops) == ["Post:parent"]
    assert isinstance(result.ops[0], Post)
    assert not result.ops[0].in_thread
    assert result.ops[0].priority is Priority.STATUS
    assert result.progress.parent_status == "Queued"
    assert result.wake_at is None


def test_status_lines_coalesce() -> None:
    """Queued, Active, Succeeded: three parent edits, one thread line (the ending)."""
    progress, lines, now = Progress(), [], T0.timestamp()
    for status in ["Queued", "Active", "Succeeded"]:
        seen = Observation(status, started_at=at(0), output=Loaded(None))
        result = plan(RUN, progress, seen, now)
        lines += [op.key for op in result.ops if op.key.startswith("status:")]
        progress, now = result.progress, now + 100
    assert lines == ["status:1:Succeeded"]
    assert progress.done


def test_a_status_that_holds_gets_no_line() -> None:
    """A status the parent shows is not repeated in the thread, however long it holds."""
    first = plan(RUN, Progress(), Observation("Active", started_at=at(0)), T0.timestamp())
    held = plan(RUN, first.progress, Observation("Active", started_at=at(0)), T0.timestamp() + 60)
    assert not any(op.key.startswith("status:") for op in (*first.ops, *held.ops))


def test_replaying_the_same_observation_does_nothing() -> None:
    """Once shown, the same status gives no operations."""
    first = plan(RUN, Progress(), Observation("Queued"), T0.timestamp())
    again = plan(RUN, first.progress, Observation("Queued"), T0.timestamp() + 1)
    assert again.ops == ()


def test_status_change_edits_parent_only() -> None:
    """Active after Queued edits the parent, at status priority; the thread stays quiet."""
    first = plan(RUN, Progress(), Observation("Queued"), T0.timestamp())
    seen = Observation("Active", started_at=at(1))
    result = plan(RUN, first.progress, seen, T0.timestamp() + 6)
    assert keys(result.ops) == ["Edit:parent"]
    assert result.ops[0].priority is Priority.STATUS
    held = plan(RUN, result.progress, seen, T0.timestamp() + 12)
    assert held.ops == ()


def test_a_long_run_plans_no_edits_for_time_passing() -> None:
    """A run that stays Active for hours is never edited for the time: its parent says when it
    started as a Slack date each client keeps current, so `chat.update` is kept for news."""
    seen = Observation("Active", started_at=at(0))
    first = plan(RUN, Progress(), seen, T0.timestamp())
    parent = first.ops[0].body
    assert isinstance(parent, Message)
    assert f"started <!date^{int(T0.timestamp())}^{{ago}}|" in str(parent.blocks)
    progress, ops = first.progress, []
    for second in range(1, 4 * 3600, 7):
        result = plan(RUN, progress, seen, T0.timestamp() + second)
        ops += result.ops
        assert result.wake_at is None  # nothing asks to be planned again for the time either
        progress = result.progress
    assert ops == []


def test_waiting_for_approval_plans_no_edits_for_time_passing() -> None:
    """A run waiting for a reviewer is edited when the prompt appears, then not for the time."""
    waiting = PromptFact("pmt_1", "pending", reviewers=("slack:U2",))
    active = plan(RUN, Progress(), Observation("Active", started_at=at(0)), T0.timestamp())
    seen = Observation("Active", started_at=at(0), prompts=(waiting,))
    asked = plan(RUN, active.progress, seen, T0.timestamp() + 5)
    assert keys(asked.ops) == ["Edit:parent"]
    later = [plan(RUN, asked.progress, seen, T0.timestamp() + s).ops for s in (60, 600, 6000)]
    assert later == [(), (), ()]


def test_no_edit_at_cosmetic_priority() -> None:
    """Every parent write is a status write: none is a refresh the outbox may put off."""
    progress, now, priorities = Progress(), T0.timestamp(), []
    for status in ["Queued", "Active", "Active", "Active", "Succeeded"]:
        seen = Observation(status, started_at=at(0), ended_at=None, output=Loaded(None))
        result = plan(RUN, progress, seen, now)
        priorities += [op.priority for op in result.ops if op.key == "parent"]
        progress, now = result.progress, now + 45
    assert Priority.COSMETIC not in priorities
    assert priorities == [Priority.STATUS, Priority.STATUS, Priority.FINAL]


def test_an_end_seen_before_its_time_is_edited_once_the_time_is_known() -> None:
    """An ended run first seen without `ended_at` shows a duration from our clock; when
    Airplane's end time arrives the parent is edited once to the exact duration."""
    active = plan(RUN, Progress(), Observation("Active", started_at=at(0)), T0.timestamp())
    unknown = Observation("Succeeded", started_at=at(0), output=Loaded(None))
    ended = plan(RUN, active.progress, unknown, T0.timestamp() + 100)
    assert keys(ended.ops)[0] == "Edit:parent"
    known = Observation("Succeeded", started_at=at(0), ended_at=at(95), output=Loaded(None))
    fixed = plan(RUN, replace(ended.progress, done=False), known, T0.timestamp() + 110)
    assert keys(fixed.ops) == ["Edit:parent"]
    body = fixed.ops[0].body
    assert isinstance(body, Message)
    assert "*Succeeded* in 1m 35s" in str(body.blocks)
    again = plan(RUN, replace(fixed.progress, done=False), known, T0.timestamp() + 200)
    assert again.ops == ()


def test_success_needs_output_then_posts_a_table() -> None:
    """On success the plan asks for outputs, then posts a list of objects as a table."""
    progress = plan(RUN, Progress(), Observation("Active", started_at=at(0)), 0).progress
    ended = Observation("Succeeded", started_at=at(0), ended_at=at(5))
    asked = plan(RUN, progress, ended, T0.timestamp() + 6)
    assert asked.needs == {Need.OUTPUT}
    assert not asked.progress.done
    rows = [{"host": "a", "ok": True}, {"host": "bb", "ok": False}]
    result = plan(RUN, progress, Observation(**{**ended.__dict__, "output": Loaded(rows)}), 9)
    assert keys(result.ops) == ["Edit:parent", "Post:status:1:Succeeded", "Post:output"]
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
    failed = Observation(
        "Failed",
        log_tail=Loaded([f"line {n}" for n in range(50)]),
        output=Loaded({"error": "boom"}),
        final_prompts=True,
    )
    result = plan(RUN, Progress(), failed, 0)
    tail = result.ops[-1]
    assert tail.key == "logtail"
    assert "line 49" in str(tail.body)
    assert "line 29" not in str(tail.body)


def test_a_session_shows_its_changes_in_the_parent_and_ends_in_the_thread() -> None:
    """A session that waits, runs and waits again edits its parent each time; the thread
    gets one line, its ending."""
    progress = Progress()
    posted, edits = [], 0
    for n, status in enumerate(["Active", "Waiting", "Active", "Waiting", "Cancelling"]):
        result = plan(SESSION, progress, Observation(status), n * 100)
        posted += [op.key for op in result.ops if isinstance(op, Post) and op.in_thread]
        edits += sum(1 for op in result.ops if op.key == "parent")
        progress = result.progress
    result = plan(SESSION, progress, Observation("Cancelled"), 1000)
    posted += [op.key for op in result.ops if isinstance(op, Post) and op.in_thread]
    assert posted == ["status:1:Cancelled"]
    assert edits == 5
    assert result.progress.done


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


def test_a_decided_prompt_step_waits_for_who_decided_it() -> None:
    """A session's prompt step that ended is shown once its prompt says who decided: read
    first (the fact seen while it waited is still pending), then the line names them."""
    waiting = Step("pmt_1", "approve", "Waiting", prompt_id="pmt_1")
    asked = PromptFact("pmt_1", "pending", reviewers=("group:ops",))
    first = plan(SESSION, Progress(), Observation("Waiting", steps=(waiting,), prompts=(asked,)), 0)
    assert "Post:step:pmt_1" in keys(first.ops)
    done = replace(waiting, status="Succeeded")
    stale = Observation("Active", steps=(done,), prompts=(asked,))
    held = plan(SESSION, first.progress, stale, 1)
    assert held.needs == frozenset({Need.PROMPTS})
    assert "Edit:step:pmt_1" not in keys(held.ops)
    approved = replace(asked, state="submitted", decided_by="slack:U0BOB", verdict="Release")
    known = replace(stale, prompts=(approved,), final_prompts=True)
    shown = plan(SESSION, held.progress, known, 2)
    (edit,) = [op for op in shown.ops if op.key == "step:pmt_1"]
    assert isinstance(edit.body, Message)
    assert edit.body.text.endswith("Step *approve*: Approved by <@U0BOB>")
    # Read and still unknown (a server that does not say): the status, not a wait for ever.
    unknown = plan(SESSION, held.progress, replace(stale, final_prompts=True), 2)
    assert "Edit:step:pmt_1" in keys(unknown.ops)


def test_cancel_button_only_while_running() -> None:
    """The parent carries a Cancel button with a confirmation until the run ends."""
    running = plan(RUN, Progress(), Observation("Active"), 0).ops[0].body
    ended = plan(RUN, Progress(), Observation("Cancelled"), 0).ops[0].body
    assert "cancel_run" in str(running)
    assert "confirm" in str(running)
    assert "cancel_run" not in str(ended)


def test_a_session_ends_without_outputs() -> None:
    """Sessions have no outputs or logs in v0: their end is final at once (no fetch)."""
    for status in ["Succeeded", "Failed", "Cancelled"]:
        result = plan(SESSION, Progress(), Observation(status), 0)
        assert result.needs == frozenset()
        assert result.progress.done
        assert f"*{status}*" in str(result.ops[0].body)


def test_the_parent_keeps_what_the_first_post_said() -> None:
    """Name, parameters, environment and link stay on the parent through every edit."""
    tracked = Tracked(
        kind=Kind.RUN,
        id="run_9",
        channel="C1",
        label="deploy",
        requested_by="U0ALICE",
        env="prod",
        link="https://app.test/runs/run_9",
        name="Deploy service",
        params={"version": "v1.4.0"},
    )
    first = plan(tracked, Progress(), Observation("Queued"), 0)
    failed = Observation(
        "Failed", log_tail=Loaded([]), output=Loaded({"error": "x"}), final_prompts=True
    )
    ended = plan(tracked, first.progress, failed, 10)
    for body in (first.ops[0].body, ended.ops[0].body):
        text = str(body)
        assert all(part in text for part in ["Deploy service", "v1.4.0", "prod", "run_9"])
        assert "https://app.test/runs/run_9" in text
        assert "<@U0ALICE>" in text


def test_a_rejection_gets_its_line_and_no_traceback() -> None:
    """A reviewer's rejection fails the run; the thread says who rejected, not the traceback."""
    rejected = PromptFact("pmt_1", "cancelled", ("lee@example.com",), "slack:U0LEE", "Stop")
    failed = Observation(
        "Failed",
        log_tail=Loaded(["Traceback (most recent call last):", "PromptCancelledError: x"]),
        output=Loaded({"error": "PromptCancelledError: x"}),
        prompts=(rejected,),
        final_prompts=True,
    )
    result = plan(RUN, Progress(), failed, 0)
    assert "logtail" not in keys(result.ops)[-1]
    line = next(op for op in result.ops if op.key.startswith("status:"))
    assert isinstance(line.body, Message)
    assert line.body.text.startswith(":no_entry: *Rejected* by <@U0LEE> (Stop)")


def test_a_failure_waits_for_its_reason_and_prompts() -> None:
    """The ending line waits until the error and the prompts are known."""
    asked = plan(RUN, Progress(), Observation("Failed"), 0)
    assert asked.needs == {Need.OUTPUT, Need.LOG_TAIL, Need.PROMPTS}
    assert not any(op.key.startswith("status:") for op in asked.ops)


def test_an_approved_run_reads_its_prompts_once_more_at_the_end() -> None:
    """Seen pending while it ran, the prompt was decided since: the end reads it again, so
    the parent names the approver; the ending line does not wait for that."""
    waiting = PromptFact("pmt_1", "pending", reviewers=("slack:U2",))
    ended = Observation("Succeeded", started_at=at(0), ended_at=at(9), prompts=(waiting,))
    asked = plan(RUN, Progress(), ended, T0.timestamp() + 10)
    assert asked.needs == {Need.OUTPUT, Need.PROMPTS}
    assert any(op.key.startswith("status:") for op in asked.ops)
    approved = PromptFact("pmt_1", "submitted", ("slack:U2",), "slack:U2", "Approve")
    read = replace(ended, prompts=(approved,), final_prompts=True, output=Loaded({}))
    again = plan(RUN, asked.progress, read, T0.timestamp() + 11)
    assert again.needs == frozenset()
    [edit] = [op for op in again.ops if op.key == "parent"]
    assert "Approved by <@U2>" in str(edit.body)


def test_a_run_without_prompts_reads_none_at_the_end() -> None:
    ended = Observation("Succeeded", started_at=at(0), ended_at=at(9))
    assert plan(RUN, Progress(), ended, T0.timestamp() + 10).needs == {Need.OUTPUT}


def test_a_success_line_does_not_wait_for_the_outputs() -> None:
    """Succeeded: the ending line goes out with the parent edit; outputs follow once fetched.
    A failure's line waits for its error (and who may have rejected it)."""
    ended = Observation("Succeeded", started_at=at(0), ended_at=at(5))
    first = plan(RUN, Progress(), ended, T0.timestamp() + 6)
    assert first.needs == {Need.OUTPUT}
    [line] = [op for op in first.ops if op.key.endswith(":Succeeded")]
    # It tells the requester: it outranks the channel's other status writes.
    assert line.priority is Priority.ENDING
    failed = plan(RUN, Progress(), Observation("Failed", started_at=at(0)), T0.timestamp() + 6)
    assert not any(op.key.startswith("status:") for op in failed.ops)


def test_a_failures_reason_is_fetched_first_and_its_line_does_not_wait_for_the_log() -> None:
    """A failure's error and prompts are what its line says, so they are fetched first, in
    their own lane (behind prompt checks, ahead of outputs and logs); once known, the line
    goes out, and the log tail (fetched after) follows it."""
    asked = plan(RUN, Progress(), Observation("Failed"), 0)
    assert next_needs(asked.needs, "Failed") == (Lane.REASONS, {Need.OUTPUT, Need.PROMPTS})
    assert next_needs(frozenset({Need.LOG_TAIL}), "Failed") == (Lane.DETAILS, {Need.LOG_TAIL})
    assert next_needs(frozenset({Need.OUTPUT}), "Succeeded") == (Lane.DETAILS, {Need.OUTPUT})
    reason_known = Observation(
        "Failed", started_at=at(0), output=Loaded({"error": ["disk full"]}), final_prompts=True
    )
    told = plan(RUN, asked.progress, reason_known, 6)
    assert told.needs == {Need.LOG_TAIL}
    [line] = [op for op in told.ops if op.key.startswith("status:")]
    assert line.priority is Priority.ENDING
    assert not any(op.key == "logtail" for op in told.ops)


def test_a_failures_parent_waits_for_its_reason_and_ends_beside_its_line() -> None:
    """chat.update is Slack's scarcest budget: a failed run's parent is edited once, with its
    reason, in the same plan as its ending line, not once before the reason and once after."""
    shown = Progress(parent_status="Active")
    asked = plan(RUN, shown, Observation("Failed", started_at=at(0)), 6)
    assert not any(isinstance(op, Edit) and op.key == PARENT_KEY for op in asked.ops)
    reason_known = Observation(
        "Failed", started_at=at(0), output=Loaded({"error": ["disk full"]}), final_prompts=True
    )
    told = plan(RUN, asked.progress, reason_known, 7)
    [edit] = [op for op in told.ops if isinstance(op, Edit) and op.key == PARENT_KEY]
    assert edit.priority is Priority.FINAL
    assert "disk full" in edit.body.text + str(edit.body.blocks)
    assert any(op.key.startswith("status:") for op in told.ops)
