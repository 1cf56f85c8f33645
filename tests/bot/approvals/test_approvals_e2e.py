"""Approvals end to end: an airplanesdk task prompts in airfield, people click in the emulator.

The task (`tasks/release_gate.py`) asks for an integer, a boolean, a date, an option, a code
matching `[A-Z]{3}` and an optional long text; reviewers are bob@example.com and group `ops`
(CAROL, by the policy's mapping); self-approval is off and ALICE starts every run.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from airplane_api.models import PromptState
from bot.approvals.service import Approvals
from bot.blocks.ids import PromptModalMetadata
from bot.store.approvals import ApprovalRecord, ApprovalState, Claim
from slackbox import ALICE, BOB, CAROL, GENERAL, Message
from tests.support.airfield import AirfieldProcess

from .harness import TASKS, Bot, TrackedRun, outcome_text, running_bot

DAN = "U0DAN0000"


@pytest.fixture(scope="module")
def airfield(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AirfieldProcess]:
    """One airfield serving the approval tasks, shared by this module (runs never collide)."""
    with AirfieldProcess(tmp_path_factory.mktemp("airfield"), tasks_dirs=[TASKS]) as server:
        yield server


@pytest.fixture
async def bot(tmp_path: Path, airfield: AirfieldProcess) -> AsyncIterator[Bot]:
    """A fresh bot and Slack in front of airfield, with DAN, who is no reviewer."""
    async with running_bot(tmp_path, airfield) as running:
        running.slack.add_user(DAN, "dan", "dan@example.com")
        yield running


def _fill_valid(bot: Bot, message: Message) -> None:
    bot.slack.fill(message, {"Change code": "ABC", "Window": "2024-05-01", "Canary": ["Yes"]})


async def test_prompt_is_posted_in_the_thread_and_to_reviewers_once(bot: Bot) -> None:
    """One copy in the run's thread and one DM per reviewer (email and group); none repeated."""
    run_id, prompt, message = await bot.start_run()
    tracked_again = [prompt, prompt]
    calls_before = len(bot.slack.calls())
    await bot.approvals.posting.on_prompts(
        TrackedRun(id=run_id, channel=GENERAL, requested_by=ALICE),
        message.thread_ts or "",
        tracked_again,
    )
    assert len(bot.slack.calls()) == calls_before  # a repeat costs no Slack call
    copies = bot.copies()
    assert len(copies) == 3
    assert {m.channel for m in copies if m.channel != GENERAL} == {
        await _dm(bot, BOB),
        await _dm(bot, CAROL),
    }
    assert bot.slack.rejected == []
    [waiting] = await bot.approvals.pending_for(BOB)
    assert (waiting.prompt_id, waiting.description) == (prompt.id, "Release **api**?")
    assert await bot.approvals.pending_for(DAN) == []
    await bot.airplane.cancel_prompt(prompt.id)
    await bot.approvals.upkeep.sweep()
    assert await bot.approvals.pending_for(BOB) == []
    await bot.slack.wait_for(lambda: all(outcome_text(m) for m in bot.copies()))


async def _dm(bot: Bot, user: str) -> str:
    answer = await bot.services.slack.conversations_open(users=user)
    return str(answer["channel"]["id"])


async def test_approve_with_values(bot: Bot) -> None:
    """BOB fills the inputs and approves: Airplane gets typed values, every copy shows it."""
    run_id, prompt, message = await bot.start_run()
    _fill_valid(bot, message)
    bot.slack.fill(message, {"Replicas": "5", "Region": "us"})
    await bot.slack.click("Ship it", user=BOB, target=message)
    run = await bot.finished_run(run_id)
    assert run.status.value == "Succeeded"
    output = await bot.airplane.get_run_outputs(run_id)
    assert output == {
        "replicas": "5",
        "canary": "True",
        "window": "2024-05-01",
        "region": "us",
        "code": "ABC",
        "note": "None",
    }
    await bot.slack.wait_for(lambda: all(outcome_text(m) for m in bot.copies()))
    for copy in bot.copies():
        assert "*Approved* by <@" + BOB + "> (Ship it)" in outcome_text(copy)
        assert not [b for b in (copy.blocks or []) if b["type"] in ("actions", "input")]
    decided = await bot.airplane.get_prompt(prompt.id)
    assert decided.submitted_by == f"slack:{BOB}"
    assert await bot.audit(run_id) == [("approve", BOB)]
    assert bot.slack.rejected == []


