"""airfield's `/metrics`: requests by route and status, 429s, idempotent replays, runs, prompts."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.support.airfield import EXAMPLES, AirfieldProcess
from tests.support.metrics import scrape

from .conftest import client_for


@pytest.fixture(scope="module")
def limited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AirfieldProcess]:
    """An airfield allowing a burst of 5 requests, then 1 a second per caller."""
    with AirfieldProcess(
        tmp_path_factory.mktemp("limited"),
        tasks_dirs=[EXAMPLES],
        extra_args=["--rate-limit", "1", "--rate-burst", "5"],
    ) as server:
        yield server


async def test_replays_and_429s_are_counted(limited: AirfieldProcess) -> None:
    """A repeated Idempotency-Key is one replay; every 429 answered is one status=429 request."""
    before = await scrape(limited.url)
    statuses: list[int] = []
    async with client_for(limited) as api:
        for _ in range(2):
            answer = await api.post(
                "/v0/tasks/execute",
                json={"slug": "hello", "paramValues": {"name": "metrics"}},
                headers={"Idempotency-Key": "metrics-replay-1"},
            )
            statuses.append(answer.status_code)
        assert statuses == [200, 200]
        assert answer.headers["Idempotent-Replayed"] == "true"
        for _ in range(8):
            statuses.append((await api.get("/v0/tasks/list")).status_code)
        unknown = await api.get("/v0/no/such/thing")
        assert unknown.status_code == 404
    after = await scrape(limited.url)
    execute = "/v0/tasks/execute"
    assert (
        after.value("airfield_idempotent_replays_total", route=execute)
        - before.value("airfield_idempotent_replays_total", route=execute)
        == 1
    )
    limited_count = statuses.count(429)
    assert limited_count >= 1
    assert (
        after.value("airfield_requests_total", status="429")
        - before.value("airfield_requests_total", status="429")
        == limited_count
    )
    listed = after.value("airfield_requests_total", route="/v0/tasks/list") - before.value(
        "airfield_requests_total", route="/v0/tasks/list"
    )
    assert listed == 8
    assert (
        after.value("airfield_requests_total", route=execute, method="POST", status="200")
        - before.value("airfield_requests_total", route=execute, method="POST", status="200")
        == 2
    )
    # Routes are the endpoints' own paths: an unknown URL adds no series of its own.
    assert all(
        route.startswith("/v0/") for route in after.label_values("airfield_requests_total", "route")
    )
    assert "/v0/no/such/thing" not in after.label_values("airfield_requests_total", "route")
    assert set(after.label_values("airfield_runs", "status")) >= {"Queued", "Active", "Succeeded"}
    assert after.value("airfield_prompts_open") == 0
    assert after.value("airfield_prompts_open_oldest_age_seconds") == 0
    assert after.value("process_start_time_seconds") > 0


async def test_metrics_need_no_key(airfield: AirfieldProcess) -> None:
    """Like /healthz, /metrics answers without an API key (keep the port private)."""
    async with httpx.AsyncClient() as client:
        answer = await client.get(f"{airfield.url}/metrics")
    assert answer.status_code == 200
    assert "airfield_requests_total" in answer.text
