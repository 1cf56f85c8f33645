"""The store contract runs on every backend: each test here runs on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.store import Store

BACKENDS = ("sqlite", "postgresql")


@pytest.fixture(params=BACKENDS)
def db_location(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where a fresh, empty database is: an SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        return str(tmp_path / "bot.db")
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
async def store(db_location: str) -> AsyncIterator[Store]:
    """A migrated store on each backend."""
    opened = await Store.open(db_location)
    yield opened
    await opened.close()
