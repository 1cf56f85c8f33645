"""The run modal, the "Run a task" shortcut, double submissions and policy refusals."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.store import SlackRun
from slackbox import ALICE, BOB, GENERAL, SlackEmulator
from tests.support.airfield import AirfieldProcess
from tests.support.eventually import eventually

from .harness import RunningBot, running_bot

pytestmark = pytest.mark.usefixtures("airfield")


async def announced_runs(bot: RunningBot) -> int:
    """How many runs have a parent message."""
    return len([r for r in await bot.services.store.runs.recent() if r.parent_ts])


async def test_missing_values_open_modal_with_inline_errors_then_run(
    slack: SlackEmulator, airfield: AirfieldProcess, tmp_path: Path
) -> None:
    """`run deploy` opens the form; a bad version is shown inline; the fixed one runs once."""
    async with running_bot(slack, airfield, tmp_path) as bot:
        await slack.slash_command("/airplane", "run deploy service=web")
        view = await slack.wait_for_view(ALICE, callback_id="run_modal")
        assert "Service" in view.rendered
        assert "Version" in view.rendered
        bad = await slack.submit_view(view, values={"param:version": "1.2"})
        assert bad.json()["response_action"] == "errors"
        assert "param:version" in view.errors
        assert "v[0-9]+" in view.errors["param:version"]
        assert not view.closed
        good = await slack.submit_view(view, values={"param:version": "v1.2.3"})
        assert good.status == 200
        parent = await slack.wait_for_message(GENERAL, contains="deploy")
        assert "v1.2.3" in str(parent.blocks)
        await eventually(lambda: announced_runs(bot))
        # A second click on Submit (same view) must not start another run.
        await slack.resend(good)
        await slack.resend(good, retry_num=1, retry_reason="http_timeout")
        [run] = await bot.services.store.runs.recent()
        assert run.params == {"service": "web", "version": "v1.2.3"}
        deploys = await bot.services.airplane.list_runs(task_slug="deploy", limit=50)
        assert [r.id for r in deploys if r.param_values.get("version") == "v1.2.3"] == [run.run_id]
        assert len(slack.messages(GENERAL)) == 1
    assert slack.rejected == []


async def test_nothing_required_missing_starts_at_once(
    slack: SlackEmulator, airfield: AirfieldProcess, tmp_path: Path
) -> None:
    """`run hello` (every parameter has a default) starts without a form."""
    async with running_bot(slack, airfield, tmp_path):
        await slack.slash_command("/airplane", "run hello")
        await slack.wait_for_message(GENERAL, contains="hello")
        assert slack.open_views(ALICE) == []
    assert slack.rejected == []


async def test_form_flag_opens_modal_with_defaults(
    slack: SlackEmulator, airfield: AirfieldProcess, tmp_path: Path
) -> None:
    """`run hello --form` opens the form pre-filled with the defaults."""
    async with running_bot(slack, airfield, tmp_path):
        await slack.slash_command("/airplane", "run hello --form")
        view = await slack.wait_for_view(ALICE, callback_id="run_modal")
        [name_input] = [b for b in view.blocks if b.get("block_id") == "param:name"]
        assert name_input["element"]["initial_value"] == "World"
        await slack.submit_view(view, values={"param:shout": "true"})
        parent = await slack.wait_for_message(GENERAL, contains="hello")
        assert "name = `World`" in parent.rendered
        assert "shout = `true`" in parent.rendered
    assert slack.rejected == []


async def test_shortcut_picks_a_task_and_runs_it_in_a_dm(
    slack: SlackEmulator, airfield: AirfieldProcess, tmp_path: Path
) -> None:
    """The global shortcut's picker lists tasks; picking one shows its form; submit runs it."""
    async with running_bot(slack, airfield, tmp_path) as bot:
        await slack.shortcut("run_task", user=BOB)
        view = await slack.wait_for_view(BOB, callback_id="run_modal")
        options = (await slack.load_options(view, "task", typed="inv")).json()["options"]
        assert [o["value"] for o in options] == ["inventory"]
        await slack.choose(view, "task", "inventory")

        async def form_shown() -> bool:
            return "Region" in slack.open_views(BOB)[-1].rendered

        await eventually(form_shown)
        await slack.submit_view(values={"param:region": "United States"}, user=BOB)
        [run] = await eventually(lambda: _announced(bot))
        assert run.channel_id.startswith("D")
        assert run.requester_id == BOB
        parent = slack.message(run.channel_id, run.parent_ts or "")
        assert "inventory" in parent.rendered
    assert slack.rejected == []


async def _announced(bot: RunningBot) -> list[object]:
    return [r for r in await bot.services.store.runs.recent() if r.parent_ts]


