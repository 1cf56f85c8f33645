"""Open forms: what a modal's submission needs to be checked, kept when the modal opens.

Slack gives a submission 3 s to be acknowledged, and its check (the task's or runbook's
parameters, the prompt's schema) must not wait on Airplane inside them. So whoever opens a form
keeps what its check needs here, under the form's key, and the submission reads it back from
the database: every replica sees it, and a restart between opening and submitting loses
nothing. Forms older than a day are dropped as new ones are kept (Slack closes a modal long
before that).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from airplane_api.models import ParameterSchema, Runbook, Task

from ..core.errors import FormGone
from .db import Database, Migrations

__all__ = ["FORM_LIFETIME", "MIGRATIONS", "FormGone", "FormStore"]

FORM_LIFETIME = timedelta(days=1)

MIGRATIONS = Migrations(
    domain="forms",
    steps=(
        """
        CREATE TABLE open_forms (
            form_key TEXT PRIMARY KEY,
            payload TEXT NOT NULL,
            opened_at TEXT NOT NULL
        );
        CREATE INDEX open_forms_opened ON open_forms (opened_at)
        """,
    ),
)


class FormStore:
    """Keeps and reads back the JSON a form's submission is checked against."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def keep(self, form_key: str, payload: str, *, now: datetime | None = None) -> None:
        """Keep `payload` for `form_key` (replacing an earlier one: the form was updated)."""
        opened = now or datetime.now(UTC)
        await self._db.execute(
            "DELETE FROM open_forms WHERE opened_at < ?",
            ((opened - FORM_LIFETIME).isoformat(),),
        )
        await self._db.execute(
            "INSERT INTO open_forms (form_key, payload, opened_at) VALUES (?, ?, ?)"
            " ON CONFLICT (form_key) DO UPDATE SET payload = excluded.payload,"
            " opened_at = excluded.opened_at",
            (form_key, payload, opened.isoformat()),
        )

    async def payload(self, form_key: str) -> str:
        """What was kept for `form_key`; FormGone when nothing was."""
        row = await self._db.fetch_one(
            "SELECT payload FROM open_forms WHERE form_key = ?", (form_key,)
        )
        if row is None:
            raise FormGone(form_key)
        return str(row["payload"])

    async def keep_task(self, form_id: str, task: Task) -> None:
        """The run modal `form_id` is for `task`: its submission is checked against it."""
        await self.keep(f"run:{form_id}", task.model_dump_json(by_alias=True))

    async def task(self, form_id: str) -> Task:
        """The task the run modal `form_id` showed when it was opened or last updated."""
        return Task.model_validate_json(await self.payload(f"run:{form_id}"))

    async def keep_runbook(self, form_id: str, runbook: Runbook) -> None:
        """The runbook form `form_id` is for: its submission is checked against it."""
        await self.keep(f"runbook:{form_id}", runbook.model_dump_json(by_alias=True))

    async def runbook(self, form_id: str) -> Runbook:
        """The runbook the form `form_id` showed when it was opened."""
        return Runbook.model_validate_json(await self.payload(f"runbook:{form_id}"))

    async def keep_prompt_schema(self, prompt_id: str, schema: ParameterSchema) -> None:
        """The schema a prompt's modal is checked against (a prompt's schema never changes)."""
        await self.keep(f"prompt:{prompt_id}", schema.model_dump_json(by_alias=True))

    async def prompt_schema(self, prompt_id: str) -> ParameterSchema:
        """The schema kept when the prompt's modal was opened."""
        return ParameterSchema.model_validate_json(await self.payload(f"prompt:{prompt_id}"))