NOTE = "Ship after **standup**. <script>alert(1)</script> `code`"


async def test_a_reviewers_note_reads_as_typed(bot: Bot) -> None:
    """A note with Markdown, a tag and a code span reaches Airplane as typed, and every copy
    shows it escaped, whole: no bracket, star or backtick lost or turned into markup."""
    run_id, prompt, message = await bot.start_run()
    _fill_valid(bot, message)
    bot.slack.fill(message, {"Note": NOTE})
    await bot.slack.click("Ship it", user=BOB, target=message)
    await bot.finished_run(run_id)
    assert (await bot.airplane.get_prompt(prompt.id)).values["note"] == NOTE
    await bot.slack.wait_for(lambda: all(outcome_text(m) for m in bot.copies()))
    escaped = "Ship after **standup**. &lt;script&gt;alert(1)&lt;/script&gt; `code`"
    for copy in bot.copies():
        shown = str(copy.blocks)
        assert escaped in shown, shown
        assert "<script>" not in shown


async def test_reject(bot: Bot) -> None:
    """CAROL (group ops) rejects: the run fails, the messages say Stop by CAROL."""
    run_id, prompt, message = await bot.start_run()
    await bot.slack.click("Stop", user=CAROL, target=message)
    run = await bot.finished_run(run_id)
    assert run.status.value == "Failed"
    await bot.slack.wait_for(lambda: outcome_text(bot.slack.message(GENERAL, message.ts)))
    assert f"*Rejected* by <@{CAROL}> (Stop)" in outcome_text(
        bot.slack.message(GENERAL, message.ts)
    )
    assert (await bot.airplane.get_prompt(prompt.id)).cancelled_by == f"slack:{CAROL}"
    assert await bot.audit(run_id) == [("reject", CAROL)]


async def test_unauthorized_clicks_are_refused_and_audited(bot: Bot) -> None:
    """DAN (no reviewer) and ALICE (the requester) are refused, each in the prompt's thread
    (where they clicked); the prompt stays pending."""
    run_id, prompt, message = await bot.start_run()
    assert message.thread_ts
    _fill_valid(bot, message)
    await bot.slack.click("Ship it", user=DAN, target=message)
    refusal = await bot.slack.wait_for_ephemeral(DAN, contains="can't answer")
    assert "bob@example.com" in refusal.rendered
    assert (refusal.channel, refusal.thread_ts) == (GENERAL, message.thread_ts)
    await bot.slack.click("Ship it", user=ALICE, target=message)
    own = await bot.slack.wait_for_ephemeral(ALICE, contains="self-approval")
    assert own.thread_ts == message.thread_ts
    assert (await bot.airplane.get_prompt(prompt.id)).state is PromptState.PENDING
    assert await bot.audit(run_id) == [("refused", DAN), ("refused", ALICE)]
    assert not outcome_text(bot.slack.message(GENERAL, message.ts))
    await bot.airplane.cancel_prompt(prompt.id)


async def test_double_click_and_slack_retry_decide_once(bot: Bot) -> None:
    """Two clicks at once by BOB, then Slack's retry of one: one decision, one audit entry."""
    run_id, prompt, message = await bot.start_run()
    _fill_valid(bot, message)
    first, _second = await asyncio.gather(
        bot.slack.click("Ship it", user=BOB, target=message),
        bot.slack.click("Ship it", user=BOB, target=message),
    )
    await bot.finished_run(run_id)
    # The losing click is told first (busy or already answered), so only a second notice
    # can come from the retry, and it must say the prompt was already answered.
    await bot.slack.wait_for(lambda: len(_answered_notices(bot, BOB)) == 1)
    retried = await bot.slack.resend(first, retry_num=1)
    assert retried.ok
    notices = await bot.slack.wait_for(lambda: _answered_notices(bot, BOB)[1:])
    assert len(notices) == 1
    assert "already answered" in notices[0]
    assert await bot.audit(run_id) == [("approve", BOB)]
    assert (await bot.airplane.get_prompt(prompt.id)).submitted_by == f"slack:{BOB}"
    # Nothing of the prompt is left in memory once decided: no lock, no context.
    assert len(bot.approvals.posting.locks) == 0
    assert bot.approvals.posting.waiting() == 0


