"""`airplane-bot serve` as a process: HTTP mode on PORT, Socket Mode with SLACK_APP_TOKEN, and
the operators' endpoints on METRICS_PORT (loopback by default), never on PORT."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from bot.store import Store
from slackbox import ALICE, GENERAL, SlackEmulator
from tests.support.airfield import AirfieldProcess
from tests.support.eventually import eventually

from .processes import base_env, bot_process, free_port, ops_address

pytestmark = pytest.mark.usefixtures("airfield")


async def assert_recorded_before_stop(db: Path, parent_ts: str) -> None:
    """A stop right after the parent message still let the bot record where it is."""
    store = await Store.open(db)
    try:
        [run] = await store.runs.recent()
    finally:
        await store.close()
    assert run.parent_ts == parent_ts


async def test_http_mode_serves_events_and_healthz(
    slack: SlackEmulator, airfield: AirfieldProcess, tmp_path: Path
) -> None:
    """Without SLACK_APP_TOKEN the bot listens on PORT; a command there starts a run."""
    port = free_port()
    env = {**base_env(slack, airfield, tmp_path), "SLACK_SIGNING_SECRET": slack.signing_secret}
    env["PORT"] = str(port)
    log = tmp_path / "bot.log"
    async with bot_process(env, log), httpx.AsyncClient() as client:

        async def healthy() -> bool:
            try:
                return (await client.get(f"http://127.0.0.1:{port}/healthz")).status_code == 200
            except httpx.TransportError:
                return False

        await eventually(healthy, within=20, every=0.05)
        slack.events_url = f"http://127.0.0.1:{port}/slack/events"
        reply = await slack.slash_command("/airplane", "run hello name=process")
        assert reply.status == 200
        parent = await slack.wait_for_message(GENERAL, contains="hello", timeout=15)
    await assert_recorded_before_stop(tmp_path / "bot.db", parent.ts)
    text = log.read_text()
    assert "no BOT_POLICY file" in text  # the allow-all warning at start
    assert slack.bot_token not in text
    assert airfield.api_key not in text
    assert all(line.startswith("{") for line in text.splitlines() if line.strip())
    assert '"msg": "stopped"' in text  # SIGINT closed the store and clients


async def test_http_mode_keeps_metrics_and_readiness_off_the_public_port(
    slack: SlackEmulator, airfield: AirfieldProcess, tmp_path: Path
) -> None:
    """PORT answers /healthz but 404 to /metrics and /readyz; METRICS_PORT, bound to 127.0.0.1
    when METRICS_HOST is unset, answers all three."""
    port, metrics_port = free_port(), free_port()
    env = {
        **base_env(slack, airfield, tmp_path),
        "SLACK_SIGNING_SECRET": slack.signing_secret,
        "PORT": str(port),
        "METRICS_PORT": str(metrics_port),
    }
    public, private = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{metrics_port}"
    log = tmp_path / "bot.log"
    async with bot_process(env, log), httpx.AsyncClient(timeout=10) as client:

        async def up(url: str) -> bool:
            try:
                return (await client.get(f"{url}/healthz")).status_code == 200
            except httpx.TransportError:
                return False

        await eventually(lambda: up(public), within=20, every=0.05)
        await eventually(lambda: up(private), within=20, every=0.05)
        assert (await client.get(f"{public}/metrics")).status_code == 404
        assert (await client.get(f"{public}/readyz")).status_code == 404
        metrics = await client.get(f"{private}/metrics")
        assert metrics.status_code == 200
        assert "airplane_bot_" in metrics.text
        ready = await client.get(f"{private}/readyz")
        assert ready.status_code == 200, ready.text
    assert ops_address(log) == f"127.0.0.1:{metrics_port}"


async def test_socket_mode_when_app_token_is_set(
    slack: SlackEmulator, airfield: AirfieldProcess, tmp_path: Path
) -> None:
    """With SLACK_APP_TOKEN the bot connects over Socket Mode and needs no signing secret."""
    env = {**base_env(slack, airfield, tmp_path), "SLACK_APP_TOKEN": slack.app_token}
    async with bot_process(env, tmp_path / "bot.log"):
        await slack.wait_for_socket(timeout=20)
        slack.events_url = None
        await slack.slash_command("/airplane", "help")
        await slack.wait_for_ephemeral(ALICE, contains="Usage")
    assert slack.rejected == []


async def test_dev_runs_airfield_and_the_bot(slack: SlackEmulator, tmp_path: Path) -> None:
    """`airplane-bot dev` with Slack tokens serves examples/ from airfield and answers Slack."""
    env = {
        "SLACK_BOT_TOKEN": slack.bot_token,
        "SLACK_APP_TOKEN": slack.app_token,
        "SLACK_API_URL": slack.api_url,
        "BOT_DB": str(tmp_path / "bot.db"),
    }
    log = tmp_path / "dev.log"
    async with bot_process(env, log, command="dev"):
        await slack.wait_for_socket(timeout=30)
        slack.events_url = None
        await slack.slash_command("/airplane", "run hello name=dev")
        parent = await slack.wait_for_message(GENERAL, contains="hello", timeout=20)
        assert "dev" in str(parent.blocks)
    await assert_recorded_before_stop(tmp_path / "bot.db", parent.ts)
    assert "listener failed" not in log.read_text()
    assert slack.rejected == []
