"""Each slash command through the Slack emulator, the bot over HTTP, and a real airfield."""

from __future__ import annotations

import logging
from pathlib import Path

import httpx
import pytest

from bot.core.kinds import Kind
from bot.store import SlackRun
from slackbox import ALICE, GENERAL, SlackEmulator
from tests.support.airfield import AirfieldProcess
from tests.support.eventually import eventually

from .harness import RunningBot, running_bot

pytestmark = pytest.mark.usefixtures("airfield")


async def airfield_run(airfield: AirfieldProcess, run_id: str) -> dict[str, object]:
    """The run as airfield reports it."""
    async with httpx.AsyncClient() as client:
        answer = await client.get(
            f"{airfield.url}/v0/runs/get", params={"id": run_id}, headers=airfield.headers
        )
    answer.raise_for_status()
    run: dict[str, object] = answer.json()
    return run


async def test_run_posts_parent_message_and_records_requester(
    slack: SlackEmulator, airfield: AirfieldProcess, tmp_path: Path
) -> None:
    """`run hello name=Ada` starts a run for slack:ALICE and posts its parent message."""
    async with running_bot(slack, airfield, tmp_path) as bot:
        reply = await slack.slash_command("/airplane", 'run hello name="Ada L" shout=true')
        assert reply.status == 200
        parent = await slack.wait_for_message(GENERAL, contains="hello")

        async def recorded() -> list[SlackRun]:
            return [r for r in await bot.services.store.runs.recent() if r.parent_ts]

        [run] = await eventually(recorded)
        assert run.parent_ts == parent.ts
        assert (run.requester_id, run.channel_id, run.params) == (
            ALICE,
            GENERAL,
            {"name": "Ada L", "shout": True},
        )
        for fragment in (
            "Queued",
            f"<@{ALICE}>",
            "Ada L",
            run.run_id,
            "Cancel",
            f"https://app.airplane.test/runs/{run.run_id}",
        ):
            assert fragment in parent.rendered or fragment in str(parent.blocks)
        on_airfield = await airfield_run(airfield, run.run_id)
        assert on_airfield["createdBy"] == f"slack:{ALICE}"
        [entry] = await bot.services.store.audit.entries()
        assert (entry.action, entry.actor, entry.run_id) == ("run", ALICE, run.run_id)
    assert slack.rejected == []


@pytest.mark.parametrize(
    ("text", "expected", "hint"),
    [
        ("launch hello", "There is no subcommand `launch`", "`run launch hello`"),
        ("stauts run_1", "did you mean `status`?", "`/airplane help` lists every command"),
        ("run nosuchtask x=1", "There is no task `nosuchtask`", "`/airplane tasks`"),
        (
            "run hello shout=maybe",
            "`shout`: must be true or false",
            "Usage: `/airplane run <task>",
        ),
        ("run hello colour=red", "`colour`: is unknown", "Usage: `/airplane run <task>"),
        ("status run00000000zmissing00", "There is no run or session", "`/airplane status <run"),
        ('run hello name="open', "check your quotes", "Usage: `/airplane run <task>"),
    ],
)
async def test_mistakes_get_an_ephemeral_with_what_to_do(
    slack: SlackEmulator,
    airfield: AirfieldProcess,
    tmp_path: Path,
    text: str,
    expected: str,
    hint: str,
) -> None:
    """A bad subcommand, task or value is explained ephemerally, with one line of what to do
    (not the whole usage)."""
    async with running_bot(slack, airfield, tmp_path) as bot:
        await slack.slash_command("/airplane", text)
        note = await slack.wait_for_ephemeral(ALICE, contains=expected)
        assert hint in note.rendered
        assert "*Usage*" not in note.rendered
        assert slack.messages(GENERAL) == []
        assert await bot.services.store.runs.recent() == []
    assert slack.rejected == []


