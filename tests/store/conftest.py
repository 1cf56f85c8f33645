"""The store contract runs on every backend: each test here runs on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from bot.store import Store, open_database

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


class Clock:
    """Epoch seconds the test moves by hand (the leases' and budgets' clock)."""

    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


Replica = Callable[[], Awaitable[Store]]


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def replicas(db_location: str, clock: Clock) -> AsyncIterator[Replica]:
    """Opens stores on one database, as separate replicas would (own connections each)."""
    opened: list[Store] = []

    async def open_replica() -> Store:
        store = Store.over(await open_database(db_location), clock=clock)
        opened.append(store)
        return store

    yield open_replica
    for store in opened:
        await store.close()
