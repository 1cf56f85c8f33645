"""What a process sharing a PostgreSQL database with others runs beside its API and runner:
notices carried between processes (LISTEN/NOTIFY) and the sweeper that fails the runs of lost
workers and adopts sessions whose node is gone.

Every process has a node ID (`host:pid:random`); a worker's runs carry it as their `worker_id`,
and a session its driver's. Lease times are the database's, so nodes' clocks need not agree.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
from collections.abc import Callable
from dataclasses import dataclass, field

import psycopg
from psycopg import AsyncConnection

from . import processes
from .metrics import AirfieldMetrics
from .notify import Notifier
from .store import LapsedRun, LogRecord, Store
from .timeutil import now_text

log = logging.getLogger(__name__)
CHANNEL = "airfield"
SYSTEM = "airfield"
_RECONNECT_SECONDS = 1.0
_BATCH = 200


def new_node_id() -> str:
    """This process's ID among the nodes: its host, its PID and a few random characters (a
    PID is reused across restarts; the suffix tells the two lives apart)."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


def host_of(node_id: str) -> str:
    """The host part of a node ID."""
    return node_id.split(":", 1)[0]


def lost_worker_reason(worker_id: str) -> str:
    """The error a run gets when the worker running it is lost."""
    return (
        f"worker {worker_id} was lost (it stopped renewing its lease: killed, stopped or cut"
        " off from the database); the run was stopped and will not be run again"
    )


def encode_notice(node_id: str, key: str) -> str:
    """A NOTIFY payload: the sender (whose own notices it skips) and the key."""
    return f"{node_id}|{key}"


def decode_notice(payload: str) -> tuple[str, str]:
    """(sender, key) of a NOTIFY payload."""
    sender, _, key = payload.partition("|")
    return sender, key


class ClusterNotifier(Notifier):
    """A Notifier whose notices also reach every other process on the database.

    Sent after the change they announce has committed (callers notify after writing), so a
    process woken by one reads the change. A notice is a hint: waiters re-read and wait again
    with a timeout, and after a lost LISTEN connection every waiter is woken once.
    """

    def __init__(self, url: str, node_id: str) -> None:
        super().__init__()
        self._url = url
        self.node_id = node_id
        self._outbox: asyncio.Queue[str] = asyncio.Queue()
        self._tasks: list[asyncio.Task[None]] = []
        self.listening = asyncio.Event()

    def notify(self, key: str) -> None:
        self.notify_here(key)
        self._outbox.put_nowait(key)

    async def start(self) -> None:
        """Start listening (waits until LISTEN is in place, so no notice after start is
        missed) and sending."""
        self._tasks = [
            asyncio.create_task(self._listen(), name="airfield-listen"),
            asyncio.create_task(self._send(), name="airfield-notify"),
        ]
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.listening.wait(), 10.0)

    async def stop(self) -> None:
        """Stop both loops (notices still queued are dropped: waiters time out by themselves)."""
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _listen(self) -> None:
        while True:
            try:
                async with await AsyncConnection.connect(self._url, autocommit=True) as conn:
                    await conn.execute(f"LISTEN {CHANNEL}")
                    self.listening.set()
                    self.wake_everyone()  # anything announced while this was not listening
                    async for notice in conn.notifies():
                        sender, key = decode_notice(notice.payload)
                        if sender != self.node_id:
                            self.notify_here(key)
            except (psycopg.Error, OSError) as exc:
                self.listening.clear()
                log.warning("LISTEN connection lost (%s); reconnecting", exc)
                await asyncio.sleep(_RECONNECT_SECONDS)

    async def _send(self) -> None:
        conn: AsyncConnection[tuple[object, ...]] | None = None
        while True:
            batch = [await self._outbox.get()]
            while not self._outbox.empty() and len(batch) < _BATCH:
                batch.append(self._outbox.get_nowait())
            payloads = list(dict.fromkeys(encode_notice(self.node_id, key) for key in batch))
            try:
                if conn is None or conn.closed:
                    conn = await AsyncConnection.connect(self._url, autocommit=True)
                await conn.execute(
                    "SELECT pg_notify(%s, payload) FROM unnest(%s::text[]) AS payload",
                    (CHANNEL, payloads),
                )
            except (psycopg.Error, OSError) as exc:
                log.warning("could not send %d notices (%s)", len(payloads), exc)
                if conn is not None:
                    await conn.close()
                conn = None
                await asyncio.sleep(_RECONNECT_SECONDS)


@dataclass
class Sweeper:
    """Every `every` seconds, on every node: fail the runs of workers whose lease lapsed,
    renew the leases of the sessions this node drives and adopt those nobody drives."""

    store: Store
    notifier: Notifier
    node_id: str
    lease_seconds: float
    every: float
    driving: Callable[[], list[str]]  # the sessions this node drives now
    adopt: Callable[[list[str]], None]  # drive these sessions from now on
    metrics: AirfieldMetrics
    burst_seconds: float = 60.0  # a rate bucket untouched this long has refilled
    _task: asyncio.Task[None] | None = field(default=None, init=False)

    def start(self) -> None:
        """Start sweeping."""
        self._task = asyncio.create_task(self._loop(), name="airfield-sweeper")

    async def stop(self) -> None:
        """Stop sweeping."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _loop(self) -> None:
        while True:
            try:
                await self.sweep()
            except Exception:
                log.exception("sweeping leases failed")
            await asyncio.sleep(self.every)

    async def sweep(self) -> None:
        """One pass."""
        for lapsed in await self.store.claims.lapsed():
            await self._fail(lapsed)
        await self.store.claims.renew_sessions(self.node_id, self.driving(), self.lease_seconds)
        adopted = await self.store.claims.orphaned_sessions(self.node_id, self.lease_seconds)
        if adopted:
            log.info("adopting %d sessions whose node is gone", len(adopted))
            self.adopt(adopted)
        await self.store.claims.forget_full_buckets(self.burst_seconds)

    async def _fail(self, lapsed: LapsedRun) -> None:
        reason = lost_worker_reason(lapsed.worker_id)
        runs = self.store.runs
        # When the lost worker ran on this machine, what is left of the run's process group is
        # killed (only processes whose environment names the run, see processes.py).
        here = host_of(lapsed.worker_id) == host_of(self.node_id)
        if here and lapsed.pgid is not None and processes.kill_orphans(lapsed.pgid, lapsed.run_id):
            reason += "; its leftover processes were killed"
        if not await runs.finish(lapsed.run_id, "Failed"):
            return  # it ended meanwhile
        seq = await runs.last_log_seq(lapsed.run_id) + 1
        await runs.append_logs(
            lapsed.run_id, [LogRecord(seq, now_text(), "info", f"[airfield] {reason}")]
        )
        if not lapsed.has_output:
            await runs.set_output(lapsed.run_id, {"error": reason})
        await self.store.prompts.cancel_open_of_run(lapsed.run_id, SYSTEM)
        self.metrics.lease_lapsed(lapsed.worker_id)
        log.warning("run %s failed: %s", lapsed.run_id, reason)
        self.notifier.notify(f"run:{lapsed.run_id}")
        self.notifier.notify("queue")  # a concurrency key's place may have come free
