"""Foreign text (a run's error, output and logs, a task's name, a user's input, a reviewer's
note) reaches Slack escaped on every surface: no mention or link it carries is live, a ```
inside it cannot end the bot's code block, and the bot's own mentions stay live."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from airplane_api import InvalidRequestError, NotFoundError
from airplane_api.models import Runbook, Task
from bot.approvals import PromptContext, closed_message, decided_message, pending_message
from bot.approvals.ports import PendingApproval
from bot.blocks.help import help_message
from bot.blocks.runs import (
    RunSummary,
    approved_text,
    list_line,
    logs_message,
    run_message,
    runs_list_message,
)
from bot.blocks.tasks import tasks_message
from bot.blocks.user_errors import may_not, may_not_answer, not_allowed, user_message
from bot.core.errors import UsageError
from bot.core.kinds import Kind
from bot.listeners.events.home_view import home_view
from bot.people.labels import actor_mention, person
from bot.slack.mrkdwn import code_block, escape
from bot.tracking.model import Loaded, Observation, PromptFact, Step, Tracked
from bot.tracking.render import (
    FileBody,
    Message,
    channel_gone_message,
    end_message,
    log_tail_body,
    output_body,
    parent_message,
    step_message,
)

from .approvals.prompts import prompt

HOSTILE = "<!channel> <!here> <@U0BOB> <https://evil.example/x|Approve here> & ```"
# What must never be live in anything the bot sends.
LIVE = ("<!channel", "<!here", "<@U0BOB", "<https://evil", "|Approve here>")


def _texts(value: Any) -> str:
    """Every string in a message, view or text, joined: what Slack would read."""
    if isinstance(value, Message):
        return value.text + "\n" + _texts(list(value.blocks))
    if isinstance(value, FileBody):
        return value.comment  # the file's content is a file, not mrkdwn
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        if value.get("type") == "plain_text":
            return ""  # Slack shows plain text as it is: nothing in it is live
        return "\n".join(_texts(item) for item in value.values())
    if isinstance(value, list | tuple):
        return "\n".join(_texts(item) for item in value)
    return ""


def assert_inert(value: Any) -> str:
    text = _texts(value)
    for token in LIVE:
        assert token not in text, f"{token!r} is live in {text!r}"
    assert "&lt;!channel&gt;" in text  # shown, escaped: not dropped
    return text


def _fences_balanced(text: str) -> None:
    """Each code block the bot opens is closed by its own fence: an even number of ```."""
    assert text.count("```") % 2 == 0, text


TRACKED = Tracked(
    kind=Kind.RUN,
    id="run_hostile",
    channel="C1",
    label=HOSTILE,
    requested_by="slack:U0ALICE",
    name=HOSTILE,
    env=HOSTILE,
    params={HOSTILE: HOSTILE},
)
STARTED = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
FAILED = Observation(
    status="Failed",
    started_at=STARTED,
    ended_at=STARTED,
    created_by=HOSTILE,
    output=Loaded({"error": HOSTILE}),
    cancelled_by=HOSTILE,
)


def test_escape_is_slacks_documented_escaping() -> None:
    assert escape("a & <b> c") == "a &amp; &lt;b&gt; c"
    assert escape("&lt;") == "&amp;lt;"  # an already escaped text reads as typed too


def test_a_code_block_cannot_be_closed_from_inside() -> None:
    block = code_block("x ``` *bold* ```` <!here>")
    assert block.startswith("```\n")
    assert block.endswith("\n```")
    assert block.count("```") == 2
    assert "<!here>" not in block


def test_the_parent_and_its_notification_text_keep_the_error_inert() -> None:
    message = parent_message(TRACKED, FAILED, now=0.0)
    text = assert_inert(message)
    assert "<@U0ALICE>" in text  # the bot's own mention of the requester stays live
    assert_inert(message.text)


def test_the_threads_ending_line_keeps_the_error_inert() -> None:
    ending = end_message(TRACKED, FAILED, now=0.0, mention=True)
    assert "<@U0ALICE>" in assert_inert(ending)


def test_outputs_and_log_tails_stay_in_their_code_block() -> None:
    for body in (
        output_body("run1", {"note": HOSTILE}, label=HOSTILE),
        output_body("run1", [{"a": HOSTILE}] * 3),
        output_body("run1", HOSTILE * 200),  # too long: a file, the preview in the comment
        log_tail_body("run1", [HOSTILE, "```", "after the fence <!here>"]),
        log_tail_body("run1", [HOSTILE] * 200),
    ):
        _fences_balanced(assert_inert(body))
    logs = logs_message("run1", [HOSTILE, "``` <@U0BOB>"], more=False)
    _fences_balanced(assert_inert(logs))


