"""Fixtures: the fake API, a fake clock, and clients wired to both."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from airplane_api import AirplaneClient, RetryPolicy

from .fake_api import API_KEY, FakeAirplane, FakeClock

MakeClient = Callable[..., AirplaneClient]


@pytest.fixture
def fake() -> FakeAirplane:
    """A fresh fake API."""
    return FakeAirplane()


@pytest.fixture
def clock() -> FakeClock:
    """A fake clock whose sleep records instead of waiting."""
    return FakeClock()


@pytest.fixture
async def make_client(fake: FakeAirplane, clock: FakeClock) -> AsyncIterator[MakeClient]:
    """Build clients on the fake API (no jitter, so waits are exact); closes them afterwards."""
    made: list[AirplaneClient] = []

    def make(**overrides: Any) -> AirplaneClient:
        options: dict[str, Any] = {
            "host": "https://api.test",
            "transport": httpx.MockTransport(fake.handler),
            "sleep": clock.sleep,
            "clock": clock,
            "retry": RetryPolicy(jitter=False),
            **overrides,
        }
        client = AirplaneClient(options.pop("api_key", API_KEY), **options)
        made.append(client)
        return client

    yield make
    for client in made:
        await client.aclose()


@pytest.fixture
def client(make_client: MakeClient) -> AirplaneClient:
    """A client with default settings on the fake API."""
    return make_client()
