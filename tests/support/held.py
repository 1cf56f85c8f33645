"""Held budgets in memory, on an injected clock: the rows replicas would share in PostgreSQL
(`bot/store/budgets.py`), with the same pure rule (`bot.slack.held.decide`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from bot.slack.held import Ask, RowState, Take, decide, paused


class MemoryHeld:
    """`HeldBudgets` as a dict of rows; `fail` makes the next takes raise (a database away)."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock
        self.rows: dict[str, RowState] = {}
        self.takes = 0
        self.fail = 0

    async def take(self, asks: Sequence[Ask]) -> Take:
        """One token from each row, all or none."""
        self.takes += 1
        if self.fail:
            self.fail -= 1
            raise ConnectionError("the database is away")
        answer, stored = decide(
            asks, {ask.name: self.rows.get(ask.name) for ask in asks}, self.clock()
        )
        self.rows.update(stored)
        return answer

    async def pause(self, ask: Ask, seconds: float) -> None:
        """Slack refused the row's method: pause it for everyone."""
        self.rows[ask.name] = paused(ask, self.rows.get(ask.name), self.clock(), seconds)
