"""Copying an SQLite state file into another database (PostgreSQL, or SQLite) with
`airplane-bot migrate-state`: every domain's rows arrive, and the copy works as a store."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import pytest

from bot.core.kinds import Kind
from bot.process.cli import main
from bot.store import AuditAction, AuditEntry, SlackRun, Store
from bot.store.approvals import ApprovalRecord, Claim
from bot.tracking.model import Progress, Tracked
from bot.tracking.ports import Subscription

RUN = Tracked(
    kind=Kind.RUN, id="run_1", channel="C1", label="deploy", requested_by="U1", since=5.25
)
SLACK_RUN = SlackRun("command:T1:t1", Kind.RUN, "run_1", "deploy", "C1", "U1", "1.5")


async def _fill(path: Path) -> None:
    """A state file with rows in every table, as a bot that ran for a while leaves it."""
    store = await Store.open(path)
    await store.runs.record(SLACK_RUN)
    for n in range(450):  # more than one insert batch
        await store.audit.record(AuditEntry(AuditAction.RUN, "U1", f"task{n}", run_id="run_1"))
    await store.tracking.track(RUN)
    await store.tracking.record_ts(RUN, "parent", "1.5")
    await store.tracking.save_progress(RUN, Progress(parent_status="Active", status_seq=2))
    await store.tracking.subscribe(Subscription("C1", "deploy", "tsk_1", "U1"))
    await store.approvals.remember(
        ApprovalRecord(prompt_id="pmt1", run_id="run_1", channel_id="C1", thread_ts="1.5")
    )
    await store.approvals.reserve_copy("pmt1", "D2", "U2")
    await store.approvals.claim("pmt1", Claim(intent="approve", actor_id="U2", key="k1"))
    await store.leases.take_turn("upkeep", "old-bot", every=30)
    await store.close()


def test_migrate_state_copies_every_table(tmp_path: Path, db_location: str) -> None:
    """The CLI copies every row; the target then serves as the bot's store."""
    source = tmp_path / "old.db"
    asyncio.run(_fill(source))
    assert main(["migrate-state", "--from", str(source), "--to", db_location]) == 0
    asyncio.run(_check(db_location))


async def _check(location: str) -> None:
    store = await Store.open(location)
    try:
        assert await store.runs.by_request("command:T1:t1") == SLACK_RUN
        assert len(await store.audit.entries(limit=1000)) == 450
        # New entries get IDs after the copied ones: newest first still means newest.
        await store.audit.record(AuditEntry(AuditAction.CANCEL, "U9", "run_1"))
        assert (await store.audit.entries(limit=1))[0].actor == "U9"
        assert await store.tracking.active() == [
            (RUN, Progress(parent_status="Active", status_seq=2))
        ]
        assert await store.tracking.posts(RUN) == {"parent": "1.5"}
        assert await store.tracking.subscriptions() == [Subscription("C1", "deploy", "tsk_1", "U1")]
        record = await store.approvals.get("pmt1")
        assert record is not None
        assert record.claim is not None
        assert record.claim.key == "k1"
        assert [c.dm_user_id for c in await store.approvals.copies("pmt1")] == ["U2"]
        assert [lease.name for lease in await store.leases.live()] == ["turn:upkeep"]
    finally:
        await store.close()


def test_migrate_state_refuses_a_target_with_state(
    tmp_path: Path, db_location: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Copying twice would mix two histories: the second copy is refused, nothing changes."""
    source = tmp_path / "old.db"
    asyncio.run(_fill(source))
    assert main(["migrate-state", "--from", str(source), "--to", db_location]) == 0
    assert main(["migrate-state", "--from", str(source), "--to", db_location]) == 1
    assert "already holds bot state" in capsys.readouterr().err


def test_migrate_state_refuses_a_missing_source(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A mistyped source path is an error, not an empty copy."""
    missing = tmp_path / "nope.db"
    assert main(["migrate-state", "--from", str(missing), "--to", str(tmp_path / "x.db")]) == 1
    assert f"no SQLite state file at {missing}" in capsys.readouterr().err
    assert not missing.exists()


def test_migrate_state_names_an_unreachable_target(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A PostgreSQL that does not answer is reported as such (after the connect timeout)."""
    source = tmp_path / "old.db"
    asyncio.run(_fill(source))
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    target = f"postgresql://bot:pw@127.0.0.1:{port}/bot"
    assert main(["migrate-state", "--from", str(source), "--to", target]) == 1
    assert "no connection to PostgreSQL within 10 s" in capsys.readouterr().err