def _answered_notices(bot: Bot, user: str) -> list[str]:
    """What `user` was told about a prompt someone (maybe they) had answered, oldest first."""
    return [e.rendered for e in bot.slack.ephemerals(user) if "answered" in e.rendered]


async def test_two_approvers_at_once_give_one_decision(bot: Bot) -> None:
    """BOB approves while CAROL rejects: exactly one wins, the other is told."""
    run_id, _prompt, message = await bot.start_run()
    _fill_valid(bot, message)
    await asyncio.gather(
        bot.slack.click("Ship it", user=BOB, target=message),
        bot.slack.click("Stop", user=CAROL, target=message),
    )
    await bot.finished_run(run_id)
    await bot.slack.wait_for(lambda: outcome_text(bot.slack.message(GENERAL, message.ts)))
    decisions = [a for a in await bot.audit(run_id) if a[0] in ("approve", "reject")]
    assert len(decisions) == 1
    loser = CAROL if decisions[0] == ("approve", BOB) else BOB
    await bot.slack.wait_for(lambda: bot.slack.ephemerals(loser))


async def test_invalid_values_are_shown_inline_then_corrected(bot: Bot) -> None:
    """A missing and then a malformed code are marked under the input; a good one goes through."""
    run_id, prompt, message = await bot.start_run()
    bot.slack.fill(message, {"Window": "2024-05-01"})
    await bot.slack.click("Ship it", user=BOB, target=message)
    fix = await bot.slack.wait_for_ephemeral(BOB, contains="Fix the highlighted values")
    assert fix.thread_ts == message.thread_ts  # under the inputs, not in the channel
    await bot.slack.wait_for(
        lambda: "Is required." in bot.slack.message(GENERAL, message.ts).rendered
    )
    bot.slack.fill(message, {"Change code": "abc"})
    await bot.slack.click("Ship it", user=BOB, target=message)
    await bot.slack.wait_for(
        lambda: "Must match" in bot.slack.message(GENERAL, message.ts).rendered
    )
    assert (await bot.airplane.get_prompt(prompt.id)).state is PromptState.PENDING
    bot.slack.fill(message, {"Change code": "XYZ"})
    await bot.slack.click("Ship it", user=BOB, target=message)
    run = await bot.finished_run(run_id)
    assert run.status.value == "Succeeded"
    assert (await bot.airplane.get_run_outputs(run_id))["code"] == "XYZ"
    assert bot.slack.rejected == []


async def test_prompt_cancelled_through_the_api_meanwhile(bot: Bot) -> None:
    """Cancelled outside Slack: a click tells the clicker, and every copy shows it."""
    run_id, prompt, message = await bot.start_run()
    await bot.airplane.cancel_prompt(prompt.id, acting_for="api-script")
    await bot.slack.click("Ship it", user=BOB, target=message)
    await bot.slack.wait_for_ephemeral(BOB, contains="already rejected")
    await bot.slack.wait_for(lambda: all(outcome_text(m) for m in bot.copies()))
    assert "`api-script`" in outcome_text(bot.slack.message(GENERAL, message.ts))
    assert [a for a in await bot.audit(run_id) if a[0] in ("approve", "reject")] == []


