"""Pages of runs/list and sessions/list: equality filters and an `updated_at` window, newest
first by creation, read off an index whatever the number of rows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .base import Database, Row

FEW_UPDATED = 500
"""Below this many rows in a time window, the window's own index is the cheaper way in."""


@dataclass(frozen=True)
class ListQuery:
    """`table` rows with `column = value` for each of `equal`, and `after < updated_at < before`.

    `window_index` is an index that finds the time window directly (None when there is no window
    or the equality filters leave few rows anyway).
    """

    table: str
    equal: tuple[tuple[str, str], ...] = ()
    after: str | None = None
    before: str | None = None
    window_index: str | None = None

    def select(
        self, columns: str, *, limit: int, offset: int = 0, by_window: bool = False
    ) -> tuple[str, list[Any]]:
        """The SELECT of a page in list order; `by_window` reads through `window_index`."""
        where = [f"{column} = ?" for column, _ in self.equal]
        args: list[Any] = [value for _, value in self.equal]
        if self.after:
            where.append("updated_at > ?")
            args.append(self.after)
        if self.before:
            where.append("updated_at < ?")
            args.append(self.before)
        source = self.table
        if by_window and self.window_index:  # SQLite only (fetch_page checks index_hints)
            source += f" INDEXED BY {self.window_index}"
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        sql = f"SELECT {columns} FROM {source}{clause} ORDER BY created_at DESC, id DESC"
        return f"{sql} LIMIT ? OFFSET ?", [*args, limit, offset]


async def fetch_page(db: Database, query: ListQuery, *, limit: int, offset: int) -> list[Row]:
    """One page of `query`.

    Left alone, SQLite walks the list order's index and tests every row against the window; a
    follower's window (`since` = a moment ago) holds a handful of rows out of thousands, which
    an updated_at index finds at once. A capped count decides which way is cheaper.
    PostgreSQL's planner makes that choice itself from its statistics, so it gets the plain
    query.
    """
    sql, args = query.select("*", limit=limit, offset=offset)
    if query.window_index is not None and db.index_hints:
        count_sql, count_args = query.select("1", limit=FEW_UPDATED, by_window=True)
        row = await db.fetch_one(f"SELECT COUNT(*) AS n FROM ({count_sql}) AS page", count_args)
        if row is not None and int(row["n"]) < FEW_UPDATED:
            sql, args = query.select("*", limit=limit, offset=offset, by_window=True)
    return await db.fetch_all(sql, args)


def equalities(*pairs: tuple[str, str | None]) -> tuple[tuple[str, str], ...]:
    """The (column, value) pairs whose value is set."""
    return tuple((column, value) for column, value in pairs if value)
