"""The session engine: drives a runbook's steps in order, through runs and prompts.

A session moves Pending -> Active (a task step runs) <-> Waiting (a prompt step waits) ->
Succeeded | Failed, or Cancelling -> Cancelled. Each step's progress is stored with the session,
so after a restart the engine picks every unfinished session up where it stood.

On a shared database each session has one driving node, which holds a lease on it (renewed by
cluster.Sweeper); a session whose node is gone is adopted by another and resumed the same way.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from airplane_api.params import ParamError, check_values

from .definitions import Catalog, PromptStep, RunbookDef, TaskStep
from .envs import Environment, environment_by_id
from .errors import ApiError, bad_request, conflict, not_found, quoted
from .executions import check_may_start, start_run
from .ids import new_id
from .notify import Notifier
from .runner import Runner
from .store import NewPrompt, PromptRecord, RunRecord, SessionRecord, Store
from .templating import TemplateError, render
from .views import parameter_wire

log = logging.getLogger(__name__)
_TERMINAL = ("Succeeded", "Failed", "Cancelled")
_POLL_SECONDS = 1.0


class _Stop(Exception):
    """Ends a session's driver with a final status and reason."""

    def __init__(self, status: str, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass
class SessionEngine:
    """Starts, resumes and cancels sessions."""

    store: Store
    catalog: Catalog
    runner: Runner
    notifier: Notifier
    node_id: str = ""  # this node (shared database): the driver a session's lease names
    lease_seconds: float = 10.0
    _drivers: dict[str, asyncio.Task[None]] = field(default_factory=dict)

    async def start(self) -> None:
        """Resume every session that had not ended (on a shared database: that no live node
        drives)."""
        if self.store.db.shared:
            self.adopt(await self.store.claims.orphaned_sessions(self.node_id, self.lease_seconds))
            return
        for session in await self.store.sessions.unfinished():
            self._spawn(session.id)

    def driving(self) -> list[str]:
        """The sessions this engine drives now."""
        return list(self._drivers)

    def adopt(self, session_ids: list[str]) -> None:
        """Drive these sessions (their leases now name this node)."""
        for session_id in session_ids:
            if session_id not in self._drivers:
                self._spawn(session_id)

    async def stop(self) -> None:
        """Stop driving; progress is stored, so a restart resumes."""
        drivers = list(self._drivers.values())
        for driver in drivers:
            driver.cancel()
        await asyncio.gather(*drivers, return_exceptions=True)

    def _spawn(self, session_id: str) -> None:
        task = asyncio.create_task(self._drive(session_id), name=f"session-{session_id}")
        self._drivers[session_id] = task
        task.add_done_callback(lambda _: self._drivers.pop(session_id, None))

    async def execute(
        self, runbook: RunbookDef, values: Mapping[str, Any], env: Environment, created_by: str
    ) -> SessionRecord:
        """Check parameters (400 naming the parameter) and that every task step may be started
        (check_may_start: a session's runs have no parent run), then start a session."""
        for step in runbook.steps:
            task = self.catalog.task_by_ref(step.task) if isinstance(step, TaskStep) else None
            if task is not None:
                check_may_start(task, parent_id=None)
        try:
            checked = check_values(runbook.parameters, values)
        except ParamError as exc:
            raise bad_request(
                f'runbook "{runbook.slug}": {exc.message}', "invalid_param", param=exc.slug
            ) from None
        steps: list[dict[str, Any]] = [
            {
                "name": step.name,
                "kind": "task" if isinstance(step, TaskStep) else "prompt",
                "status": "Pending",
                "runID": "",
                "promptID": "",
                "output": None,
            }
            for step in runbook.steps
        ]
        record = SessionRecord(
            id=new_id("ses"),
            runbook_id=runbook.id,
            runbook_slug=runbook.slug,
            name=runbook.name,
            env_id=env.id,
            status="Pending",
            param_values=checked,
            params=[parameter_wire(p) for p in runbook.parameters],
            steps=steps,
            error="",
            created_at="",
            created_by=created_by,
            updated_at="",
            updated_by=created_by,
        )
        await self.store.sessions.create(record)
        if not self.store.db.shared or await self.store.claims.drive_session(
            record.id, self.node_id, self.lease_seconds
        ):
            self._spawn(record.id)
        found = await self.store.sessions.get(record.id)
        assert found is not None
        return found

    async def cancel(self, session_id: str, by: str) -> SessionRecord:
        """Ask a session to stop: its active run or open prompt is cancelled."""
        session = await self.store.sessions.get(session_id)
        if session is None:
            raise not_found(f"session {quoted(session_id)} not found")
        if session.status in _TERMINAL:
            raise conflict(f"session {session_id} has already ended ({session.status})")
        await self.store.sessions.update(session_id, status="Cancelling", by=by)
        for step in session.steps:
            if step["status"] in ("Active", "Waiting"):
                with contextlib.suppress(ApiError):
                    if step.get("runID"):
                        await self.runner.cancel(step["runID"], by)
                    if step.get("promptID"):
                        await self.store.prompts.cancel(step["promptID"], by)
                        self.notifier.notify(f"prompt:{step['promptID']}")
        if session_id not in self._drivers and not self.store.db.shared:
            # Nobody drives it. (On a shared database another node may: its driver sees
            # Cancelling and ends the session; a session nobody drives is adopted first.)
            await self.store.sessions.update(session_id, status="Cancelled", by=by)
        self.notifier.notify(f"session:{session_id}")
        found = await self.store.sessions.get(session_id)
        assert found is not None
        return found

    async def _drive(self, session_id: str) -> None:
        try:
            await self._drive_steps(session_id)
        except _Stop as stop:
            await self.store.sessions.update(session_id, status=stop.status, error=stop.reason)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.exception("session %s failed inside airfield", session_id)
            await self.store.sessions.update(session_id, status="Failed", error=str(exc))
        self.notifier.notify(f"session:{session_id}")

    async def _current(self, session_id: str) -> SessionRecord:
        session = await self.store.sessions.get(session_id)
        if session is None:
            raise _Stop("Failed", "the session disappeared")
        if session.status == "Cancelling":
            raise _Stop("Cancelled", session.error or "the session was cancelled")
        return session

    async def _drive_steps(self, session_id: str) -> None:
        session = await self._current(session_id)
        runbook = self.catalog.runbook_by_ref(session.runbook_slug)
        env = environment_by_id(session.env_id)
        if runbook is None or env is None:
            raise _Stop("Failed", f"runbook {session.runbook_slug!r} is no longer defined")
        steps = session.steps
        for index, step in enumerate(runbook.steps):
            state = steps[index]
            if state["status"] == "Succeeded":
                continue
            session = await self._current(session_id)
            context = {
                "params": session.param_values,
                "steps": {s["name"]: s for s in steps[:index]},
            }
            if isinstance(step, TaskStep):
                await self._task_step(session, step, state, steps, context, env)
            else:
                await self._prompt_step(session, step, state, steps, context)
        await self.store.sessions.update(session_id, status="Succeeded", steps=steps)

    async def _save(self, session_id: str, status: str, steps: list[dict[str, Any]]) -> None:
        current = await self._current(session_id)
        await self.store.sessions.update(current.id, status=status, steps=steps)
        self.notifier.notify(f"session:{session_id}")

    async def _task_step(
        self,
        session: SessionRecord,
        step: TaskStep,
        state: dict[str, Any],
        steps: list[dict[str, Any]],
        context: dict[str, Any],
        env: Environment,
    ) -> None:
        if not state["runID"]:
            task = self.catalog.task_by_ref(step.task)
            if task is None:
                raise _Stop("Failed", f"step {step.name!r}: task {step.task!r} is not defined")
            try:
                values = render(dict(step.params), context)
                run = await start_run(
                    self.store,
                    self.runner,
                    task,
                    values,
                    env=env,
                    created_by=session.created_by,
                    session_id=session.id,
                )
            except (TemplateError, ApiError) as exc:
                reason = exc.message if isinstance(exc, ApiError) else str(exc)
                raise _Stop("Failed", f"step {step.name!r}: {reason}") from None
            state.update(runID=run.id, status="Active")
            await self._save(session.id, "Active", steps)
        run = await self._wait_run(session.id, state["runID"])
        state.update(status=run.status, output=run.output)
        if run.status == "Succeeded":
            await self._save(session.id, "Active", steps)
            return
        await self.store.sessions.update(session.id, steps=steps)
        status = "Cancelled" if run.status == "Cancelled" else "Failed"
        raise _Stop(status, f"step {step.name!r}: run {run.id} {run.status.lower()}")

    async def _prompt_step(
        self,
        session: SessionRecord,
        step: PromptStep,
        state: dict[str, Any],
        steps: list[dict[str, Any]],
        context: dict[str, Any],
    ) -> None:
        if not state["promptID"]:
            try:
                description = render(step.description, context)
            except TemplateError as exc:
                raise _Stop("Failed", f"step {step.name!r}: {exc}") from None
            prompt_id = new_id("pmt")
            await self.store.prompts.create(
                NewPrompt(
                    id=prompt_id,
                    run_id="",
                    session_id=session.id,
                    schema={
                        "parameters": [parameter_wire(p, "parameters") for p in step.parameters]
                    },
                    reviewers=step.reviewers.model_dump(mode="json", by_alias=True),
                    confirm_text=step.confirm_text,
                    cancel_text=step.cancel_text,
                    description=str(description),
                )
            )
            state.update(promptID=prompt_id, status="Waiting")
            await self._save(session.id, "Waiting", steps)
        prompt = await self._wait_prompt(session.id, state["promptID"])
        if prompt.submitted_at is not None:
            state.update(status="Succeeded", output=prompt.values)
            await self._save(session.id, "Active", steps)
            return
        state.update(status="Cancelled")
        await self.store.sessions.update(session.id, steps=steps)
        who = prompt.cancelled_by or "someone"
        raise _Stop("Cancelled", f"step {step.name!r}: the prompt was cancelled by {who}")

    async def _wait_run(self, session_id: str, run_id: str) -> RunRecord:
        while True:
            run = await self.store.runs.get(run_id)
            if run is None:
                raise _Stop("Failed", f"run {run_id} disappeared")
            if run.is_terminal:
                return run
            await self.notifier.wait(f"run:{run_id}", _POLL_SECONDS)

    async def _wait_prompt(self, session_id: str, prompt_id: str) -> PromptRecord:
        while True:
            prompt = await self.store.prompts.get(prompt_id)
            if prompt is None:
                raise _Stop("Failed", f"prompt {prompt_id} disappeared")
            if not prompt.is_open:
                return prompt
            await self.notifier.wait(f"prompt:{prompt_id}", _POLL_SECONDS)
