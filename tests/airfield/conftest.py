"""Fixtures for airfield's end-to-end tests: one shared server, clients that check conformance."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.airfield import EXAMPLES, AirfieldProcess
from tests.support.openapi import RECORDER

TEST_TASKS = Path(__file__).with_name("tasks")


@pytest.fixture(scope="session")
def airfield(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AirfieldProcess]:
    """One airfield (examples + test tasks) shared by the tests that do not restart it."""
    with AirfieldProcess(
        tmp_path_factory.mktemp("airfield"), tasks_dirs=[EXAMPLES, TEST_TASKS]
    ) as server:
        yield server


async def _check_conformance(response: httpx.Response) -> None:
    await response.aread()
    if response.request.url.path.startswith("/v0/"):
        try:
            body = response.json()
        except ValueError:
            raise AssertionError(f"{response.request.url.path}: not JSON") from None
        RECORDER.check(
            response.request.method, response.request.url.path, response.status_code, body
        )


def client_for(server: AirfieldProcess, **headers: str) -> httpx.AsyncClient:
    """A client of `server` whose every response is checked against the OpenAPI document."""
    return httpx.AsyncClient(
        base_url=server.url,
        headers={**server.headers, **headers},
        timeout=30.0,
        event_hooks={"response": [_check_conformance]},
    )


@pytest.fixture
async def api(airfield: AirfieldProcess) -> AsyncIterator[httpx.AsyncClient]:
    """A team-admin client of the shared server."""
    async with client_for(airfield) as client:
        yield client
