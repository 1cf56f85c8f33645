"""Three real bot processes on one PostgreSQL: commands spread over them, one is killed (-9)
mid-run, and every run still ends with one parent and each post once."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from pathlib import Path

from slackbox import ALICE, GENERAL, SlackEmulator
from tests.bot.processes import base_env, bot_process
from tests.support.airfield import AirfieldProcess

from .harness import post_keys, until_parent_shows
from .test_bot_e2e import run_id_in

REPLICAS = 3
RUNS = 6
LEASE_SECONDS = 3


async def test_a_replica_killed_mid_run_loses_and_doubles_nothing(
    slack: SlackEmulator, airfield: AirfieldProcess, tmp_path: Path, postgres_url: str
) -> None:
    """Six runs started through three replicas; the first replica dies; all finish once."""
    env = {
        **base_env(slack, airfield, tmp_path),
        "SLACK_APP_TOKEN": slack.app_token,
        "BOT_DB": postgres_url,
        "BOT_LEASE_SECONDS": str(LEASE_SECONDS),
    }
    async with AsyncExitStack() as stack:
        bots = [
            await stack.enter_async_context(bot_process(env, tmp_path / f"bot{n}.log"))
            for n in range(REPLICAS)
        ]
        await slack.wait_for_socket(REPLICAS, timeout=60)
        for n in range(RUNS):
            # Socket Mode hands each command to one replica, in turn.
            await slack.slash_command(
                "/airplane", f"run slow seconds={8 + n % 3}", user=ALICE, channel=GENERAL
            )
        parents = await slack.wait_for(
            lambda: slack.messages(GENERAL) if len(slack.messages(GENERAL)) >= RUNS else None,
            timeout=60,
        )
        run_ids = [run_id_in(p.rendered) for p in parents]
        for run_id in run_ids:
            await until_parent_shows(slack, GENERAL, run_id, "Active")
        bots[0].kill()  # SIGKILL: its leases lapse, nothing is flushed
        assert await bots[0].wait() == -9
        await asyncio.gather(
            *(until_parent_shows(slack, GENERAL, run_id, "Succeeded") for run_id in run_ids)
        )
        # Let the last thread posts (outputs) land.
        await slack.wait_for(
            lambda: all("output" in post_keys(thread_of(slack, parent.ts)) for parent in parents),
            timeout=60,
        )
    assert len(slack.messages(GENERAL)) == RUNS  # one parent per run
    # The dead replica's runs moved: the survivors logged taking them over.
    survivors = [(tmp_path / f"bot{n}.log").read_text() for n in range(1, REPLICAS)]
    assert sum(log.count("took over") for log in survivors) >= 1
    for parent in parents:
        keys = post_keys([slack.message(GENERAL, parent.ts), *thread_of(slack, parent.ts)])
        assert all(count == 1 for count in keys.values()), keys
    assert slack.rejected == []


def thread_of(slack: SlackEmulator, ts: str) -> list:  # type: ignore[type-arg]
    """The replies under one parent."""
    return slack.thread(GENERAL, ts)
