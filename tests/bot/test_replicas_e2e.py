"""Two bot replicas on one PostgreSQL database, for real: a command Slack redelivers to the
other replica starts nothing new; its run and parent message exist once."""

from __future__ import annotations

from pathlib import Path

import pytest

from slackbox import GENERAL, SlackEmulator
from tests.support.airfield import AirfieldProcess
from tests.support.eventually import eventually

from .harness import running_bot

pytestmark = pytest.mark.usefixtures("airfield")


async def test_a_retry_on_another_replica_starts_one_run(
    slack: SlackEmulator, airfield: AirfieldProcess, tmp_path: Path, postgres_url: str
) -> None:
    """Replica A takes the command; Slack's retries land on B, at once and after A answered."""
    note = "replicas"
    async with (
        running_bot(slack, airfield, tmp_path / "a", bot_db=postgres_url) as a,
        running_bot(slack, airfield, tmp_path / "b", bot_db=postgres_url) as b,
    ):
        assert a.url is not None
        assert b.url is not None
        slack.events_url = f"{a.url}/slack/events"
        first = await slack.slash_command("/airplane", f"run hello name={note}")
        assert first.status == 200
        slack.events_url = f"{b.url}/slack/events"
        await slack.resend(first, retry_num=1, retry_reason="http_timeout")

        async def announced() -> bool:
            return any(r.parent_ts for r in await b.services.store.runs.recent())

        await eventually(announced)
        await slack.resend(first, retry_num=2, retry_reason="http_timeout")
        runs = [
            r
            for r in await a.services.airplane.list_runs(task_slug="hello", limit=50)
            if r.param_values.get("name") == note
        ]
        assert len(runs) == 1
        assert len(slack.messages(GENERAL)) == 1
        assert len(await a.services.store.runs.recent()) == 1
        # On PostgreSQL both replicas take Slack's budget from the database's rows: the parent
        # A posted spent from the row B's next post would take from.
        assert a.services.slack.scheduler.held is a.services.store.budgets
        assert b.services.slack.scheduler.held is b.services.store.budgets
        rows = await b.services.store.db.fetch_all("SELECT name, tokens FROM slack_budgets")
        spent = {row["name"]: row["tokens"] for row in rows}
        assert spent["/chat.postMessage"] < 29
        assert spent[f"/chat.postMessage/{GENERAL}"] < 2
    assert slack.rejected == []
