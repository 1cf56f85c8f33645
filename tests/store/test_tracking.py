"""The tracking store on each backend: ledger, progress and subscriptions survive reopening."""

from __future__ import annotations

from bot.kinds import Kind
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
    progress = Progress(parent_status="Queued", status_seq=1, steps_shown={"r2": "Active"})
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
