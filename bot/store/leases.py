"""Leases: which replica does a piece of work now, and fencing its writes by a token.

A lease is a named row: its holder, a fencing token and an expiry. A replica `acquire`s a
lease on an item (a followed run, say), `renew`s it while alive, and `release`s it when done.
A lease that lapsed (not renewed in time: the replica died or paused) can be taken by anyone,
and every such takeover increments the token. So a write made under a lease is safe when it
is committed together with `holds(name, token)` in one transaction (`fenced`): a replica that
paused past its lease finds its token superseded and writes nothing.

`take_turn` runs a periodic job once across the fleet: the turn is a lease that nobody renews,
so whoever asks first after it lapses gets the next turn, and the others skip.

Time is the database's clock, so replicas with skewed clocks still agree on who holds what
(tests inject a clock instead). The decisions are pure functions (`grant`, `extend`); the
store only reads and writes rows around them, in one transaction that locks the row.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass

from ..core.errors import LeaseLost
from .db import Database, Migrations, Queries, Row

__all__ = [
    "MIGRATIONS",
    "Lease",
    "LeaseLost",
    "LeaseState",
    "LeaseStore",
    "extend",
    "grant",
    "new_holder_id",
]

MIGRATIONS = Migrations(
    domain="leases",
    steps=(
        """
        CREATE TABLE leases (
            name TEXT PRIMARY KEY,
            holder TEXT NOT NULL,
            token INTEGER NOT NULL,
            expires_at REAL NOT NULL
        );
        CREATE INDEX leases_expiry ON leases (expires_at)
        """,
    ),
)


# Names per statement in `acquire_free` (well under SQLite's bound-parameter limit).
_CHUNK = 200


def new_holder_id() -> str:
    """A replica's identity as a lease holder: unique per process, readable in the table."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass(frozen=True)
class LeaseState:
    """A lease row as stored: who holds it, its fencing token, when it lapses (epoch s)."""

    holder: str
    token: int
    expires_at: float

    def live(self, now: float) -> bool:
        """Held (not lapsed) at `now`."""
        return self.expires_at > now


@dataclass(frozen=True)
class Lease:
    """A lease held: pass it to `renew`, `release` and `fenced`."""

    name: str
    holder: str
    token: int
    expires_at: float


def grant(
    state: LeaseState, holder: str, now: float, ttl: float, *, renew_own: bool
) -> LeaseState | None:
    """The lease after `holder` asks for it at `now`, or None when someone else holds it.

    A lapsed lease goes to the asker with the next token, even when the asker held it
    before: writes it made under the old token may be in flight. `renew_own` lets a holder
    re-acquire its own live lease (same token); a periodic turn sets it False.
    """
    if state.live(now):
        if renew_own and state.holder == holder:
            return LeaseState(holder, state.token, now + ttl)
        return None
    return LeaseState(holder, state.token + 1, now + ttl)


def extend(state: LeaseState, lease: Lease, now: float, ttl: float) -> LeaseState | None:
    """The lease renewed until `now + ttl`, or None when it was taken over meanwhile.

    A lapsed lease that nobody took is renewed: its token proves no one else wrote under it.
    """
    if (state.holder, state.token) != (lease.holder, lease.token):
        return None
    return LeaseState(lease.holder, lease.token, now + ttl)


def _state(row: Row) -> LeaseState:
    return LeaseState(str(row["holder"]), int(row["token"]), float(row["expires_at"]))


