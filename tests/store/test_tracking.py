"""The tracking store on each backend: ledger, progress and subscriptions survive reopening."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path

from bot.core.kinds import Kind
from bot.store import Store
from bot.tracking.model import Progress, Tracked
from bot.tracking.ports import Subscription

RUN = Tracked(kind=Kind.RUN, id="run_1", channel="C1", label="deploy", requested_by="U1", since=5)


async def test_state_survives_reopen(db_location: str) -> None:
    """Everything the tracker needs to resume is there after closing and reopening."""
    store = await Store.open(db_location)
    assert await store.tracking.track(RUN)
    assert not await store.tracking.track(RUN)
    await store.tracking.record_intent(RUN, "parent")
    await store.tracking.record_ts(RUN, "parent", "111.1")
    await store.tracking.record_intent(RUN, "status:1:Queued")
    progress = Progress(
        parent_status="Failed",
        status_seq=1,
        steps_shown={"r2": "Active"},
        shown_status="Rejected",
        shown_phrase="Rejected by <@U2>",
    )
    await store.tracking.save_progress(RUN, progress)
    assert await store.tracking.subscribe(Subscription("C1", "deploy", "tsk_1", "U1"))
    await store.close()

    store = await Store.open(db_location)
    assert await store.tracking.active() == [(RUN, progress)]
    assert await store.tracking.posts(RUN) == {"parent": "111.1", "status:1:Queued": None}
    assert await store.tracking.subscriptions() == [Subscription("C1", "deploy", "tsk_1", "U1")]
    assert await store.tracking.recent("U1", 5) == [(RUN, progress)]
    await store.tracking.save_progress(RUN, Progress(done=True))
    assert await store.tracking.active() == []
    assert await store.tracking.unsubscribe("C1", "deploy")
    await store.close()


async def test_progress_stored_by_an_older_version_still_loads(tmp_path: Path) -> None:
    """Rows written while the tracker refreshed elapsed times (with `parent_elapsed` and
    `parent_edited_at`) load as they were, without those fields, and are written anew
    without them."""
    location = str(tmp_path / "bot.db")
    store = await Store.open(location)
    assert await store.tracking.track(RUN)
    await store.close()
    old = {
        "parent_status": "Active",
        "parent_elapsed": "3m 30s",
        "parent_edited_at": 1767225600.0,
        "thread_status": "",
        "status_seq": 0,
        "steps_shown": {"r2": "Active"},
        "seen_status": "Active",
        "seen_since": 1767225400.0,
        "done": False,
        "parent_facts": "-||||||",
    }
    with closing(sqlite3.connect(location)) as db, db:
        db.execute("UPDATE tracked SET progress_json = ?", (json.dumps(old),))

    store = await Store.open(location)
    expected = Progress(
        parent_status="Active",
        steps_shown={"r2": "Active"},
        seen_status="Active",
        seen_since=1767225400.0,
        parent_facts="-||||||",
    )
    assert await store.tracking.active() == [(RUN, expected)]
    await store.tracking.save_progress(RUN, expected)
    await store.close()
    with closing(sqlite3.connect(location)) as db:
        (written,) = db.execute("SELECT progress_json FROM tracked").fetchone()
    assert "parent_elapsed" not in json.loads(written)
