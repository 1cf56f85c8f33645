"""Fixtures every test package may use: a real PostgreSQL server for the whole session."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.support.postgres import PostgresServer, unavailable_reason


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A PostgreSQL server, started on first use and stopped at the end of the session.

    Without PostgreSQL on the machine the tests that need it are skipped, saying why; under
    CI=true that is a failure instead, since CI must run them.
    """
    reason = unavailable_reason()
    if reason is not None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true and PostgreSQL is missing: {reason}")
        pytest.skip(f"PostgreSQL tests skipped: {reason}")
    with PostgresServer() as server:
        yield server


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> str:
    """A fresh, empty database on the session's server."""
    return postgres_server.create_database()
