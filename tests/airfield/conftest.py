"""Fixtures for airfield's tests: one shared server, and every response checked against the
OpenAPI document (tests/support/openapi.py), whichever client a test uses."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.airfield import EXAMPLES, AirfieldProcess
from tests.support.openapi import checking_responses
from tests.support.postgres import PostgresServer

TEST_TASKS = Path(__file__).with_name("tasks")
# Secrets a bot in the same container would hold: tasks must never inherit them.
SERVER_SECRETS = {
    "SLACK_BOT_TOKEN": "xoxb-server-only",
    "SLACK_APP_TOKEN": "xapp-server-only",
    "SLACK_SIGNING_SECRET": "server-only-signing-secret",
    "CLOUD_SECRET": "server-only",
}


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def airfield(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[AirfieldProcess]:
    """One airfield (examples + test tasks) shared by the tests that do not restart it, once on
    each backend: every test that uses it is the conformance suite of SQLite and of PostgreSQL.
    The PostgreSQL one skips without a server (fails under CI=true; see tests/conftest.py)."""
    db = None
    if request.param == "postgresql":
        server: PostgresServer = request.getfixturevalue("postgres_server")
        db = server.create_database()
    with AirfieldProcess(
        tmp_path_factory.mktemp("airfield"),
        tasks_dirs=[EXAMPLES, TEST_TASKS],
        env=SERVER_SECRETS,
        db=db,
    ) as airfield_server:
        yield airfield_server


@pytest.fixture(autouse=True)
def _conformance() -> Iterator[None]:
    """Every airfield test checks every /v0/ response it receives."""
    with checking_responses():
        yield


def client_for(server: AirfieldProcess, **headers: str) -> httpx.AsyncClient:
    """A client of `server`, authenticated as its team admin unless `headers` say otherwise."""
    return httpx.AsyncClient(
        base_url=server.url, headers={**server.headers, **headers}, timeout=30.0
    )


@pytest.fixture
async def api(airfield: AirfieldProcess) -> AsyncIterator[httpx.AsyncClient]:
    """A team-admin client of the shared server."""
    async with client_for(airfield) as client:
        yield client