def test_steps_lists_and_the_channel_gone_note_are_inert() -> None:
    assert_inert(step_message(Step("run_child", HOSTILE, HOSTILE), Kind.RUN))
    decided = PromptFact("p", "cancelled", decided_by=HOSTILE, verdict=HOSTILE)
    step = Step("p", HOSTILE, "Cancelled", prompt_id="p")
    assert_inert(step_message(step, Kind.SESSION, prompt=decided))
    approved = replace(decided, state="submitted", values={HOSTILE: HOSTILE})
    assert_inert(step_message(step, Kind.SESSION, prompt=approved))
    assert_inert(channel_gone_message(TRACKED, HOSTILE, "/airplane"))
    summary = RunSummary(
        run_id=HOSTILE, slug=HOSTILE, status="Failed", name=HOSTILE, error=HOSTILE, env=HOSTILE
    )
    assert_inert(run_message(summary))
    assert_inert(list_line(summary))
    assert_inert(runs_list_message("Recent runs", [summary]))
    session = RunSummary(run_id=HOSTILE, slug=HOSTILE, status="Active", kind=Kind.SESSION)
    assert_inert(runs_list_message("Recent runs", [replace(session, steps=(summary,))]))


def test_people_named_by_airplane_are_inert() -> None:
    assert person("slack:U0ALICE", {}) == "<@U0ALICE>"
    assert_inert(person(HOSTILE, {}))
    assert_inert(person(f"group:{HOSTILE}", {}))
    assert_inert(actor_mention(HOSTILE))


def test_a_reviewers_note_keeps_its_characters_escaped() -> None:
    note = "<script>alert(1)</script> & " + HOSTILE
    p = prompt(
        [{"slug": "note", "name": HOSTILE, "type": "string"}],
        description=HOSTILE,
        confirmText=HOSTILE,
        submittedAt="2024-01-02T04:00:00Z",
        submittedBy="slack:U0ALICE",
        values={"note": note},
    )
    decided = decided_message(p, PromptContext(task=HOSTILE, task_name=HOSTILE))
    text = assert_inert([decided.text, decided.block_dicts()])
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; " in text
    assert "<@U0ALICE>" in text


def test_pending_and_closed_prompts_are_inert() -> None:
    p = prompt(
        [{"slug": "note", "type": "string"}],
        description=HOSTILE,
        cancelText=HOSTILE,
        reviewers={"users": [HOSTILE], "groups": [HOSTILE]},
    )
    context = PromptContext(task=HOSTILE, task_name=HOSTILE, requester=HOSTILE)
    pending = pending_message(p, context)
    assert_inert([pending.text, pending.block_dicts()])
    closed = closed_message(p, HOSTILE, context)
    assert_inert([closed.text, closed.block_dicts()])


def test_app_home_and_the_task_list_are_inert() -> None:
    approval = PendingApproval(
        prompt_id="pmt1", description=HOSTILE, run_id=HOSTILE, requester=HOSTILE
    )
    assert_inert(home_view([], [approval]))
    task = Task.model_validate({"id": "tsk1", "slug": "hello", "name": HOSTILE})
    task = task.model_copy(update={"description": HOSTILE})
    runbook = Runbook.model_validate({"id": "rbk1", "slug": "r", "name": HOSTILE})
    assert_inert(tasks_message("/airplane", [task], HOSTILE, runbooks=[runbook]))


def test_what_users_are_told_is_inert() -> None:
    usage = help_message("/airplane", f"`{HOSTILE}` is not a `key=value` argument", "run")
    assert_inert(usage)
    assert_inert(user_message(UsageError(f"there is no task `{HOSTILE}`")))
    assert_inert(
        user_message(InvalidRequestError(status=400, error=HOSTILE, method="POST", path="/x"))
    )
    assert_inert(user_message(NotFoundError(status=404, error=HOSTILE, method="GET", path="/x")))
    assert_inert(not_allowed(HOSTILE))
    assert_inert(may_not("follow", HOSTILE, HOSTILE))
    assert_inert(may_not_answer(HOSTILE))


def test_a_note_in_the_parents_approved_by_keeps_what_was_typed() -> None:
    """The parent's "Approved by" shows the note escaped, in one code span (its own backticks,
    which would end the span, read as `'`); nothing dropped."""
    note = "Ship after **standup**. <script>alert(1)</script> `code`"
    summary = RunSummary(
        run_id="run1",
        slug="deploy",
        status="Succeeded",
        approved_by=("<@U0BOB>",),
        approved_values={"note": note},
    )
    assert approved_text(summary) == (
        "Approved by <@U0BOB> (note = `Ship after **standup**. "
        "&lt;script&gt;alert(1)&lt;/script&gt; 'code'`)"
    )
