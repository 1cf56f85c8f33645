"""A run's Slack thread survives `kill -9` of the real bot process: nothing missing or doubled."""

from __future__ import annotations

import asyncio
from pathlib import Path

from slackbox import ALICE, GENERAL, SlackEmulator
from tests.bot.processes import base_env, bot_process
from tests.support.airfield import AirfieldProcess

from .harness import WAIT, post_keys, until_parent_shows, until_thread
from .proxy import post_holding_proxy
from .test_bot_e2e import run_id_in


async def test_thread_survives_sigkill_of_the_bot(
    slack: SlackEmulator, airfield: AirfieldProcess, tmp_path: Path
) -> None:
    """Killed (-9) after Slack accepted a thread post and before the bot recorded its ts, a new
    bot on the same DB finishes the thread with every post once (the held one not repeated)."""
    env = {**base_env(slack, airfield, tmp_path), "SLACK_APP_TOKEN": slack.app_token}
    # The second bot is a new lease holder: it takes the run over once the dead one's lease
    # lapses, so keep leases short here.
    env["BOT_LEASE_SECONDS"] = "3"
    async with post_holding_proxy(slack.api_url) as (proxy_url, held):
        first_env = {**env, "SLACK_API_URL": proxy_url}
        async with bot_process(first_env, tmp_path / "first.log") as first:
            await slack.wait_for_socket(timeout=WAIT)
            await slack.slash_command(
                "/airplane", "run slow seconds=4", user=ALICE, channel=GENERAL
            )
            await asyncio.wait_for(held.accepted.wait(), WAIT)
            first.kill()  # SIGKILL while the post's answer (its ts) is still on its way
            assert await first.wait() == -9
    parent = await slack.wait_for(lambda: next(iter(slack.messages(GENERAL)), None), timeout=WAIT)
    run_id = run_id_in(parent.rendered)
    orphan = slack.message(GENERAL, str(held.ts))
    assert orphan.thread_ts == parent.ts

    # No command reaches the second bot: it must pick the run up from the DB alone.
    async with bot_process(env, tmp_path / "second.log"):
        parent = await until_parent_shows(slack, GENERAL, run_id, "Succeeded")
        thread = await until_thread(slack, GENERAL, parent, '"slept": 4')

    assert [m.ts for m in slack.messages(GENERAL)] == [parent.ts]
    # The ending line (the parent shows every other status) once; the held post once.
    ending_lines = [m.text for m in thread if "*Succeeded*" in m.text]
    assert len(ending_lines) == 1, ending_lines
    assert sum('"slept": 4' in m.rendered for m in thread) == 1
    assert [m.ts for m in thread].count(orphan.ts) == 1
    keys = post_keys([parent, *thread])
    assert all(count == 1 for count in keys.values()), keys
    assert slack.rejected == []
