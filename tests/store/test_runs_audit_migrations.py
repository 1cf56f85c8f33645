"""The store on each backend: migrations per domain, runs by request, the audit log."""

from __future__ import annotations

import pytest

from bot.core.kinds import Kind
from bot.store import AuditAction, AuditEntry, Migrations, SlackRun, Store, open_database
from bot.store.schema import MIGRATIONS
from bot.tracking.model import Tracked


async def test_migrations_apply_once_and_resume(db_location: str) -> None:
    """A domain's new steps run on the next open; applied ones are not run again."""
    first = Migrations("demo", ("CREATE TABLE a (x INTEGER)",))
    db = await open_database(db_location, (first,))
    assert await db.version("demo") == 1
    await db.close()
    second = Migrations(
        "demo", (*first.steps, "CREATE TABLE b (y INTEGER); INSERT INTO b VALUES (1)")
    )
    db = await open_database(db_location, (second,))
    assert await db.version("demo") == 2
    assert await db.fetch_all("SELECT y FROM b") == [{"y": 1}]
    await db.close()


async def test_failed_step_leaves_version_untouched(db_location: str) -> None:
    """A failing step rolls its domain back, so the next open retries it."""
    broken = Migrations("demo", ("CREATE TABLE a (x INTEGER)", "CREATE TABLE a (x INTEGER)"))
    with pytest.raises(Exception, match="already exists"):
        await open_database(db_location, (broken,))
    db = await open_database(db_location, ())
    assert await db.version("demo") == 0
    assert await db.fetch_all("SELECT domain FROM schema_versions") == []
    await db.close()


async def test_domain_names_cannot_collide(db_location: str) -> None:
    """Different steps under a taken domain name fail loudly, before anything runs."""
    assert len({m.domain for m in MIGRATIONS}) == len(MIGRATIONS)
    clash = (*MIGRATIONS, Migrations("runs", ("CREATE TABLE other (x)",)))
    with pytest.raises(ValueError, match="given twice"):
        await open_database(db_location, clash)


async def test_runs_are_remembered_per_request(store: Store) -> None:
    """The first record of a request wins; a second one is refused and finds the first."""
    run = SlackRun("cmd:T1:trig", Kind.RUN, "run1", "hello", "C1", "U1", params={"n": 1})
    assert await store.runs.record(run)
    again = SlackRun("cmd:T1:trig", Kind.RUN, "run2", "hello", "C1", "U1")
    assert not await store.runs.record(again)
    tracked = Tracked(Kind.RUN, "run1", "C1", "hello")
    await store.tracking.record_ts(tracked, "parent", "123.456")  # the tracker posted it
    found = await store.runs.by_request("cmd:T1:trig")
    assert found is not None
    assert (found.run_id, found.parent_ts, found.params) == ("run1", "123.456", {"n": 1})
    assert [r.run_id for r in await store.runs.recent(slug="hello")] == ["run1"]


async def test_audit_log_reads_newest_first(store: Store) -> None:
    """Entries come back newest first, filterable by run."""
    await store.audit.record(AuditEntry(AuditAction.RUN, "U1", "hello", run_id="run1"))
    await store.audit.record(AuditEntry(AuditAction.REFUSED, "U2", "deploy", detail={"why": "x"}))
    entries = await store.audit.entries()
    assert [(e.action, e.actor, e.detail) for e in entries] == [
        ("refused", "U2", {"why": "x"}),
        ("run", "U1", {}),
    ]
    assert [e.target for e in await store.audit.entries(run_id="run1")] == ["hello"]
    await store.close()


async def test_last_actors_of_an_action_per_run(store: Store) -> None:
    """Who last did an action on each listed run: other actions and other runs left out."""
    await store.audit.record(AuditEntry(AuditAction.REJECT, "U1", "pmt1", run_id="run1"))
    await store.audit.record(AuditEntry(AuditAction.APPROVE, "U2", "pmt2", run_id="run2"))
    await store.audit.record(AuditEntry(AuditAction.REJECT, "U3", "pmt3", run_id="run1"))
    await store.audit.record(AuditEntry(AuditAction.REJECT, "U4", "pmt4", run_id="run9"))
    await store.audit.record(AuditEntry(AuditAction.REJECT, "U5", "pmt5", run_id="ses1"))
    found = await store.audit.last_actors(AuditAction.REJECT, ["run1", "run2", "ses1", "run7"])
    assert found == {"run1": "U3", "ses1": "U5"}
    assert await store.audit.last_actors(AuditAction.REJECT, []) == {}


async def test_recording_and_following_is_one_transaction(store: Store) -> None:
    """A run is recorded and followed together, or neither (no run followed by nobody)."""
    run = SlackRun("cmd:T1:a", Kind.RUN, "run1", "hello", "C1", "U1")
    tracked = Tracked(Kind.RUN, "run1", "C1", "hello", requested_by="U1", params={"n": 1})
    assert await store.record_and_follow(run, tracked)
    assert not await store.record_and_follow(run, tracked)  # a redelivery
    [(followed, _)] = await store.tracking.active()
    assert followed.params == {"n": 1}
    await store.db.execute("DROP TABLE tracked")
    other = SlackRun("cmd:T1:b", Kind.RUN, "run2", "hello", "C1", "U1")
    with pytest.raises(Exception, match="tracked"):
        await store.record_and_follow(other, Tracked(Kind.RUN, "run2", "C1", "hello"))
    assert await store.runs.get("run2") is None


@pytest.mark.parametrize(("kind", "stored"), [(Kind.RUN, "task"), (Kind.SESSION, "runbook")])
async def test_kinds_keep_the_spelling_each_table_always_had(
    store: Store, kind: Kind, stored: str
) -> None:
    """One `Kind` in the code; in the database `slack_runs` still says task/runbook and the
    tracker's tables run/session, so rows written before the enums were merged, and replicas
    still running older code, read the same values."""
    run = SlackRun(f"cmd:T1:{stored}", kind, f"{kind.value}_1", "hello", "C1", "U1")
    tracked = Tracked(kind, run.run_id, "C1", "hello")
    assert await store.record_and_follow(run, tracked)
    [row] = await store.db.fetch_all("SELECT kind FROM slack_runs")
    assert row["kind"] == stored
    [row] = await store.db.fetch_all("SELECT kind FROM tracked")
    assert row["kind"] == kind.value
    found = await store.runs.get(run.run_id)
    assert found is not None
    assert found.kind is kind
    [(followed, _)] = await store.tracking.active()
    assert followed.kind is kind


async def test_old_slack_runs_rows_read_back(store: Store) -> None:
    """A row an older bot wrote by hand-spelled SQL reads as the same kind."""
    for key, stored in (("a", "task"), ("b", "runbook")):
        await store.db.execute(
            "INSERT INTO slack_runs (request_key, kind, run_id, slug, channel_id, requester_id,"
            " params_json, created_at) VALUES (?, ?, ?, 's', 'C1', 'U1', '{}', ?)",
            (key, stored, f"id_{key}", "2026-01-01T00:00:00+00:00"),
        )
    kinds = {r.run_id: r.kind for r in await store.runs.recent(slug="s")}
    assert kinds == {"id_a": Kind.RUN, "id_b": Kind.SESSION}
