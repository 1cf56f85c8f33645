"""The whole path as a user meets it: a slash command starts a run, the tracker finds its prompt,
approvals posts it in the run's thread, and a reviewer's click lets the run finish."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.wiring.services import Services
from slackbox import ALICE, BOB, CAROL, GENERAL, SlackEmulator
from tests.bot.harness import reviewing_bot
from tests.support.airfield import AirfieldProcess

from .harness import TASKS, outcome_text


@pytest.fixture(scope="module")
def airfield(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AirfieldProcess]:
    """airfield serving the approval test tasks."""
    with AirfieldProcess(tmp_path_factory.mktemp("airfield"), tasks_dirs=[TASKS]) as server:
        yield server


@pytest.fixture
async def services(
    airfield: AirfieldProcess, tmp_path: Path
) -> AsyncIterator[tuple[SlackEmulator, Services]]:
    """The bot as `open_services` builds it (tracker + approvals), with ops -> CAROL."""
    async with reviewing_bot(airfield, tmp_path, CAROL) as ready:
        yield ready


async def test_slash_command_run_is_approved_in_its_thread(
    services: tuple[SlackEmulator, Services],
) -> None:
    """ALICE runs release_gate; the prompt reaches the thread and CAROL's App Home; ALICE is
    refused (self-approval), BOB approves."""
    slack, bot = services
    await slack.slash_command("/airplane", "run release_gate service=api", user=ALICE)
    prompt_message = await slack.wait_for(
        lambda: next(
            (
                m
                for m in slack.workspace.messages
                if m.channel == GENERAL and m.thread_ts and "Release" in m.rendered
            ),
            None,
        ),
        timeout=60.0,
    )
    assert bot.approvals is not None
    [waiting] = await bot.approvals.pending_for(CAROL)
    await slack.send_event({"type": "app_home_opened", "user": CAROL, "tab": "home"})
    home = await slack.wait_for(lambda: slack.home_view(CAROL))
    assert waiting.description == "Release **api**?"  # Markdown, shown as mrkdwn:
    assert f"Release *api*? · run `{waiting.run_id}` · in <#{GENERAL}>" in home.rendered
    assert f"asked by <@{ALICE}>" in home.rendered
    assert "**" not in home.rendered
    slack.fill(prompt_message, {"Change code": "ABC", "Window": "2024-05-01"})
    await slack.click("Ship it", user=ALICE, target=prompt_message)
    await slack.wait_for_ephemeral(ALICE, contains="self-approval")
    await slack.click("Ship it", user=BOB, target=prompt_message)
    await slack.wait_for(lambda: outcome_text(slack.message(GENERAL, prompt_message.ts)))
    assert f"<@{BOB}>" in outcome_text(slack.message(GENERAL, prompt_message.ts))
    assert await bot.approvals.pending_for(CAROL) == []
    # The parent credits the approver, with what they chose; `status` tells the same.
    assert prompt_message.thread_ts
    parent = slack.message(GENERAL, prompt_message.thread_ts)
    credit = f"Approved by <@{BOB}> (canary = `false`, code = `ABC`"
    await slack.wait_for(lambda: "Succeeded" in parent.rendered and credit in parent.rendered)
    run_id = next(iter(await bot.store.runs.recent(limit=1))).run_id
    await slack.slash_command("/airplane", f"status {run_id}", user=ALICE)
    status = await slack.wait_for_ephemeral(ALICE, contains=run_id)
    assert credit in status.rendered
    assert slack.rejected == []
