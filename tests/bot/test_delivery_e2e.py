"""Delivery: signatures, Slack's retries, double submissions, Socket Mode, health."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from slackbox import ALICE, GENERAL, SlackEmulator
from tests.support.airfield import AirfieldProcess
from tests.support.eventually import eventually

from .harness import running_bot

pytestmark = pytest.mark.usefixtures("airfield")


@pytest.mark.parametrize(
    ("signature", "offset"),
    [("bad", 0.0), ("missing", 0.0), ("valid", -600.0)],
)
async def test_unsigned_or_stale_requests_get_401(
    slack: SlackEmulator, airfield: AirfieldProcess, tmp_path: Path, signature: str, offset: float
) -> None:
    """Bad, missing and five-minute-old signatures are refused with 401 and start nothing."""
    async with running_bot(slack, airfield, tmp_path) as bot:
        reply = await slack.slash_command(
            "/airplane", "run hello name=x", signature=signature, timestamp_offset=offset
        )
        assert reply.status == 401
        assert await bot.services.store.runs.recent() == []
        assert slack.ephemerals(ALICE) == []


async def test_healthz(slack: SlackEmulator, airfield: AirfieldProcess, tmp_path: Path) -> None:
    """HTTP mode answers GET /healthz."""
    async with running_bot(slack, airfield, tmp_path) as bot, httpx.AsyncClient() as client:
        answer = await client.get(f"{bot.url}/healthz")
    assert (answer.status_code, answer.json()) == (200, {"ok": True})


@pytest.mark.parametrize("mode", ["http", "socket"])
async def test_retried_command_starts_one_run(
    slack: SlackEmulator, airfield: AirfieldProcess, tmp_path: Path, mode: str
) -> None:
    """Slack's redeliveries of a command (at once and later) start one run, announced once."""
    slug_note = f"retry-{mode}"
    async with running_bot(slack, airfield, tmp_path, mode=mode) as bot:  # type: ignore[arg-type]
        first = await slack.slash_command("/airplane", f"run hello name={slug_note}")
        assert first.status == 200
        await slack.resend(first, retry_num=1, retry_reason="http_timeout")

        async def announced() -> bool:
            return any(r.parent_ts for r in await bot.services.store.runs.recent())

        await eventually(announced)
        await slack.resend(first, retry_num=2, retry_reason="http_timeout")
        runs = [
            r
            for r in await bot.services.airplane.list_runs(task_slug="hello", limit=50)
            if r.param_values.get("name") == slug_note
        ]
        assert len(runs) == 1
        assert len(slack.messages(GENERAL)) == 1
        assert len(await bot.services.store.runs.recent()) == 1
    assert slack.rejected == []


async def test_socket_mode_command(
    slack: SlackEmulator, airfield: AirfieldProcess, tmp_path: Path
) -> None:
    """Over Socket Mode the command is acked in the envelope and the run is announced."""
    async with running_bot(slack, airfield, tmp_path, mode="socket") as bot:
        reply = await slack.slash_command("/airplane", "run hello name=socket")
        assert reply.status == 200
        parent = await slack.wait_for_message(GENERAL, contains="hello")
        assert "socket" in str(parent.blocks)
        await slack.slash_command("/airplane", "nonsense")
        await slack.wait_for_ephemeral(ALICE, contains="There is no subcommand `nonsense`")
        assert len(await bot.services.store.runs.recent()) == 1
    assert slack.rejected == []
