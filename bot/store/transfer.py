"""Copying the bot's state from one database to another: an SQLite file into PostgreSQL when
a single bot becomes several replicas (`airplane-bot migrate-state`), or back.

Both sides are migrated to this version's schema first, so their tables match; the target
must hold no bot state yet, and receives everything in one transaction (all or nothing).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ..core.errors import TransferError
from .db import Database, Queries, Row
from .location import Backend, DbLocation, open_database, parse_location

__all__ = ["TransferError", "copy_state", "copy_state_between", "plan_transfer"]

# Rows per INSERT: large enough to cut round trips, small enough for any parameter limit.
_BATCH = 200


async def copy_state(source: Database, target: Database) -> dict[str, int]:
    """Copy every table's rows from `source` into the empty `target`; rows per table."""
    tables = await source.tables()
    missing = sorted(set(tables) - set(await target.tables()))
    if missing:
        raise TransferError(f"the target has no tables {', '.join(missing)}: is it older?")
    for table in tables:
        if await target.fetch_one(f"SELECT 1 AS found FROM {table} LIMIT 1"):
            raise TransferError(
                f"the target already holds bot state (table {table} has rows);"
                " copy into an empty database"
            )
    copied: dict[str, int] = {}
    async with target.transaction() as tx:
        for table in tables:
            rows = await source.fetch_all(f"SELECT * FROM {table}")
            for start in range(0, len(rows), _BATCH):
                await _insert(tx, table, rows[start : start + _BATCH])
            await target.after_bulk_copy(tx, table)
            copied[table] = len(rows)
    return copied


async def _insert(tx: Queries, table: str, rows: Sequence[Row]) -> None:
    columns = list(rows[0])
    one = "(" + ", ".join("?" for _ in columns) + ")"
    await tx.execute(
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES {', '.join(one for _ in rows)}",
        [row[column] for row in rows for column in columns],
    )


def plan_transfer(source: str, target: str) -> tuple[DbLocation, DbLocation]:
    """Check both locations before anything is opened: a missing SQLite source is refused
    (opening it would create an empty one), and so is copying a database onto itself."""
    origin, destination = parse_location(source), parse_location(target)
    if origin == destination:
        raise TransferError("--from and --to name the same database")
    if origin.backend is Backend.SQLITE and not Path(origin.target).is_file():
        raise TransferError(f"no SQLite state file at {origin.target}")
    return origin, destination


async def copy_state_between(origin: DbLocation, destination: DbLocation) -> dict[str, int]:
    """`copy_state` between two locations (see `plan_transfer`), migrating both first."""
    source_db = await open_database(origin)
    try:
        target_db = await open_database(destination)
        try:
            return await copy_state(source_db, target_db)
        finally:
            await target_db.close()
    finally:
        await source_db.close()
