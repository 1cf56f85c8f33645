"""Runbooks as people meet them, and rejected runs in lists: through the Slack emulator, the bot
and a real airfield serving examples/ (`release`: `service` defaults to api, `version` is
required; `deploy` prompts the `ops` reviewers, "Stop" rejects).

runbooks/get and runbooks/list are not in the documented v0 contract, so some tests put a proxy
in front of airfield that answers 404 for them, as an API without them would."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from airplane_api import AirplaneClient
from bot.core.kinds import Kind
from bot.wiring.services import Services
from slackbox import ALICE, BOB, CAROL, GENERAL, Message, SlackEmulator
from tests.support.airfield import AirfieldProcess
from tests.support.eventually import eventually
from tests.tracking.proxy import outage_proxy

from .harness import RunningBot, reviewing_bot, running_bot

pytestmark = pytest.mark.usefixtures("airfield")

RUNBOOK_READS = ("/v0/runbooks/get", "/v0/runbooks/list")


@asynccontextmanager
async def bot_without_runbook_reads(
    slack: SlackEmulator, airfield: AirfieldProcess, tmp_path: Path
) -> AsyncIterator[RunningBot]:
    """The bot against an Airplane that has only the documented runbook calls (execute)."""
    async with (
        outage_proxy(airfield.url, missing=RUNBOOK_READS) as (proxy_url, _outage),
        running_bot(slack, airfield, tmp_path, airplane_api_host=proxy_url) as bot,
    ):
        yield bot


async def sessions(bot: RunningBot) -> list[str]:
    """The runbook sessions the bot recorded."""
    return [r.run_id for r in await bot.services.store.runs.recent() if r.kind is Kind.SESSION]


async def test_tasks_lists_runbooks_with_their_command(
    slack: SlackEmulator, airfield: AirfieldProcess, tmp_path: Path
) -> None:
    """`tasks` shows each runbook with `runbook <slug>` beside the tasks' `run <slug>`; the
    filter and the policy apply to runbooks too."""
    policy = tmp_path / "policy.yaml"
    policy.write_text(
        "default: deny\nrules:\n  - tasks: [hello]\n  - runbooks: [release]\n    users: [U0BOB]\n"
    )
    async with running_bot(slack, airfield, tmp_path, bot_policy=str(policy)):
        await slack.slash_command("/airplane", "tasks", user=BOB)
        listing = await slack.wait_for_ephemeral(BOB, contains="you may run")
        assert "*Release* (runbook) `/airplane runbook release`" in listing.rendered
        assert "Announces a release" in listing.rendered
        assert "`/airplane run hello`" in listing.rendered
        assert "could not be listed" not in listing.rendered
        await slack.slash_command("/airplane", "tasks release", user=BOB)
        narrowed = await slack.wait_for_ephemeral(BOB, contains="matching “release”")
        assert "runbook release" in narrowed.rendered
        assert "run hello" not in narrowed.rendered
        await slack.slash_command("/airplane", "tasks", user=ALICE)
        alices = await slack.wait_for_ephemeral(ALICE, contains="you may run")
        assert "`/airplane run hello`" in alices.rendered
        assert "release" not in alices.rendered
    assert slack.rejected == []


async def test_tasks_still_listed_when_the_api_cannot_list_runbooks(
    slack: SlackEmulator, airfield: AirfieldProcess, tmp_path: Path
) -> None:
    """runbooks/list answering 404: the tasks show, with a note that runbooks could not be."""
    async with bot_without_runbook_reads(slack, airfield, tmp_path):
        await slack.slash_command("/airplane", "tasks")
        listing = await slack.wait_for_ephemeral(ALICE, contains="you may run")
        assert "`/airplane run hello`" in listing.rendered
        assert "runbook release" not in listing.rendered
        assert "Runbooks could not be listed: this Airplane API does not list them" in (
            listing.rendered
        )
    assert slack.rejected == []


async def test_missing_runbook_value_opens_form_and_submission_starts_session_once(
    airfield: AirfieldProcess, tmp_path: Path
) -> None:
    """`runbook release service=web` (no version) opens the form with web filled in; submitting
    a version starts one session (a double submission and Slack's retry too), whose thread
    shows the runbook's approval step."""
    async with reviewing_bot(airfield, tmp_path, CAROL) as (slack, services):
        await slack.slash_command("/airplane", "runbook release service=web")
        view = await slack.wait_for_view(ALICE, callback_id="run_modal")
        assert "Run runbook Release" in view.rendered
        [service] = [b for b in view.blocks if b.get("block_id") == "param:service"]
        assert service["element"]["initial_value"] == "web"
        assert "Version" in view.rendered
        empty = await slack.submit_view(view, values={"param:version": ""})
        assert empty.json()["response_action"] == "errors"
        assert "param:version" in view.errors
        good = await slack.submit_view(view, values={"param:version": "v1.4.0"})
        assert good.status == 200
        parent = await slack.wait_for(
            lambda: next((m for m in slack.messages(GENERAL) if "`ses" in m.rendered), None),
            timeout=30.0,
        )
        assert "Runbook" in parent.rendered
        assert "version = `v1.4.0`" in parent.rendered
        await slack.resend(good)
        await slack.resend(good, retry_num=1, retry_reason="http_timeout")
        prompt = await slack.wait_for(
            lambda: _reply(slack, parent, "Release web v1.4.0"), timeout=60.0
        )
        assert prompt.thread_ts == parent.ts
        recorded = [r for r in await services.store.runs.recent() if r.kind is Kind.SESSION]
        assert [r.params for r in recorded] == [{"service": "web", "version": "v1.4.0"}]
        assert len([m for m in slack.messages(GENERAL) if "`ses" in m.rendered]) == 1
    assert slack.rejected == []


def _reply(slack: SlackEmulator, parent: Message, text: str) -> Message | None:
    return next((m for m in slack.thread(GENERAL, parent.ts) if text in m.rendered), None)


async def test_runbook_form_flag_nothing_missing_and_unknown_slug(
    slack: SlackEmulator, airfield: AirfieldProcess, tmp_path: Path
) -> None:
    """`--form` opens the form though nothing is missing; a runbook with every required value
    starts at once, no form; an unknown slug gets one line with the close match."""
    async with running_bot(slack, airfield, tmp_path) as bot:
        await slack.slash_command("/airplane", "runbook release version=v9 --form")
        view = await slack.wait_for_view(ALICE, callback_id="run_modal")
        [version] = [b for b in view.blocks if b.get("block_id") == "param:version"]
        assert version["element"]["initial_value"] == "v9"
        assert await sessions(bot) == []
        await slack.slash_command("/airplane", "runbook relase version=v9")
        note = await slack.wait_for_ephemeral(ALICE, contains="There is no runbook `relase`")
        assert "did you mean `release`?" in note.rendered
        assert "*Usage*" not in note.rendered
        await slack.slash_command("/airplane", "runbook release version=v10")
        await eventually(lambda: sessions(bot))
        assert len(slack.open_views(ALICE)) == 1  # only the --form one
    assert slack.rejected == []


async def test_runbook_on_an_api_without_runbook_reads(
    slack: SlackEmulator, airfield: AirfieldProcess, tmp_path: Path
) -> None:
    """Without runbooks/get the values go as typed and Airplane checks them: a missing one is
    Airplane's refusal, `--form` says why there is no form, all values start the session."""
    async with bot_without_runbook_reads(slack, airfield, tmp_path) as bot:
        await slack.slash_command("/airplane", "runbook release")
        refused = await slack.wait_for_ephemeral(ALICE, contains="refused the values")
        assert "version" in refused.rendered
        await slack.slash_command("/airplane", "runbook release --form")
        await slack.wait_for_ephemeral(ALICE, contains="does not describe runbooks' parameters")
        assert slack.open_views(ALICE) == []
        await slack.slash_command("/airplane", "runbook release version=v3")
        [session] = await eventually(lambda: sessions(bot))
        recorded = await bot.services.store.runs.get(session)
        assert recorded is not None
        assert recorded.params == {"version": "v3"}
    assert slack.rejected == []


async def test_rejected_run_reads_rejected_in_runs_and_status(
    airfield: AirfieldProcess, tmp_path: Path
) -> None:
    """CAROL rejects a deploy in its thread: `runs deploy` and `status` read Rejected (not
    Failed), and a deploy ALICE cancelled still reads Cancelled."""
    async with reviewing_bot(airfield, tmp_path, CAROL) as (slack, services):
        rejected_id, rejected_parent = await _start_deploy(slack, services, "v7.0.0")
        prompt = await slack.wait_for(
            lambda: _reply(slack, rejected_parent, "v7.0.0?"), timeout=60.0
        )
        await slack.click("Stop", user=CAROL, target=prompt)

        async def failed() -> bool:
            return (await services.airplane.get_run(rejected_id)).status.value == "Failed"

        await eventually(failed, within=60.0)
        cancelled_id, _ = await _start_deploy(slack, services, "v7.0.1")
        await slack.slash_command("/airplane", f"cancel {cancelled_id}")

        async def cancelled() -> bool:
            return (await services.airplane.get_run(cancelled_id)).status.value == "Cancelled"

        await eventually(cancelled, within=60.0)
        await slack.slash_command("/airplane", "runs deploy")
        listing = await slack.wait_for_ephemeral(ALICE, contains="Recent runs of deploy")
        [rejected_line] = [line for line in listing.rendered.splitlines() if rejected_id in line]
        assert ":no_entry: *deploy*" in rejected_line
        assert "Rejected" in rejected_line
        assert "Failed" not in rejected_line
        [cancelled_line] = [line for line in listing.rendered.splitlines() if cancelled_id in line]
        assert "Cancelled" in cancelled_line
        assert "Rejected" not in cancelled_line
        await slack.slash_command("/airplane", f"status {rejected_id}")
        status = await slack.wait_for_ephemeral(ALICE, contains=f"run `{rejected_id}`")
        assert f"*Rejected* by <@{CAROL}>" in status.rendered
    assert slack.rejected == []


async def test_a_run_rejected_in_airplane_reads_rejected_in_runs(
    airfield: AirfieldProcess, tmp_path: Path
) -> None:
    """A deploy started and rejected in Airplane itself (no Slack click, so no audit entry):
    `runs deploy` asks its prompts and reads "Rejected by" whoever Airplane says, not Failed."""
    async with (
        reviewing_bot(airfield, tmp_path, CAROL) as (slack, _services),
        AirplaneClient(airfield.api_key, host=airfield.url) as api,
    ):
        run_id = await api.execute_task(
            "deploy", param_values={"service": "api", "version": "v8.0.0"}
        )

        async def waiting_prompt() -> str | None:
            prompts = await api.list_prompts(run_id)
            return next((p.id for p in prompts if p.state.value == "pending"), None)

        prompt_id = await eventually(waiting_prompt, within=60.0)
        await api.cancel_prompt(prompt_id, acting_for="lead@example.com")

        async def failed() -> bool:
            return (await api.get_run(run_id)).status.value == "Failed"

        await eventually(failed, within=60.0)
        await slack.slash_command("/airplane", "runs deploy")
        listing = await slack.wait_for_ephemeral(ALICE, contains="Recent runs of deploy")
        [line] = [line for line in listing.rendered.splitlines() if run_id in line]
        assert "Rejected by" in line
        assert "Failed" not in line
    assert slack.rejected == []


async def _start_deploy(
    slack: SlackEmulator, services: Services, version: str
) -> tuple[str, Message]:
    """ALICE runs deploy; its run ID and parent message."""
    before = {r.run_id for r in await services.store.runs.recent()}
    await slack.slash_command("/airplane", f"run deploy service=api version={version}")

    async def started() -> str | None:
        fresh = [r for r in await services.store.runs.recent() if r.run_id not in before]
        return fresh[0].run_id if fresh and fresh[0].parent_ts else None

    run_id = await eventually(started)
    parent = await slack.wait_for(
        lambda: next((m for m in slack.messages(GENERAL) if run_id in m.rendered), None)
    )
    return run_id, parent


async def test_runs_lists_a_session_with_its_steps_under_it(
    airfield: AirfieldProcess, tmp_path: Path
) -> None:
    """After ALICE's release runbook runs to its end, `runs` shows the session (the runbook,
    who started it) with its step runs under it, not the steps as runs ALICE started."""
    async with reviewing_bot(airfield, tmp_path, CAROL) as (slack, services):
        await slack.slash_command("/airplane", "runbook release version=v5.0.0")
        parent = await slack.wait_for(
            lambda: next((m for m in slack.messages(GENERAL) if "`ses" in m.rendered), None),
            timeout=30.0,
        )
        prompt = await slack.wait_for(
            lambda: _reply(slack, parent, "Release api v5.0.0"), timeout=60.0
        )
        await slack.click("Release", user=CAROL, target=prompt)
        [session_id] = [
            r.run_id for r in await services.store.runs.recent() if r.kind is Kind.SESSION
        ]

        async def ended() -> bool:
            return (await services.airplane.get_session(session_id)).status.is_terminal

        await eventually(ended, within=60.0)
        await slack.slash_command("/airplane", "runs")
        listing = await slack.wait_for_ephemeral(ALICE, contains="Recent runs")
        lines = listing.rendered.splitlines()
        at = next(i for i, line in enumerate(lines) if session_id in line)
        session_line, *step_lines = lines[at : at + 3]
        assert len(lines) == at + 3 or not lines[at + 3].startswith("\u2003"), lines
        assert f"*release* (runbook) `{session_id}` Succeeded" in session_line
        assert f"started by <@{ALICE}>" in session_line
        assert ["hello" in step_lines[0], "restart_service" in step_lines[1]] == [True, True]
        for line in step_lines:
            assert line.startswith("\u2003\u21b3 ")
            assert "started by" not in line
    assert slack.rejected == []
