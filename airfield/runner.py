"""Runs tasks as real processes: queueing, supervision, timeouts, cancellation, recovery.

Each run is its own process group (start_new_session), whose ID is stored with the run so a
restarted airfield can find and stop what an earlier airfield left behind.

On SQLite one process owns the queue: it starts what scheduler.startable allows and, at start,
fails what an earlier process left Active. On a shared PostgreSQL database this runner is one
worker of many: it claims runs (store/claims.py), renews their leases while they run, stops a
run another node ended (a cancel, or its lease declared lost), and on SIGTERM drains: it starts
nothing more, hands back what it claimed but had not started, and waits for its active runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from dataclasses import dataclass, field
from typing import Any

from . import processes
from .definitions import Catalog, TaskDef
from .envs import Environment, environment_by_id
from .errors import conflict, not_found, quoted
from .ids import hash_secret, new_run_token
from .metrics import AirfieldMetrics
from .notify import Notifier
from .outputs import LogLine, ProtocolError, StdoutProtocol, apply_command
from .scheduler import Slot, startable
from .store import WAITING, LogRecord, RunRecord, Store
from .timeutil import now_text

log = logging.getLogger(__name__)
SYSTEM = "airfield"
_MAX_LINE = 1 << 20


@dataclass(frozen=True)
class RunnerSettings:
    """Limits of the runner."""

    max_active_runs: int = 8
    cancel_grace_seconds: float = 5.0
    run_tasks: bool = True  # False: an API node that leaves runs to workers (--no-worker)
    # Shared database only: a claim's lease (renewed every third of it while the run lives),
    # and how long SIGTERM waits for active runs before failing them.
    lease_seconds: float = 10.0
    drain_seconds: float = 25.0


@dataclass
class _Active:
    run: RunRecord
    process: asyncio.subprocess.Process | None = None
    cancelling: bool = False  # ended by airfield (cancel or timeout), not by its exit
    task: asyncio.Task[None] | None = None
    seq: int = 0
    output: Any = None
    ended: bool = False  # this runner ended it (or saw its process exit)

    def slot(self) -> Slot:
        return _slot(self.run)


def _slot(run: RunRecord) -> Slot:
    return Slot(run.id, run.concurrency_key, run.concurrency_limit, run.parent_id is not None)


@dataclass
class Runner:
    """Starts queued runs within the limits and watches them until they end."""

    store: Store
    catalog: Catalog
    notifier: Notifier
    settings: RunnerSettings
    api_url: str
    worker_id: str = ""  # this node's ID (shared database)
    metrics: AirfieldMetrics | None = None
    _active: dict[str, _Active] = field(default_factory=dict)
    _wake: asyncio.Event = field(default_factory=asyncio.Event)
    _loop_task: asyncio.Task[None] | None = None
    _lease_task: asyncio.Task[None] | None = None
    _draining: bool = False

    @property
    def shared(self) -> bool:
        """Whether this runner is one worker of many on a shared database."""
        return self.store.db.shared

    async def start(self) -> None:
        """Recover from an earlier process (one process only), then start dispatching."""
        if not self.settings.run_tasks:
            return
        if self.shared:
            self._lease_task = asyncio.create_task(self._renew_loop(), name="airfield-leases")
        else:
            await self._recover()
        # A run added or ended anywhere (on a shared database, in any process) is a notice.
        self.notifier.subscribe("queue", self._wake.set)
        self._loop_task = asyncio.create_task(self._dispatch_loop(), name="airfield-dispatch")
        self._wake.set()

    def wake(self) -> None:
        """Look at the queue again (a run was added or ended): here, and on a shared database
        in every worker."""
        self.notifier.notify("queue")

    async def drain(self) -> None:
        """Stop taking runs; hand back claimed runs that have not started; wait up to
        `drain_seconds` for the active ones to end (SIGTERM of a worker on a shared database)."""
        self._draining = True
        if self._loop_task is not None:
            self._loop_task.cancel()
        tasks = [a.task for a in self._active.values() if a.task is not None]
        if tasks:
            log.info("draining: waiting for %d runs to end", len(tasks))
            await asyncio.wait(tasks, timeout=self.settings.drain_seconds)

    async def stop(self) -> None:
        """Stop dispatching; end active runs as Failed, since nothing will watch them."""
        if self._loop_task is not None:
            self._loop_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop_task
        who = f"worker {self.worker_id}" if self.shared else "airfield"
        for active in list(self._active.values()):
            await self.log(active, f"{who} is shutting down; this run was stopped")
            await self._end(active, "Failed", f"{who} shut down while the run was active")
            if active.run.pgid is not None:
                await processes.stop_group(active.run.pgid, active.process, 1.0)
        tasks = [a.task for a in self._active.values() if a.task is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._lease_task is not None:
            self._lease_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._lease_task

    async def _renew_loop(self) -> None:
        """Renew the leases of every run held, a third of a lease apart; a run no longer held
        (another node ended it) is stopped by its watcher, woken here."""
        while True:
            await asyncio.sleep(self.settings.lease_seconds / 3)
            try:
                held = await self.store.claims.renew(self.worker_id, self.settings.lease_seconds)
            except Exception as exc:
                log.warning("renewing leases failed: %s", exc)
                continue
            for active in list(self._active.values()):
                if active.run.id not in held and not (active.ended or active.cancelling):
                    if self.metrics is not None:
                        self.metrics.lease_lost()
                    self.notifier.notify_here(f"run:{active.run.id}")
            self._wake.set()  # also a slow safety net for a missed notice

    async def _recover(self) -> None:
        for run in await self.store.runs.with_status(["Active"]):
            killed = run.pgid is not None and processes.kill_orphans(run.pgid, run.id)
            reason = "airfield restarted while this run was active, so it cannot be finished"
            if killed:
                reason += "; its leftover processes were killed"
            seq = await self.store.runs.last_log_seq(run.id) + 1
            await self.store.runs.append_logs(
                run.id, [LogRecord(seq, now_text(), "info", f"[airfield] {reason}")]
            )
            if await self.store.runs.finish(run.id, "Failed"):
                if not run.has_output:
                    await self.store.runs.set_output(run.id, {"error": reason})
                await self.store.prompts.cancel_open_of_run(run.id, SYSTEM)

    async def _dispatch_loop(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            try:
                await self._dispatch()
            except Exception:
                log.exception("dispatching runs failed")

    async def _dispatch(self) -> None:
        if self.shared:
            await self._claim()
            return
        slots = [
            Slot(run.id, run.concurrency_key, run.concurrency_limit, run.is_child)
            for run in await self.store.runs.waiting()
            if run.id not in self._active
        ]
        active = [a.slot() for a in self._active.values()]
        for run_id in startable(slots, active, self.settings.max_active_runs):
            record = await self.store.runs.get(run_id)
            if record is None or record.status not in WAITING:
                continue
            self._spawn(record)

    async def _claim(self) -> None:
        if self._draining:
            return
        top_level = sum(1 for a in self._active.values() if a.run.parent_id is None)
        claimed = await self.store.claims.claim(
            self.worker_id, top_level, self.settings.max_active_runs, self.settings.lease_seconds
        )
        if self.metrics is not None and claimed:
            self.metrics.claimed(len(claimed))
        for record in claimed:
            self._spawn(record)

    def _spawn(self, record: RunRecord) -> None:
        entry = _Active(record)
        self._active[record.id] = entry
        entry.task = asyncio.create_task(self._supervise(entry), name=f"run-{record.id}")

    async def log(self, active: _Active, text: str) -> None:
        """Add an airfield message to a run's logs."""
        await self._write_logs(active, [f"[airfield] {text}"])

    async def _write_logs(self, active: _Active, lines: list[str]) -> None:
        records = []
        for line in lines:
            active.seq += 1
            records.append(LogRecord(active.seq, now_text(), "info", line[:_MAX_LINE]))
        await self.store.runs.append_logs(active.run.id, records)

    async def _end(self, active: _Active, status: str, reason: str = "", by: str = "") -> bool:
        active.ended = True
        changed = await self.store.runs.finish(active.run.id, status, by=by or None)
        if changed:
            if status == "Failed" and active.output is None and reason:
                await self.store.runs.set_output(active.run.id, {"error": reason})
            await self.store.prompts.cancel_open_of_run(active.run.id, by or SYSTEM)
            self.notifier.notify(f"run:{active.run.id}")
        return changed

    async def _supervise(self, active: _Active) -> None:
        try:
            await self._run_process(active)
        except Exception as exc:
            log.exception("run %s failed inside airfield", active.run.id)
            with contextlib.suppress(Exception):
                await self.log(active, f"internal error: {exc}")
                await self._end(active, "Failed", f"internal error: {exc}")
        finally:
            self._active.pop(active.run.id, None)
            self.notifier.notify(f"run:{active.run.id}")
            self.wake()

    async def _run_process(self, active: _Active) -> None:
        run = active.run
        if self._draining:
            await self.store.claims.hand_back(self.worker_id, [run.id])
            self.wake()  # another worker may take it now
            return
        active.seq = await self.store.runs.last_log_seq(run.id)
        task = self.catalog.task_by_ref(run.task_slug)
        env = environment_by_id(run.env_id)
        if task is None or env is None:
            what = f"task {run.task_slug!r}" if task is None else f"environment {run.env_id!r}"
            await self.log(active, f"{what} is no longer defined; the run cannot start")
            await self._end(active, "Failed", f"{what} is no longer defined")
            return
        token = new_run_token()
        await self.store.runs.set_token(run.id, hash_secret(token))
        argv, param_env = processes.command_for(task, run.param_values)
        environ = self._environment(task, run, env, token, param_env)
        try:
            process = await asyncio.create_subprocess_exec(
                *argv,
                cwd=str(task.source.parent),
                env=environ,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                start_new_session=True,
            )
        except OSError as exc:
            await self.log(active, f"could not start the task: {exc}")
            await self._end(active, "Failed", f"could not start the task: {exc}")
            return
        active.process = process
        if self.shared:
            started = await self.store.claims.mark_active(run.id, self.worker_id, process.pid)
        else:
            started = await self.store.runs.mark_active(run.id, process.pid)
        if not started:
            await processes.stop_group(process.pid, process, self.settings.cancel_grace_seconds)
            return
        active.run = (await self.store.runs.get(run.id)) or run
        self.notifier.notify(f"run:{run.id}")
        watcher = asyncio.create_task(self._watch(active)) if self.shared else None
        try:
            await self._follow(active, process)
        finally:
            if watcher is not None:
                watcher.cancel()

    async def _watch(self, active: _Active) -> None:
        """Stop the run's process when another node ends the run: a cancel through another
        API node, or a sweeper that declared this worker lost. Woken by the run's notices
        (LISTEN/NOTIFY) and by the lease renewal."""
        run_id = active.run.id
        while True:
            await self.notifier.wait(f"run:{run_id}", self.settings.lease_seconds / 3)
            current = await self.store.runs.get(run_id)
            if current is None or not current.is_terminal or active.ended or active.cancelling:
                continue
            active.cancelling = True
            if active.process is not None:
                await processes.stop_group(
                    active.process.pid, active.process, self.settings.cancel_grace_seconds
                )
            return

    async def _follow(self, active: _Active, process: asyncio.subprocess.Process) -> None:
        run = active.run
        assert process.stdout is not None
        assert process.stderr is not None
        readers = asyncio.gather(
            self._read_stdout(active, process.stdout), self._read_stderr(active, process.stderr)
        )
        try:
            await asyncio.wait_for(asyncio.shield(process.wait()), run.timeout)
        except TimeoutError:
            reason = f"the run timed out after {run.timeout} seconds"
            active.cancelling = True
            await self.log(active, reason)
            await self._end(active, "Failed", reason)
            await processes.stop_group(process.pid, process, self.settings.cancel_grace_seconds)
        # The group may still hold processes that keep the pipes open; the run is over.
        processes.signal_group(process.pid, signal.SIGKILL)
        await readers
        if active.cancelling:
            return
        active.ended = True
        code = process.returncode
        if code == 0:
            await self._end(active, "Succeeded")
        else:
            reason = f"the task exited with status {code}"
            await self.log(active, reason)
            await self._end(active, "Failed", reason)

    def _environment(
        self, task: TaskDef, run: RunRecord, env: Environment, token: str, params: dict[str, str]
    ) -> dict[str, str]:
        environ = processes.base_environment()
        environ.update(task.env_vars)
        environ.update(params)
        environ.update(
            {
                "AIRPLANE_API_HOST": self.api_url,
                "AIRPLANE_TOKEN": token,
                "AIRPLANE_RUN_ID": run.id,
                "AIRPLANE_TASK_ID": run.task_id,
                "AIRPLANE_ENV_ID": env.id,
                "AIRPLANE_ENV_SLUG": env.slug,
                "AIRPLANE_TEAM_ID": env.team_id,
                "AIRPLANE_RUNTIME": "standard",
                "AIRPLANE_SESSION_ID": run.session_id or "",
                "AIRPLANE_PARENT_RUN_ID": run.parent_id or "",
                "PYTHONUNBUFFERED": "1",
            }
        )
        return environ

    async def _lines(self, stream: asyncio.StreamReader) -> Any:
        buffer = b""
        while True:
            chunk = await stream.read(65536)
            if not chunk:
                if buffer:
                    yield [buffer.decode("utf-8", "replace").rstrip("\r")]
                return
            buffer += chunk
            *complete, buffer = buffer.split(b"\n")
            if len(buffer) > _MAX_LINE * 16:
                complete.append(buffer)
                buffer = b""
            if complete:
                yield [line.decode("utf-8", "replace").rstrip("\r") for line in complete]

    async def _read_stdout(self, active: _Active, stream: asyncio.StreamReader) -> None:
        protocol = StdoutProtocol()
        async for lines in self._lines(stream):
            await self._handle_stdout(active, protocol, lines)
        await self._handle_stdout(active, protocol, [], flush=True)

    async def _handle_stdout(
        self, active: _Active, protocol: StdoutProtocol, lines: list[str], flush: bool = False
    ) -> None:
        logs: list[str] = []
        changed = False
        events = [event for line in lines for event in protocol.feed(line)]
        if flush:
            events += protocol.flush()
        for event in events:
            if isinstance(event, LogLine):
                logs.append(event.text)
                continue
            try:
                active.output = apply_command(active.output, event)
                changed = True
            except ProtocolError as exc:
                logs.append(f"[airfield] output ignored: {exc}")
        await self._write_logs(active, logs)
        if changed:
            await self.store.runs.set_output(active.run.id, active.output)

    async def _read_stderr(self, active: _Active, stream: asyncio.StreamReader) -> None:
        async for lines in self._lines(stream):
            await self._write_logs(active, lines)

    async def cancel(self, run_id: str, by: str) -> RunRecord:
        """Cancel a run and the runs it started; 404 if unknown, 409 if it has ended."""
        run = await self.store.runs.get(run_id)
        if run is None:
            raise not_found(f"run {quoted(run_id)} not found")
        if run.is_terminal:
            raise conflict(f"run {run_id} has already ended ({run.status}); it cannot be cancelled")
        active = self._active.get(run_id)
        if active is None:
            if await self.store.runs.finish(run_id, "Cancelled", by=by):
                await self.store.prompts.cancel_open_of_run(run_id, by)
                self.notifier.notify(f"run:{run_id}")
        else:
            active.cancelling = True
            await self.log(active, f"cancelled by {by}")
            await self._end(active, "Cancelled", by=by)
            if active.process is not None:
                await processes.stop_group(
                    active.process.pid, active.process, self.settings.cancel_grace_seconds
                )
        for child in await self.store.runs.child_ids(run_id):
            with contextlib.suppress(Exception):
                await self.cancel(child, by)
        self.wake()
        found = await self.store.runs.get(run_id)
        assert found is not None
        return found
