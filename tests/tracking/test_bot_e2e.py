"""Tracking through the whole bot: `/airplane watch`, the Cancel button, a run from Slack."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from airplane_api import AirplaneClient
from bot.approvals.ports import PendingApproval
from bot.process.app import build_app
from bot.store import AuditAction
from bot.wiring.config import Settings
from bot.wiring.services import Services, open_services
from slackbox import ALICE, GENERAL, SlackEmulator
from tests.support.airfield import AirfieldProcess
from tests.support.bolt_server import serve_bolt

from .harness import post_keys, until_parent_shows, until_thread


@pytest.fixture
async def bot(
    airfield: AirfieldProcess, tmp_path: Path
) -> AsyncIterator[tuple[SlackEmulator, Services]]:
    """The bot in HTTP mode on the emulator and airfield, with its tracker running."""
    async with SlackEmulator() as slack:
        settings = Settings(
            slack_bot_token=slack.bot_token,
            slack_signing_secret=slack.signing_secret,
            slack_api_url=slack.api_url,
            airplane_api_key=airfield.api_key,
            airplane_api_host=airfield.url,
            bot_db=str(tmp_path / "bot.db"),
        )
        services = await open_services(settings)
        assert services.tracker is not None
        await services.tracker.start()
        try:
            async with serve_bolt(build_app(services)) as url:
                slack.events_url = url
                yield slack, services
        finally:
            await services.aclose()


def run_id_in(text: str) -> str:
    """The run ID a message mentions (Airplane's form: `run` + date + `z` + letters)."""
    found = re.search(r"\brun\d{8}z[a-z0-9]+", text)
    assert found is not None, f"no run ID in {text!r}"
    return found.group(0)


async def test_watch_then_cancel_from_the_button(
    bot: tuple[SlackEmulator, Services], airfield: AirfieldProcess
) -> None:
    """`watch` posts a parent for a run started elsewhere; its Cancel button ends it, audited."""
    slack, services = bot
    async with AirplaneClient(airfield.api_key, host=airfield.url) as client:
        run_id = await client.execute_task("slow", param_values={"seconds": 30})
    reply = await slack.slash_command("/airplane", f"watch {run_id}", user=ALICE, channel=GENERAL)
    assert reply.status == 200
    parent = await until_parent_shows(slack, GENERAL, run_id, "Active")
    await slack.click("Cancel", user=ALICE, target=parent)
    parent = await until_parent_shows(slack, GENERAL, run_id, "Cancelled")
    assert "cancel_run" not in str(parent.blocks)
    # One notice of the cancel, in the thread, not mentioning ALICE, who clicked: no
    # ephemeral besides (the parent shows it too).
    thread = await until_thread(slack, GENERAL, parent, "Cancelled")
    [line] = [m for m in thread if "Cancelled" in m.rendered]
    assert line.text.count(f"<@{ALICE}>") == 1  # "Cancelled by <@ALICE>", no " · <@ALICE>"
    assert not [e for e in slack.ephemerals(ALICE) if "cancel" in e.rendered.lower()]
    entries = await services.store.audit.entries(run_id=run_id)
    assert [(e.action, e.actor) for e in entries] == [(AuditAction.CANCEL, ALICE)]
    keys = post_keys([parent, *slack.thread(GENERAL, parent.ts)])
    assert all(count == 1 for count in keys.values()), keys
    assert slack.rejected == []


async def test_run_from_slack_is_followed_to_its_output(
    bot: tuple[SlackEmulator, Services],
) -> None:
    """`/airplane run hello` gets one parent, edited to Succeeded, with the output in its thread."""
    slack, _ = bot
    await slack.slash_command("/airplane", "run hello name=Lin", user=ALICE, channel=GENERAL)
    parent = await slack.wait_for(lambda: next(iter(slack.messages(GENERAL)), None), timeout=30)
    run_id = run_id_in(parent.rendered)
    parent = await until_parent_shows(slack, GENERAL, run_id, "Succeeded")
    thread = await until_thread(slack, GENERAL, parent, "Hello, Lin!")
    keys = post_keys(thread)
    assert all(count == 1 for count in keys.values()), keys
    assert len(slack.messages(GENERAL)) == 1
    assert slack.rejected == []


async def test_app_home_lists_my_runs_and_what_waits_for_me(
    bot: tuple[SlackEmulator, Services], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Opening Home shows the user's runs with their status and the approvals they owe."""
    slack, services = bot

    async def pending_for(user_id: str) -> list[PendingApproval]:
        """The approvals side's list, as a plain value: one prompt for Alice."""
        if user_id != ALICE:
            return []
        return [PendingApproval("pmt_1", "Deploy to prod?", GENERAL, "1.0", "run_9")]

    monkeypatch.setattr(services.approvals, "pending_for", pending_for)
    await slack.slash_command("/airplane", "run hello name=Mo", user=ALICE, channel=GENERAL)
    parent = await slack.wait_for(lambda: next(iter(slack.messages(GENERAL)), None), timeout=30)
    await until_parent_shows(slack, GENERAL, run_id_in(parent.rendered), "Succeeded")
    await slack.send_event({"type": "app_home_opened", "user": ALICE, "tab": "home"})
    home = await slack.wait_for(lambda: slack.home_view(ALICE), timeout=10)
    assert "Deploy to prod?" in home.rendered
    assert "hello" in home.rendered
    assert slack.rejected == []
