"""What a person reads on the parent and in the thread, for each state a run goes through."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from bot.core.kinds import Kind
from bot.tracking.model import Loaded, Observation, PromptFact, Tracked
from bot.tracking.render import (
    FileBody,
    Message,
    end_message,
    error_text,
    log_tail_body,
    output_body,
    parent_message,
)

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
NOW = T0.timestamp() + 95
ALICE = Tracked(
    kind=Kind.RUN,
    id="run_42",
    channel="C1",
    label="deploy",
    requested_by="slack:U0ALICE",
    env="prod",
    name="Deploy service",
    params={"version": "v1.4.0", "api_token": "hunter2", "notes": "x" * 500},
)
WAITING = PromptFact("pmt_1", "pending", ("carol@example.com",))
APPROVED = PromptFact("pmt_1", "submitted", ("carol@example.com",), "slack:U0CAROL", "Ship it")
REJECTED = PromptFact("pmt_1", "cancelled", ("lee@example.com",), "slack:U0LEE", "Stop")
NAMES = {"carol@example.com": "<@U0CAROL>", "usr_dana": "Dana Scully"}


def read(message: Message) -> str:
    """Everything a person reads of a message: its text and every text in its blocks."""
    texts = [message.text]

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("text"), str):
                texts.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(list(message.blocks))
    return "\n".join(texts)


def seen(status: str, **extra: object) -> Observation:
    started = T0 if status != "Queued" else None
    ended = T0 + timedelta(seconds=90) if status in ("Succeeded", "Failed", "Cancelled") else None
    return Observation(status, started_at=started, ended_at=ended, names=NAMES, **extra)  # type: ignore[arg-type]


def test_every_state_names_the_task_who_env_and_parameters() -> None:
    for observation in [seen("Queued"), seen("Active"), seen("Succeeded"), seen("Failed")]:
        text = read(parent_message(ALICE, observation, NOW))
        for part in ["Deploy service", "deploy", "<@U0ALICE>", "prod", "v1.4.0", "run_42"]:
            assert part in text, (observation.status, part)
        assert "hunter2" not in text  # secrets are never shown
        assert "x" * 100 not in text  # long values are shortened


def test_queued() -> None:
    text = read(parent_message(ALICE, seen("Queued"), NOW))
    assert ":hourglass_flowing_sand: *Queued*" in text


STARTED_AGO = f"started <!date^{int(T0.timestamp())}^{{ago}}|2026-03-01 09:00 UTC>"


def test_active_says_when_it_started_as_a_slack_date() -> None:
    """Slack shows "started 3 minutes ago" in each reader's client and keeps it current; the
    notification text reads the UTC fallback. No elapsed time that an edit must refresh."""
    message = parent_message(ALICE, seen("Active"), NOW)
    text = read(message)
    assert f":arrows_counterclockwise: *Active* · {STARTED_AGO}" in text
    assert "Active · started 2026-03-01 09:00 UTC" in message.text
    assert "running for" not in text


def test_a_running_parent_reads_the_same_whenever_it_is_rendered() -> None:
    """Nothing in a running run's parent depends on the time it is rendered at."""
    for observation in [seen("Queued"), seen("Active"), seen("Active", prompts=(WAITING,))]:
        early = parent_message(ALICE, observation, NOW)
        late = parent_message(ALICE, observation, NOW + 3 * 3600)
        assert early == late, observation.status


def test_waiting_for_approval_says_when_the_run_started() -> None:
    text = read(parent_message(ALICE, seen("Active", prompts=(WAITING,)), NOW))
    assert f"*Waiting for approval* from <@U0CAROL> · {STARTED_AGO}" in text


def test_waiting_for_approval_names_the_reviewer() -> None:
    text = read(parent_message(ALICE, seen("Active", prompts=(WAITING,)), NOW))
    assert ":double_vertical_bar: *Waiting for approval* from <@U0CAROL>" in text
    assert "*Active*" not in text


def test_succeeded_with_duration_and_approver() -> None:
    text = read(parent_message(ALICE, seen("Succeeded", prompts=(APPROVED,)), NOW))
    assert ":white_check_mark: *Succeeded* in 1m 30s" in text
    assert "Approved by <@U0CAROL>" in text
    assert "running for" not in text


def test_the_approver_is_credited_with_the_values_they_chose() -> None:
    """The parent's context line says who approved and what they chose (secrets hidden,
    values escaped); a prompt that asked nothing credits the approver alone."""
    chose = PromptFact(
        "pmt_1",
        "submitted",
        ("carol@example.com",),
        "slack:U0CAROL",
        "Ship it",
        values={"code": "ABC", "api_token": "hunter2", "note": "<!here>", "skip": None},
    )
    text = read(parent_message(ALICE, seen("Succeeded", prompts=(chose,)), NOW))
    assert (
        "Approved by <@U0CAROL> (api_token = `••••••`, code = `ABC`, note = `&lt;!here&gt;`)"
        in text
    )
    assert "hunter2" not in text