class LeaseStore:
    """The `leases` table. `clock` (epoch seconds) replaces the database's clock in tests."""

    def __init__(self, db: Database, clock: Callable[[], float] | None = None) -> None:
        self._db = db
        self._clock = clock

    def _now_param(self) -> float | None:
        return self._clock() if self._clock is not None else None

    @property
    def _now_sql(self) -> str:
        """The current time in SQL: the injected clock's value, else the database's clock."""
        return f"COALESCE(CAST(? AS DOUBLE PRECISION), {self._db.dialect.now})"

    async def _now(self, tx: Queries) -> float:
        row = await tx.fetch_one(f"SELECT {self._now_sql} AS now", (self._now_param(),))
        assert row is not None
        return float(row["now"])

    async def _locked(self, tx: Queries, name: str) -> LeaseState | None:
        row = await tx.fetch_one(
            "SELECT holder, token, expires_at FROM leases WHERE name = ?"
            + self._db.dialect.for_update,
            (name,),
        )
        return _state(row) if row else None

    async def _store(self, tx: Queries, name: str, state: LeaseState) -> Lease:
        await tx.execute(
            "UPDATE leases SET holder = ?, token = ?, expires_at = ? WHERE name = ?",
            (state.holder, state.token, state.expires_at, name),
        )
        return Lease(name, state.holder, state.token, state.expires_at)

    async def acquire(
        self, name: str, holder: str, ttl: float, *, renew_own: bool = True
    ) -> Lease | None:
        """Hold `name` for `ttl` seconds; None while another holder's lease is live."""
        if ttl <= 0:
            raise ValueError(f"a lease needs a positive time to live, not {ttl}")
        async with self._db.transaction() as tx:
            # A free row first, so that the next SELECT has a row to lock even for a new name.
            await tx.execute(
                "INSERT INTO leases (name, holder, token, expires_at) VALUES (?, '', 0, 0)"
                " ON CONFLICT (name) DO NOTHING",
                (name,),
            )
            state = await self._locked(tx, name)
            assert state is not None
            granted = grant(state, holder, await self._now(tx), ttl, renew_own=renew_own)
            return await self._store(tx, name, granted) if granted else None

    async def acquire_free(self, names: Sequence[str], holder: str, ttl: float) -> list[Lease]:
        """`acquire` for many names in one transaction: each one nobody holds live (new,
        released or lapsed) goes to `holder` with the next token; the leases granted.

        One conditional UPDATE per chunk: of replicas asking at once, PostgreSQL re-checks
        `expires_at` against the first committed grant (READ COMMITTED) and SQLite serializes
        the transactions, so each name goes to exactly one. A takeover of hundreds of items
        costs a few statements, not one transaction each.
        """
        if ttl <= 0:
            raise ValueError(f"a lease needs a positive time to live, not {ttl}")
        granted: list[Lease] = []
        async with self._db.transaction() as tx:
            now = await self._now(tx)
            for start in range(0, len(names), _CHUNK):
                chunk = list(names[start : start + _CHUNK])
                marks = ", ".join("?" for _ in chunk)
                await tx.execute(
                    "INSERT INTO leases (name, holder, token, expires_at) VALUES "
                    + ", ".join("(?, '', 0, 0)" for _ in chunk)
                    + " ON CONFLICT (name) DO NOTHING",
                    chunk,
                )
                rows = await tx.fetch_all(
                    "UPDATE leases SET holder = ?, token = token + 1, expires_at = ?"
                    f" WHERE expires_at <= ? AND name IN ({marks}) RETURNING name, token",
                    (holder, now + ttl, now, *chunk),
                )
                granted += [
                    Lease(row["name"], holder, int(row["token"]), now + ttl) for row in rows
                ]
        return granted

    async def renew(self, lease: Lease, ttl: float) -> Lease | None:
        """Extend a held lease by `ttl` from now; None when it was taken over (stop work)."""
        async with self._db.transaction() as tx:
            state = await self._locked(tx, lease.name)
            extended = extend(state, lease, await self._now(tx), ttl) if state else None
            return await self._store(tx, lease.name, extended) if extended else None

    async def renew_all(self, holder: str, ttl: float, *, prefix: str) -> dict[str, Lease]:
        """Renew, in one statement, every lease `holder` still holds under names starting with
        `prefix`; returns them by name. A lease missing from the answer was taken over (or
        released): stop its work. Equivalent to `renew` of each, since a takeover changes the
        holder and holder IDs are unique per process (`new_holder_id`)."""
        async with self._db.transaction() as tx:
            now = await self._now(tx)
            rows = await tx.fetch_all(
                "UPDATE leases SET expires_at = ? WHERE holder = ? AND expires_at > 0"
                " AND substr(name, 1, ?) = ? RETURNING name, token",
                (now + ttl, holder, len(prefix), prefix),
            )
        return {
            row["name"]: Lease(row["name"], holder, int(row["token"]), now + ttl) for row in rows
        }

    async def release(self, lease: Lease) -> bool:
        """Let the lease lapse now (work done, or a clean stop); False when not held."""
        changed = await self._db.execute(
            "UPDATE leases SET expires_at = 0 WHERE name = ? AND holder = ? AND token = ?",
            (lease.name, lease.holder, lease.token),
        )
        return changed > 0

    async def holds(self, name: str, token: int, *, within: Queries | None = None) -> bool:
        """Whether `token` is the live lease on `name`. Inside a transaction (`within`), the
        row stays locked against takeover until that transaction ends."""
        queries = within or self._db
        row = await queries.fetch_one(
            "SELECT token FROM leases WHERE name = ? AND token = ?"
            f" AND expires_at > {self._now_sql}{self._db.dialect.for_share}",
            (name, token, self._now_param()),
        )
        return row is not None

    @asynccontextmanager
    async def fenced(self, lease: Lease) -> AsyncIterator[Queries]:
        """A transaction that commits only under `lease`: raises LeaseLost (writing nothing)
        when the lease is no longer held. Pass the yielded transaction to the store calls
        that record the write (e.g. the Slack post ledger)."""
        async with self._db.transaction() as tx:
            if not await self.holds(lease.name, lease.token, within=tx):
                raise LeaseLost(lease)
            yield tx

    async def take_turn(self, job: str, holder: str, every: float) -> Lease | None:
        """The turn to run periodic `job` now, at most once per `every` seconds across the
        fleet; None when another replica (or this one) had it less than `every` s ago.

        A turn is not renewed: a job that outlasts `every` may overlap the next turn; hold a
        lease with `acquire`/`renew` instead when a job must never overlap itself.
        """
        return await self.acquire(f"turn:{job}", holder, every, renew_own=False)

    async def live(self, prefix: str = "") -> list[Lease]:
        """Leases held now whose names start with `prefix` (to skip items others follow)."""
        rows = await self._db.fetch_all(
            f"SELECT * FROM leases WHERE substr(name, 1, ?) = ? AND expires_at > {self._now_sql}"
            " ORDER BY name",
            (len(prefix), prefix, self._now_param()),
        )
        return [
            Lease(row["name"], row["holder"], int(row["token"]), float(row["expires_at"]))
            for row in rows
        ]
