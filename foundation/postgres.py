"""The PostgreSQL connection pool the bot's store and airfield's both open (psycopg 3).

One recipe for both: connections in autocommit mode (a lone statement commits by itself; a
transaction is asked for explicitly), rows as dicts, and ACQUIRE_TIMEOUT as the longest a
statement waits for a free connection or a reachable server. Each caller keeps its own error for
a server that does not answer, so each package's errors keep their own root.
"""

from __future__ import annotations

from collections.abc import Callable

from psycopg import AsyncConnection
from psycopg.rows import DictRow, dict_row
from psycopg_pool import AsyncConnectionPool, PoolTimeout

__all__ = ["ACQUIRE_TIMEOUT", "Pool", "new_pool", "open_pool"]

# How long a statement waits for a free connection (or a reachable server) before failing.
ACQUIRE_TIMEOUT = 10.0

Pool = AsyncConnectionPool[AsyncConnection[DictRow]]


def new_pool(url: str, *, name: str, min_size: int, max_size: int) -> Pool:
    """A pool of autocommit, dict-row connections to `url`, not opened yet."""
    return AsyncConnectionPool(
        url,
        min_size=min_size,
        max_size=max_size,
        kwargs={"autocommit": True, "row_factory": dict_row},
        connection_class=AsyncConnection[DictRow],
        timeout=ACQUIRE_TIMEOUT,
        open=False,
        name=name,
    )


async def open_pool(
    url: str,
    *,
    name: str,
    min_size: int,
    max_size: int,
    unavailable: Callable[[str], Exception],
) -> Pool:
    """`new_pool`, opened with `min_size` connections; `unavailable(why)` is raised (the pool
    closed) when the server does not answer within ACQUIRE_TIMEOUT."""
    pool = new_pool(url, name=name, min_size=min_size, max_size=max_size)
    try:
        await pool.open(wait=True, timeout=ACQUIRE_TIMEOUT)
    except PoolTimeout as exc:
        await pool.close()
        raise unavailable(
            f"no connection to PostgreSQL within {ACQUIRE_TIMEOUT:.0f} s"
            " (is the server up, and are the host, port and credentials right?)"
        ) from exc
    return pool