async def test_a_mistyped_env_or_task_suggests_only_the_close_name(
    slack: SlackEmulator,
    airfield: AirfieldProcess,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """`--env prdo` is a usage mistake: the close environment is suggested and the log gets
    one line, no warning nor traceback; `run helo` suggests `hello`, not `deploy` too."""
    caplog.set_level(logging.INFO, logger="bot")
    async with running_bot(slack, airfield, tmp_path) as bot:
        await slack.slash_command("/airplane", "run hello name=Ada --env prdo")
        note = await slack.wait_for_ephemeral(ALICE, contains="no environment")
        assert "There is no environment `prdo`; did you mean `prod`?" in note.rendered
        assert "Usage: `/airplane run <task>" in note.rendered
        await slack.slash_command("/airplane", "run helo")
        typo = await slack.wait_for_ephemeral(ALICE, contains="no task `helo`")
        assert "did you mean `hello`?" in typo.rendered
        assert "deploy" not in typo.rendered
        assert await bot.services.store.runs.recent() == []
    ours = [r for r in caplog.records if r.name.startswith("bot")]
    assert not [r for r in ours if r.levelno >= logging.WARNING or r.exc_info]
    refused = [r.getMessage() for r in ours if "refused" in r.getMessage()]
    assert len(refused) == 2
    assert "no environment `prdo`" in refused[0]
    assert slack.rejected == []


async def test_help(slack: SlackEmulator, airfield: AirfieldProcess, tmp_path: Path) -> None:
    """`help` lists every subcommand with the configured command name."""
    async with running_bot(slack, airfield, tmp_path, bot_command="/ops"):
        await slack.slash_command("/ops", "help")
        note = await slack.wait_for_ephemeral(ALICE, contains="Usage")
        for sub in ("run", "runbook", "status", "logs", "cancel", "runs", "help"):
            assert f"/ops {sub}" in note.rendered
    assert slack.rejected == []


async def start(slack: SlackEmulator, bot: RunningBot, text: str) -> SlackRun:
    """Send a run/runbook command and return the run once its parent message is posted."""
    before = {r.run_id for r in await bot.services.store.runs.recent()}
    await slack.slash_command("/airplane", text)

    async def new_run() -> SlackRun | None:
        runs = await bot.services.store.runs.recent()
        return next((r for r in runs if r.run_id not in before and r.parent_ts), None)

    run: SlackRun = await eventually(new_run)
    return run


async def test_status_logs_runs_and_cancel(
    slack: SlackEmulator, airfield: AirfieldProcess, tmp_path: Path
) -> None:
    """A slow run shows in status, logs and runs, and `cancel` cancels it for slack:ALICE."""
    async with running_bot(slack, airfield, tmp_path) as bot:
        run = await start(slack, bot, "run slow seconds=60")

        async def printed() -> bool:
            page = await bot.services.airplane.get_run_logs(run.run_id)
            return bool(page.logs)

        await eventually(printed)
        await slack.slash_command("/airplane", f"status {run.run_id}")
        status = await slack.wait_for_ephemeral(ALICE, contains=f"`{run.run_id}`")
        assert "slow" in status.rendered
        await slack.slash_command("/airplane", f"logs {run.run_id}")
        await slack.wait_for_ephemeral(ALICE, contains=f"Logs of {run.run_id}")
        await slack.slash_command("/airplane", "runs slow")
        listing = await slack.wait_for_ephemeral(ALICE, contains="Recent runs of slow")
        assert run.run_id in listing.rendered
        await slack.slash_command("/airplane", f"cancel {run.run_id}")
        await slack.wait_for_ephemeral(ALICE, contains="Asked Airplane to cancel")

        async def cancelled() -> dict[str, object] | None:
            found = await airfield_run(airfield, run.run_id)
            return found if found["status"] == "Cancelled" else None

        ended = await eventually(cancelled)
        assert ended["cancelledBy"] == f"slack:{ALICE}"
        actions = [e.action for e in await bot.services.store.audit.entries(run_id=run.run_id)]
        assert actions == ["cancel", "run"]
    assert slack.rejected == []
    # The run and the cancel both act for ALICE with her email: one users.info between them.
    assert len(slack.calls("users.info")) == 1


async def test_repeated_commands_read_the_sender_and_policy_groups_once(
    slack: SlackEmulator, airfield: AirfieldProcess, tmp_path: Path
) -> None:
    """Each `run` needs its sender's email and policy user groups: asked of Slack once, not
    once per command (bot/slack/reads.py)."""
    slack.add_usergroup("S0ONCALL", [ALICE])
    policy = tmp_path / "policy.yaml"
    policy.write_text("default: deny\nrules:\n  - tasks: [hello]\n    groups: [S0ONCALL]\n")
    async with running_bot(slack, airfield, tmp_path, bot_policy=str(policy)) as bot:
        for name in ("Ada", "Grace", "Edsger"):
            run = await start(slack, bot, f"run hello name={name}")
            assert run.params["name"] == name
    assert len(slack.calls("users.info")) == 1
    assert len(slack.calls("usergroups.users.list")) == 1
    assert slack.rejected == []


async def test_runbook_posts_parent_message(
    slack: SlackEmulator, airfield: AirfieldProcess, tmp_path: Path
) -> None:
    """`runbook release ...` starts a session and announces it with a session link."""
    async with running_bot(slack, airfield, tmp_path) as bot:
        session = await start(slack, bot, "runbook release service=web version=v2.0.0")
        assert session.kind is Kind.SESSION
        parent = slack.message(GENERAL, session.parent_ts or "")
        assert "Runbook" in parent.rendered
        assert f"https://app.airplane.test/sessions/{session.run_id}" in str(parent.blocks)
        [entry] = await bot.services.store.audit.entries()
        assert entry.action == "runbook"
    assert slack.rejected == []


async def test_airplane_errors_become_user_messages(
    slack: SlackEmulator, airfield: AirfieldProcess, tmp_path: Path
) -> None:
    """A refused API key reaches the user as a sentence about the bot's key, not a trace."""
    async with running_bot(slack, airfield, tmp_path, airplane_api_key="tkn_wrongkey000"):
        await slack.slash_command("/airplane", "run hello name=x")
        note = await slack.wait_for_ephemeral(ALICE, contains="API key was refused")
        assert "tkn_" not in note.rendered
        assert slack.messages(GENERAL) == []
    assert slack.rejected == []