async def test_policy_refuses_and_audits(
    slack: SlackEmulator, airfield: AirfieldProcess, tmp_path: Path, policy_file: Path
) -> None:
    """Only BOB may deploy: ALICE is refused ephemerally (audited), BOB's run starts."""
    async with running_bot(slack, airfield, tmp_path, bot_policy=str(policy_file)) as bot:
        await slack.slash_command("/airplane", "run deploy service=api version=v1.0.0")
        note = await slack.wait_for_ephemeral(ALICE, contains="Not allowed")
        assert "deploy" in note.rendered
        assert f"Ask <@{BOB}>, who may run it." in note.rendered  # the next step
        await slack.slash_command("/airplane", "run deploy", user=ALICE)
        await eventually(lambda: _refusals(bot, 2))
        assert slack.open_views(ALICE) == []
        # An unknown runbook is no refusal (as an unknown task): runbooks/get says it is not.
        await slack.slash_command("/airplane", "runbook nope", user=ALICE)
        await slack.wait_for_ephemeral(ALICE, contains="There is no runbook `nope`")
        await slack.slash_command("/airplane", "run deploy service=api version=v1.0.0", user=BOB)
        parent = await slack.wait_for_message(GENERAL, contains="deploy")
        assert f"<@{BOB}>" in str(parent.blocks)
        refused = [e for e in await bot.services.store.audit.entries() if e.action == "refused"]
        assert {(e.actor, e.target) for e in refused} == {(ALICE, "deploy")}
    assert slack.rejected == []


async def _refusals(bot: RunningBot, count: int) -> bool:
    entries = await bot.services.store.audit.entries()
    return len([e for e in entries if e.action == "refused"]) >= count


async def test_policy_by_slack_user_group(
    slack: SlackEmulator, airfield: AirfieldProcess, tmp_path: Path
) -> None:
    """A rule naming a Slack user group (S…) lets its members run and refuses everyone else."""
    slack.add_usergroup("S0ONCALL", [BOB])
    policy = tmp_path / "groups.yaml"
    policy.write_text("default: deny\nrules:\n  - tasks: [hello]\n    groups: [S0ONCALL]\n")
    async with running_bot(slack, airfield, tmp_path, bot_policy=str(policy)) as bot:
        await slack.slash_command("/airplane", "run hello name=Ann", user=ALICE)
        await slack.wait_for_ephemeral(ALICE, contains="Not allowed")
        await slack.slash_command("/airplane", "run hello name=Bo", user=BOB)
        parent = await slack.wait_for_message(GENERAL, contains="hello")
        assert f"<@{BOB}>" in str(parent.blocks)
        runs = await eventually(lambda: _announced_runs(bot))
        assert [r.requester_id for r in runs] == [BOB]
    asked = [c.params.get("usergroup") for c in slack.calls("usergroups.users.list")]
    assert asked
    assert set(asked) == {"S0ONCALL"}
    assert slack.rejected == []


async def _announced_runs(bot: RunningBot) -> list[SlackRun]:
    return [r for r in await bot.services.store.runs.recent() if r.parent_ts]


SLACK_ACK_LIMIT = 3.0  # Slack drops an interaction not acknowledged within 3 s


def _airplane_reads_hang(bot: RunningBot, monkeypatch: pytest.MonkeyPatch) -> None:
    """From now on, reading a task from Airplane (client or catalog) never answers."""

    async def hang(*_args: object, **_kwargs: object) -> None:
        await asyncio.Event().wait()

    monkeypatch.setattr(bot.services.airplane, "get_task", hang)
    monkeypatch.setattr(bot.services.catalog, "task", hang)


async def test_the_form_is_checked_without_airplane_before_the_ack(
    slack: SlackEmulator,
    airfield: AirfieldProcess,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Once the form is open, its submission is checked from what the bot kept: with Airplane's
    task reads hanging, a bad value still comes back inline in time and a good one runs."""
    async with running_bot(slack, airfield, tmp_path) as bot:
        await slack.slash_command("/airplane", "run deploy service=web")
        view = await slack.wait_for_view(ALICE, callback_id="run_modal")
        _airplane_reads_hang(bot, monkeypatch)
        bad = await slack.submit_view(
            view, values={"param:version": "1.2"}, timeout=SLACK_ACK_LIMIT
        )
        assert bad.json()["response_action"] == "errors"
        assert "v[0-9]+" in view.errors["param:version"]
        good = await slack.submit_view(
            view, values={"param:version": "v1.2.4"}, timeout=SLACK_ACK_LIMIT
        )
        assert good.status == 200
        parent = await slack.wait_for_message(GENERAL, contains="deploy")
        assert "v1.2.4" in str(parent.blocks)
    assert slack.rejected == []
