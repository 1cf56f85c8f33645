"""Slack's budgets held in the database, so that replicas spend one workspace's budget together.

Each row is a token bucket: a method's budget for a workspace, or chat.postMessage's pace in one
channel (`bot/slack/held.py` names the rows and decides). A take locks the rows it needs, in
name order so two takes never wait on each other crosswise, refills them on the database's
clock (replicas' clocks may differ), and stores what `held.decide` answered, all in one
transaction: two replicas asking for the last token get it once. A missing row is a full bucket,
so rows untouched for an hour (full again by any tier's rate) are deleted now and then.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ..slack.held import Ask, RowState, Take, decide, paused
from .db import Database, Migrations, Queries

__all__ = ["MIGRATIONS", "BudgetStore"]

MIGRATIONS = Migrations(
    domain="budgets",
    steps=(
        """
        CREATE TABLE slack_budgets (
            name TEXT PRIMARY KEY,
            tokens REAL NOT NULL,
            stamp REAL NOT NULL,
            paused_until REAL NOT NULL
        )
        """,
    ),
)

# Rows not spent from for this long are full again (the slowest tier refills in minutes).
IDLE_ROW_SECONDS = 3600.0
# One take in this many also deletes idle rows (channels the bot stopped writing to).
PRUNE_EVERY = 1000


class BudgetStore:
    """The `slack_budgets` table. `clock` (epoch seconds) replaces the database's in tests."""

    def __init__(self, db: Database, clock: Callable[[], float] | None = None) -> None:
        self._db = db
        self._clock = clock
        self._takes = 0

    async def take(self, asks: Sequence[Ask]) -> Take:
        """One token from each asked row, all or none (`held.decide`)."""
        names = sorted({ask.name for ask in asks})
        self._takes += 1
        async with self._db.transaction() as tx:
            now = await self._now(tx)
            states = await self._locked(tx, names, now)
            answer, stored = decide(asks, states, now)
            for name, state in stored.items():
                await self._store(tx, name, state)
            if self._takes % PRUNE_EVERY == 0:
                await tx.execute(
                    "DELETE FROM slack_budgets WHERE stamp < ?", (now - IDLE_ROW_SECONDS,)
                )
        return answer

    async def pause(self, ask: Ask, seconds: float) -> None:
        """Slack answered 429: pause the row for every replica for `seconds`, and empty it."""
        async with self._db.transaction() as tx:
            now = await self._now(tx)
            states = await self._locked(tx, [ask.name], now)
            await self._store(tx, ask.name, paused(ask, states[ask.name], now, seconds))

    async def _now(self, tx: Queries) -> float:
        if self._clock is not None:
            return self._clock()
        row = await tx.fetch_one(f"SELECT {self._db.dialect.now} AS now")
        assert row is not None
        return float(row["now"])

    async def _locked(
        self, tx: Queries, names: Sequence[str], now: float
    ) -> dict[str, RowState | None]:
        """The rows, locked until the transaction ends; a new row is created full (its tokens
        are set by the caller's first store) so that there is a row to lock."""
        await tx.execute(
            "INSERT INTO slack_budgets (name, tokens, stamp, paused_until) VALUES "
            + ", ".join("(?, 1e9, ?, 0)" for _ in names)
            + " ON CONFLICT (name) DO NOTHING",
            [value for name in names for value in (name, now)],
        )
        marks = ", ".join("?" for _ in names)
        rows = await tx.fetch_all(
            "SELECT name, tokens, stamp, paused_until FROM slack_budgets"
            f" WHERE name IN ({marks}) ORDER BY name{self._db.dialect.for_update}",
            names,
        )
        states: dict[str, RowState | None] = dict.fromkeys(names)
        for row in rows:
            states[row["name"]] = RowState(
                float(row["tokens"]), float(row["stamp"]), float(row["paused_until"])
            )
        return states

    async def _store(self, tx: Queries, name: str, state: RowState) -> None:
        await tx.execute(
            "UPDATE slack_budgets SET tokens = ?, stamp = ?, paused_until = ? WHERE name = ?",
            (state.tokens, state.stamp, state.paused_until, name),
        )
