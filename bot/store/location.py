"""`BOT_DB`: which backend holds the bot's state, and opening it.

A file path (or `sqlite:PATH`) is an SQLite file, the embedded default; a `postgresql://` (or
`postgres://`) URL is a PostgreSQL database that several replicas can share.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit, urlunsplit

from ..core.errors import InvalidLocation
from .db import Database, Migrations
from .postgres import DEFAULT_POOL_SIZE, PostgresDatabase
from .schema import MIGRATIONS
from .sqlite import SqliteDatabase

__all__ = ["Backend", "DbLocation", "InvalidLocation", "open_database", "parse_location"]

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
_USAGE = (
    "use a file path (airplane-bot.db), sqlite:PATH, or postgresql://USER:PASSWORD@HOST:PORT/DB"
)


class Backend(StrEnum):
    """Where the state lives."""

    SQLITE = "sqlite"
    POSTGRESQL = "postgresql"


@dataclass(frozen=True)
class DbLocation:
    """A parsed `BOT_DB`: the backend and what its driver opens (a path or a URL)."""

    backend: Backend
    target: str

    def describe(self) -> str:
        """The location for logs and messages, without a password."""
        if self.backend is Backend.SQLITE:
            return f"sqlite:{self.target}"
        parts = urlsplit(self.target)
        if parts.password is None:
            return self.target
        host = parts.netloc.rsplit("@", 1)[1]
        return urlunsplit(parts._replace(netloc=f"{parts.username}:***@{host}"))


def parse_location(text: str) -> DbLocation:
    """Read `BOT_DB`; an unknown scheme or an empty value is refused, saying what works."""
    value = text.strip()
    if not value:
        raise InvalidLocation(f"BOT_DB is empty: {_USAGE}")
    if value.startswith(("postgresql://", "postgres://")):
        return DbLocation(Backend.POSTGRESQL, value)
    if value.startswith("sqlite:"):
        path = value.removeprefix("sqlite:")
        path = path[2:] if path.startswith("//") else path
        if not path:
            raise InvalidLocation(f"BOT_DB {text!r} names no file: {_USAGE}")
        return DbLocation(Backend.SQLITE, path)
    scheme = _SCHEME.match(value)
    if scheme:
        raise InvalidLocation(f"BOT_DB: the bot cannot store its state in {scheme[1]}: {_USAGE}")
    return DbLocation(Backend.SQLITE, value)


async def open_database(
    location: str | DbLocation,
    migrations: tuple[Migrations, ...] | None = None,
    *,
    pool_size: int = DEFAULT_POOL_SIZE,
) -> Database:
    """Open and migrate the database `location` names (every domain unless told which)."""
    where = parse_location(location) if isinstance(location, str) else location
    chosen = MIGRATIONS if migrations is None else migrations
    if where.backend is Backend.POSTGRESQL:
        return await PostgresDatabase.open(where.target, chosen, pool_size=pool_size)
    return await SqliteDatabase.open(where.target, chosen)