async def test_a_claim_left_by_a_restart_is_replayed_once(bot: Bot) -> None:
    """A decision claimed just before a crash is sent by the restarted bot's upkeep, once."""
    run_id, prompt, message = await bot.start_run()
    claim = Claim(intent="reject", actor_id=BOB, key="0e1e5b1c-1111-4a5e-9f7e-000000000001")
    assert await bot.services.store.approvals.claim(prompt.id, claim)
    restarted = Approvals(
        store=bot.services.store,
        airplane=bot.airplane,
        slack=bot.services.slack,
        reviewer_groups={},
    )
    rounds = 0

    async def two_rounds(_interval: float) -> None:
        nonlocal rounds
        rounds += 1
        if rounds > 2:
            raise asyncio.CancelledError

    with pytest.raises(asyncio.CancelledError):
        await restarted.upkeep.run(sleep=two_rounds)
    # The restarted upkeep itself sent and settled it (its first round takes every claim).
    assert (await bot.airplane.get_prompt(prompt.id)).cancelled_by == f"slack:{BOB}"
    record = await bot.services.store.approvals.get(prompt.id)
    assert record is not None
    assert record.state is ApprovalState.DECIDED
    await bot.approvals.upkeep.resume()  # nothing left to do: the claim was settled
    await bot.slack.wait_for(lambda: outcome_text(bot.slack.message(GENERAL, message.ts)))
    assert await bot.audit(run_id) == [("reject", BOB)]


async def test_prompt_too_big_for_a_message_is_answered_in_a_modal(bot: Bot) -> None:
    """60 inputs: the message has Respond; the modal shows errors inline, then submits."""
    run_id, message = await _wide_gate_shown(bot)
    assert not [b for b in message.blocks or [] if b["type"] == "input"]
    await bot.slack.click("Respond", user=DAN, target=message)
    refusal = await bot.slack.wait_for_ephemeral(DAN, contains="can't answer")
    assert refusal.thread_ts == message.thread_ts
    assert bot.slack.open_views(DAN) == []
    await bot.slack.click("Respond", user=BOB, target=message)
    view = await bot.slack.wait_for_view(BOB, callback_id="prompt_modal")
    # What the submission's answer needs to land in the thread of the clicked copy.
    kept = PromptModalMetadata.model_validate_json(view.view["private_metadata"])
    assert (kept.channel, kept.thread_ts) == (GENERAL, message.thread_ts)
    await bot.slack.submit_view(view)
    assert view.errors == {"prompt_param:0": "Is required."}
    bot.slack.fill(view, {"Ticket": "REL-7", "Check 0": "done"})
    await bot.slack.submit_view(view)
    run = await bot.finished_run(run_id)
    assert run.status.value == "Succeeded"
    assert await bot.airplane.get_run_outputs(run_id) == {"ticket": "REL-7", "check_0": "done"}
    await bot.slack.wait_for(lambda: outcome_text(bot.slack.message(GENERAL, message.ts)))
    assert bot.slack.rejected == []


async def test_watched_run_takes_its_requester_from_created_by(bot: Bot) -> None:
    """A run the bot only watches (no requester known): `createdBy: slack:ALICE` still counts."""
    run_id = await bot.airplane.execute_task(
        "release_gate", param_values={"service": "web"}, acting_for=f"slack:{ALICE}"
    )
    parent = await bot.services.slack.chat_postMessage(channel=GENERAL, text="watching")
    prompt = await bot.pending_prompt(run_id)
    await bot.approvals.posting.on_prompts(
        TrackedRun(id=run_id, channel=GENERAL), str(parent["ts"]), [prompt]
    )
    message = await bot.slack.wait_for_message(GENERAL, thread_ts=str(parent["ts"]))
    _fill_valid(bot, message)
    await bot.slack.click("Ship it", user=ALICE, target=message)
    await bot.slack.wait_for_ephemeral(ALICE, contains="self-approval")
    await bot.slack.click("Ship it", user=BOB, target=message)
    assert (await bot.finished_run(run_id)).status.value == "Succeeded"
    assert await bot.audit(run_id) == [("refused", ALICE), ("approve", BOB)]


