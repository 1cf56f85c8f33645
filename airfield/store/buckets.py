"""Rate-limit buckets kept in a shared database, so every API node draws from the same bucket.

The arithmetic is `foundation.token_bucket.TokenBucket`'s (pure); this module only reads and
writes a bucket's state under its row lock, with the database's clock, so nodes' clocks need not
agree.
"""

from __future__ import annotations

from ..ratelimit import RateLimit
from .base import Database

_DB_NOW = "CAST(EXTRACT(EPOCH FROM clock_timestamp()) AS DOUBLE PRECISION)"


class BucketStore:
    """SQL for `rate_buckets`; only for a shared database."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def take(self, scope: str, limit: RateLimit) -> float:
        """Draw one token from `scope`'s bucket: 0, or the seconds to wait for one."""
        async with self._db.transaction() as tx:
            row = await tx.fetch_one(
                f"INSERT INTO rate_buckets (scope, tokens, updated) VALUES (?, ?, {_DB_NOW})"
                " ON CONFLICT (scope) DO UPDATE SET scope = excluded.scope"
                f" RETURNING tokens, updated, {_DB_NOW} AS now",
                (scope, limit.burst),
            )
            assert row is not None
            bucket = limit.bucket(row["updated"], tokens=row["tokens"])
            wait = bucket.take(row["now"])
            await tx.execute(
                "UPDATE rate_buckets SET tokens = ?, updated = ? WHERE scope = ?",
                (bucket.tokens, bucket.stamp, scope),
            )
        return wait
