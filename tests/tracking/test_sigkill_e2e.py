"""A run's Slack thread survives `kill -9` of the real bot process: nothing missing or doubled."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from slackbox import ALICE, GENERAL, SlackEmulator
from tests.bot.processes import base_env, bot_process
from tests.support.airfield import EXAMPLES, AirfieldProcess

from .harness import WAIT, post_keys, until_parent_shows, until_thread
from .test_bot_e2e import run_id_in


@pytest.fixture(scope="module")
def airfield(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AirfieldProcess]:
    """A real airfield serving examples/ (slow.task.yaml among them)."""
    with AirfieldProcess(tmp_path_factory.mktemp("airfield"), tasks_dirs=[EXAMPLES]) as server:
        yield server


@pytest.fixture
async def slack() -> AsyncIterator[SlackEmulator]:
    """A fresh Slack emulator."""
    async with SlackEmulator() as emulator:
        yield emulator


async def test_thread_survives_sigkill_of_the_bot(
    slack: SlackEmulator, airfield: AirfieldProcess, tmp_path: Path
) -> None:
    """Killed (-9) mid-run, a new bot on the same DB finishes the thread with every post once."""
    env = {**base_env(slack, airfield, tmp_path), "SLACK_APP_TOKEN": slack.app_token}
    async with bot_process(env, tmp_path / "first.log") as first:
        await slack.wait_for_socket(timeout=WAIT)
        await slack.slash_command("/airplane", "run slow seconds=10", user=ALICE, channel=GENERAL)
        parent = await slack.wait_for(
            lambda: next(iter(slack.messages(GENERAL)), None), timeout=WAIT
        )
        run_id = run_id_in(parent.rendered)
        parent = await until_parent_shows(slack, GENERAL, run_id, "Active")
        first.kill()  # SIGKILL: no shutdown hook runs, nothing is flushed
        assert await first.wait() == -9

    # No command reaches the second bot: it must pick the run up from the DB alone.
    async with bot_process(env, tmp_path / "second.log"):
        parent = await until_parent_shows(slack, GENERAL, run_id, "Succeeded")
        thread = await until_thread(slack, GENERAL, parent, '"slept": 10')

    assert [m.ts for m in slack.messages(GENERAL)] == [parent.ts]
    # The ending line (bot/tracking/plan.py: the parent shows every other status) once.
    status_lines = [m.text for m in thread if "*Succeeded*" in m.text]
    assert len(status_lines) == 1, status_lines
    assert sum('"slept": 10' in m.rendered for m in thread) == 1
    keys = post_keys([parent, *thread])
    assert all(count == 1 for count in keys.values()), keys
    assert slack.rejected == []