async def test_reviewer_answers_from_their_dm_copy(bot: Bot) -> None:
    """BOB approves in his DM: the thread copy and CAROL's DM copy show it too."""
    run_id, _prompt, _message = await bot.start_run()
    dm = await _dm(bot, BOB)
    [copy] = [m for m in bot.copies() if m.channel == dm]
    _fill_valid(bot, copy)
    await bot.slack.click("Ship it", user=BOB, target=copy)
    assert (await bot.finished_run(run_id)).status.value == "Succeeded"
    await bot.slack.wait_for(lambda: all(outcome_text(m) for m in bot.copies()))
    assert len(bot.copies()) == 3
    assert await bot.audit(run_id) == [("approve", BOB)]


async def test_sweep_closes_a_prompt_whose_run_ended(bot: Bot) -> None:
    """The run is cancelled while its prompt waits: the sweep rewrites every copy, no buttons."""
    run_id, _prompt, message = await bot.start_run()
    await bot.airplane.cancel_run(run_id)
    await bot.finished_run(run_id)
    await bot.approvals.upkeep.sweep()
    await bot.slack.wait_for(lambda: all(outcome_text(m) for m in bot.copies()))
    for copy in bot.copies():
        assert not [b for b in copy.blocks or [] if b["type"] in ("actions", "input")]
    assert await bot.approvals.pending_for(BOB) == []
    assert outcome_text(bot.slack.message(GENERAL, message.ts))


async def test_a_post_cut_short_by_a_crash_is_made_on_the_next_sighting(bot: Bot) -> None:
    """A prompt remembered and its thread copy reserved, then a crash: the next call posts all."""
    run_id = await bot.airplane.execute_task(
        "release_gate", param_values={"service": "db"}, acting_for=f"slack:{ALICE}"
    )
    parent = await bot.services.slack.chat_postMessage(channel=GENERAL, text="release_gate")
    prompt = await bot.pending_prompt(run_id)
    store = bot.services.store.approvals
    await store.remember(ApprovalRecord(prompt.id, run_id, GENERAL, str(parent["ts"])))
    await store.reserve_copy(prompt.id, GENERAL, None)
    tracked = TrackedRun(id=run_id, channel=GENERAL, requested_by=ALICE)
    await bot.approvals.posting.on_prompts(tracked, str(parent["ts"]), [prompt])
    await bot.approvals.posting.on_prompts(tracked, str(parent["ts"]), [prompt])
    assert len(bot.copies()) == 3
    assert len(bot.slack.thread(GENERAL, str(parent["ts"]))) == 1
    await bot.airplane.cancel_prompt(prompt.id)


async def test_the_modal_is_checked_without_airplane_before_the_ack(
    bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The prompt's schema is kept when its modal opens: with Airplane's prompt reads hanging,
    a submission missing a value is still answered inline within Slack's 3 s."""
    run_id, message = await _wide_gate_shown(bot)
    await bot.slack.click("Respond", user=BOB, target=message)
    view = await bot.slack.wait_for_view(BOB, callback_id="prompt_modal")

    async def hang(*_args: object, **_kwargs: object) -> None:
        await asyncio.Event().wait()

    with monkeypatch.context() as patch:
        patch.setattr(bot.airplane, "get_prompt", hang)
        await bot.slack.submit_view(view, timeout=3.0)  # Slack's limit for an ack
    assert view.errors == {"prompt_param:0": "Is required."}
    bot.slack.fill(view, {"Ticket": "REL-8", "Check 0": "done"})
    await bot.slack.submit_view(view)
    assert (await bot.finished_run(run_id)).status.value == "Succeeded"


async def _wide_gate_shown(bot: Bot) -> tuple[str, Message]:
    """A wide_gate run (60 inputs: too big for a message) and the message showing its prompt."""
    run_id = await bot.airplane.execute_task("wide_gate", acting_for=f"slack:{ALICE}")
    parent = await bot.services.slack.chat_postMessage(channel=GENERAL, text="wide_gate")
    prompt = await bot.pending_prompt(run_id)
    tracked = TrackedRun(id=run_id, channel=GENERAL, requested_by=ALICE)
    await bot.approvals.posting.on_prompts(tracked, str(parent["ts"]), [prompt])
    return run_id, await bot.slack.wait_for_message(GENERAL, thread_ts=str(parent["ts"]))
