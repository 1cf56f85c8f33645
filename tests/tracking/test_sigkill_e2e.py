"""A run's Slack thread survives `kill -9` of the real bot process: nothing missing or doubled."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from slackbox import ALICE, GENERAL, SlackEmulator
from tests.bot.processes import base_env, bot_process
from tests.support.airfield import AirfieldProcess

from .harness import WAIT, post_keys, until_parent_shows, until_thread
from .test_bot_e2e import run_id_in


async def test_thread_survives_sigkill_of_the_bot(
    slack: SlackEmulator, airfield: AirfieldProcess, tmp_path: Path
) -> None:
    """Killed (-9) mid-run, a new bot on the same DB finishes the thread with every post once."""
    env = {**base_env(slack, airfield, tmp_path), "SLACK_APP_TOKEN": slack.app_token}
    # The second bot is a new lease holder: it takes the run over once the dead one's lease
    # lapses, so keep leases short here.
    env["BOT_LEASE_SECONDS"] = "3"
    async with bot_process(env, tmp_path / "first.log") as first:
        await slack.wait_for_socket(timeout=WAIT)
        await slack.slash_command("/airplane", "run slow seconds=10", user=ALICE, channel=GENERAL)
        parent = await slack.wait_for(
            lambda: next(iter(slack.messages(GENERAL)), None), timeout=WAIT
        )
        run_id = run_id_in(parent.rendered)
        parent = await until_parent_shows(slack, GENERAL, run_id, "Active")
        await until_thread(slack, GENERAL, parent, "Status: Active")
        first.kill()  # SIGKILL: no shutdown hook runs, nothing is flushed
        assert await first.wait() == -9

    # No command reaches the second bot: it must pick the run up from the DB alone.
    async with bot_process(env, tmp_path / "second.log"):
        parent = await until_parent_shows(slack, GENERAL, run_id, "Succeeded")
        thread = await until_thread(slack, GENERAL, parent, '"slept": 10')

    assert [m.ts for m in slack.messages(GENERAL)] == [parent.ts]
    # Each status line (bot/tracking/plan.py posts one per change) once, in order.
    status_lines = [m.text for m in thread if "Status: " in m.text]
    assert [line.rsplit(" ", 1)[-1] for line in status_lines][-2:] == ["Active", "Succeeded"]
    assert all(n == 1 for n in Counter(status_lines).values()), status_lines
    assert sum('"slept": 10' in m.rendered for m in thread) == 1
    keys = post_keys([parent, *thread])
    assert all(count == 1 for count in keys.values()), keys
    assert slack.rejected == []
