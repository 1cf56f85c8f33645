"""`/readyz`: 503 naming what is down (store, Slack, Airplane), cached; `/healthz` stays cheap."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.web.readiness import Readiness, reason_of
from slackbox import SlackEmulator
from tests.support.airfield import AirfieldProcess
from tests.support.eventually import eventually
from tests.support.metrics import scrape

from .harness import running_bot
from .processes import base_env, bot_process, ops_address


def dead_url() -> str:
    """An http URL where nothing listens."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


class FakeClock:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


async def test_reports_are_cached_and_shared() -> None:
    """Probes within the TTL, and probes during a check, cost no extra check."""
    calls = 0
    release = asyncio.Event()

    async def check() -> None:
        nonlocal calls
        calls += 1
        await release.wait()

    clock = FakeClock()
    readiness = Readiness({"store": check}, ttl=5.0, timeout=1.0, clock=clock)
    first = asyncio.create_task(readiness.report())
    second = asyncio.create_task(readiness.report())
    await asyncio.sleep(0)
    release.set()
    assert (await first).ready
    assert (await second).ready
    assert calls == 1
    clock.now += 4.9
    await readiness.report()
    assert calls == 1
    clock.now += 0.2
    await readiness.report()
    assert calls == 2


async def test_a_slow_or_failing_check_is_named_with_its_reason() -> None:
    """A check past the timeout, or raising, makes the report not ready, naming it."""

    async def hangs() -> None:
        await asyncio.sleep(10)

    async def fails() -> None:
        raise ConnectionError("refused, token xoxb-1-2-secret")

    async def fine() -> None:
        return None

    readiness = Readiness({"slack": hangs, "airplane": fails, "store": fine}, timeout=0.05)
    report = await readiness.report()
    assert not report.ready
    body = report.body()
    assert body["down"] == ["airplane", "slack"]
    assert body["checks"]["store"] == "ok"
    assert body["checks"]["slack"] == "no answer within 0.05 s"
    assert body["checks"]["airplane"].startswith("ConnectionError: refused")
    assert "secret" not in body["checks"]["airplane"]


def test_reason_of_an_error_without_text_is_its_type() -> None:
    """An exception with no message still says what it was."""
    assert reason_of(RuntimeError(), 1.0) == "RuntimeError"


async def _probe(url: str) -> tuple[int, dict[str, Any], int]:
    async with httpx.AsyncClient(timeout=15) as client:
        ready = await client.get(f"{url}/readyz")
        live = await client.get(f"{url}/healthz")
    return ready.status_code, ready.json(), live.status_code


async def test_ready_when_everything_answers(
    slack: SlackEmulator, airfield: AirfieldProcess, tmp_path: Path
) -> None:
    """Store, Slack auth.test and Airplane auth/info answer: 200, and the gauges say up."""
    async with running_bot(slack, airfield, tmp_path) as bot:
        status, body, live = await _probe(bot.ops_url)
        assert (status, live) == (200, 200)
        assert body == {
            "ready": True,
            "checks": {"store": "ok", "slack": "ok", "airplane": "ok"},
            "down": [],
        }
        metrics = await scrape(bot.ops_url)
        for name in ("store", "slack", "airplane"):
            assert metrics.value("airplane_bot_dependency_up", dependency=name) == 1


@pytest.mark.parametrize("down", ["store", "slack", "airplane"])
async def test_not_ready_names_what_is_down(
    down: str, slack: SlackEmulator, airfield: AirfieldProcess, tmp_path: Path
) -> None:
    """Each dependency down in turn: 503 naming it (and only it); liveness still 200."""
    settings: dict[str, str] = {}
    if down == "slack":
        settings["slack_api_url"] = dead_url() + "/api/"
    if down == "airplane":
        settings["airplane_api_host"] = dead_url()
    async with running_bot(slack, airfield, tmp_path, **settings) as bot:
        if down == "store":
            await bot.services.store.db.close()
        status, body, live = await _probe(bot.ops_url)
        assert (status, live) == (503, 200)
        assert body["ready"] is False
        assert body["down"] == [down]
        assert body["checks"][down] != "ok"
        metrics = await scrape(bot.ops_url)
        assert metrics.value("airplane_bot_dependency_up", dependency=down) == 0


async def test_socket_mode_serves_metrics_and_readiness_on_metrics_port(
    slack: SlackEmulator, airfield: AirfieldProcess, tmp_path: Path
) -> None:
    """`python -m bot serve` in Socket Mode answers /metrics, /readyz, /healthz on METRICS_PORT."""
    url = dead_url()
    env = {
        **base_env(slack, airfield, tmp_path),
        "SLACK_APP_TOKEN": slack.app_token,
        "METRICS_PORT": url.rsplit(":", 1)[1],
    }
    log = tmp_path / "bot.log"
    async with bot_process(env, log), httpx.AsyncClient(timeout=10) as client:
        await slack.wait_for_socket(timeout=20)

        async def healthy() -> bool:
            try:
                return (await client.get(f"{url}/healthz")).status_code == 200
            except httpx.TransportError:
                return False

        await eventually(healthy, within=20, every=0.05)
        ready = await client.get(f"{url}/readyz")
        assert ready.status_code == 200, ready.text
        metrics = await scrape(url)
    assert metrics.value("airplane_bot_slack_api_calls_total", method="auth.test") >= 1
    assert metrics.value("airplane_bot_airplane_requests_total", endpoint="auth/info") >= 1
    assert metrics.value("process_start_time_seconds") > 0
    assert ops_address(log) == url.removeprefix("http://")  # 127.0.0.1: METRICS_HOST unset