def test_failed_with_reason_not_traceback() -> None:
    output = Loaded({"error": "database is locked"})
    text = read(parent_message(ALICE, seen("Failed", output=output), NOW))
    assert ":x: *Failed* after 1m 30s: database is locked" in text


def test_cancelled_by_someone() -> None:
    observation = seen("Cancelled", cancelled_by="slack:U0BOB", prompts=(REJECTED,))
    text = read(parent_message(ALICE, observation, NOW))
    assert ":no_entry_sign: *Cancelled* by <@U0BOB>" in text
    assert "Rejected" not in text
    assert "<@U0ALICE>" in text  # who started it is still who started it


def test_rejected_by_someone() -> None:
    observation = seen("Failed", prompts=(REJECTED,), output=Loaded({"error": "Prompt cancelled"}))
    text = read(parent_message(ALICE, observation, NOW))
    assert ":no_entry: *Rejected* by <@U0LEE> (Stop)" in text
    assert "Failed" not in text
    line = end_message(ALICE, observation, NOW, mention=False).text
    assert line.startswith(":no_entry: *Rejected* by <@U0LEE> (Stop)")
    assert "<@U0ALICE>" in line  # a rejection always tells the requester


def test_the_ending_line_does_not_mention_whoever_ended_the_run() -> None:
    """Cancelling or rejecting one's own run: the line names them once (as who ended it),
    with no mention to tell them what they just did."""
    cancelled = seen("Cancelled", cancelled_by="slack:U0ALICE")
    line = end_message(ALICE, cancelled, NOW, mention=True).text
    assert line.startswith(":no_entry_sign: *Cancelled* by <@U0ALICE>")
    assert line.count("<@U0ALICE>") == 1
    own = PromptFact("pmt_1", "cancelled", ("alice@example.com",), "slack:U0ALICE", "Stop")
    rejected = seen("Failed", prompts=(own,), output=Loaded({"error": "Prompt cancelled"}))
    assert end_message(ALICE, rejected, NOW, mention=True).text.count("<@U0ALICE>") == 1
    by_bob = seen("Cancelled", cancelled_by="slack:U0BOB")
    assert end_message(ALICE, by_bob, NOW, mention=True).text.endswith(" · <@U0ALICE>")


def test_started_in_airplane() -> None:
    tracked = Tracked(kind=Kind.RUN, id="run_7", channel="C1", label="deploy")
    text = read(parent_message(tracked, seen("Active", created_by="usr_dana"), NOW))
    assert "Started in Airplane by Dana Scully" in text
    assert "usr_dana" not in text


def test_end_line_mentions_the_requester_unless_turned_off() -> None:
    observation = seen("Succeeded")
    assert "<@U0ALICE>" in end_message(ALICE, observation, NOW, mention=True).text
    assert "<@U0ALICE>" not in end_message(ALICE, observation, NOW, mention=False).text


def test_error_text_is_one_line() -> None:
    traceback = 'Traceback (most recent call last):\n  File "x.py", line 1\nValueError: bad'
    assert error_text({"error": traceback}) == "ValueError: bad"
    assert error_text({"error": "first\nsecond"}) == "first"
    assert error_text({"result": 1}) == ""


def test_log_tail_leaves_out_airfield_frames() -> None:
    lines = [
        "Traceback (most recent call last):",
        '  File "/srv/airfield/task_shim.py", line 52, in run',
        "    result = main(params) if takes_params else main()",
        "             ^^^^^^^^^^^^",
        '  File "/tasks/deploy.py", line 9, in main',
        '    raise RuntimeError("database is locked")',
        "RuntimeError: database is locked",
    ]
    text = read(log_tail_body("run_42", lines))  # type: ignore[arg-type]
    assert "task_shim" not in text
    assert "^^^" not in text
    assert "takes_params" not in text
    assert "deploy.py" in text
    assert "RuntimeError: database is locked" in text


def test_outputs_have_a_title_and_long_ones_a_comment() -> None:
    short = output_body("run_42", [{"host": "a"}], "inventory")
    assert isinstance(short, Message)
    assert "Output of `inventory`: 1 row" in read(short)
    rows = [{"host": f"host-{n}", "ok": True} for n in range(500)]
    long = output_body("run_42", rows, "inventory")
    assert isinstance(long, FileBody)
    assert "500 rows" in long.comment
    assert "host-0" in long.comment
    assert "host-499" not in long.comment
    assert json.dumps(rows[0]) not in long.comment
