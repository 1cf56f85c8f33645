"""The approvals store on each backend: one claim wins, copies are reserved once, state
(reminders included) survives a restart."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from bot.store import Migrations, Store, open_database
from bot.store.approvals import MIGRATIONS as APPROVALS
from bot.store.approvals import ApprovalRecord, ApprovalState, Claim


def _record(prompt_id: str = "pmt1") -> ApprovalRecord:
    return ApprovalRecord(prompt_id=prompt_id, run_id="run1", channel_id="C1", thread_ts="1.0")


async def test_a_prompt_is_remembered_once(store: Store) -> None:
    """The second `remember` of a prompt changes nothing."""
    assert await store.approvals.remember(_record())
    assert not await store.approvals.remember(_record())
    got = await store.approvals.get("pmt1")
    assert got is not None
    assert got.state is ApprovalState.PENDING


async def test_exactly_one_of_many_concurrent_claims_wins(store: Store) -> None:
    """Ten clicks at once (double clicks, several approvers, retries): one claim wins."""
    await store.approvals.remember(_record())
    claims = [Claim(intent="approve", actor_id=f"U{i}", key=f"k{i}") for i in range(10)]
    won = await asyncio.gather(*(store.approvals.claim("pmt1", c) for c in claims))
    assert sum(won) == 1
    got = await store.approvals.get("pmt1")
    assert got is not None
    assert got.state is ApprovalState.CLAIMED
    assert got.claim is not None
    assert replace(got.claim, claimed_at=None) == claims[won.index(True)]


async def test_a_released_claim_can_be_taken_again(store: Store) -> None:
    """Only the claim's own key releases it; then another click may claim."""
    await store.approvals.remember(_record())
    first = Claim(intent="approve", actor_id="U1", key="k1", values={"n": 1})
    assert await store.approvals.claim("pmt1", first)
    assert not await store.approvals.release("pmt1", "other")
    assert await store.approvals.release("pmt1", "k1")
    assert await store.approvals.claim("pmt1", Claim(intent="reject", actor_id="U2", key="k2"))


async def test_finished_prompt_cannot_be_claimed(store: Store) -> None:
    """A decided prompt refuses every later claim."""
    await store.approvals.remember(_record())
    await store.approvals.finish("pmt1", ApprovalState.DECIDED)
    assert not await store.approvals.claim("pmt1", Claim(intent="approve", actor_id="U", key="k"))


async def test_copies_are_reserved_once_and_listed_thread_first(store: Store) -> None:
    """A copy is reserved once; the thread copy comes before DM copies; ts is recorded."""
    await store.approvals.remember(_record())
    assert await store.approvals.reserve_copy("pmt1", "D2", "U2")
    assert await store.approvals.reserve_copy("pmt1", "C1", None)
    assert not await store.approvals.reserve_copy("pmt1", "C1", None)
    await store.approvals.set_copy_ts("pmt1", "C1", "1.5")
    copies = await store.approvals.copies("pmt1")
    assert [(c.channel_id, c.ts) for c in copies] == [("C1", "1.5"), ("D2", None)]


async def test_waiting_for_lists_pending_prompts_sent_to_a_reviewer(store: Store) -> None:
    """App Home's list: pending prompts DMed to the user, not decided ones."""
    for prompt_id in ("pmt1", "pmt2"):
        await store.approvals.remember(_record(prompt_id))
        await store.approvals.reserve_copy(prompt_id, "D2", "U2")
    await store.approvals.finish("pmt2", ApprovalState.DECIDED)
    waiting = await store.approvals.waiting_for("U2")
    assert [(r.prompt_id, c.channel_id) for r, c in waiting] == [("pmt1", "D2")]
    assert await store.approvals.waiting_for("U3") == []


async def test_a_claim_survives_a_restart(db_location: str) -> None:
    """A claim made before a restart is found after it, with its Idempotency-Key."""
    first = await Store.open(db_location)
    await first.approvals.remember(_record())
    await first.approvals.claim("pmt1", Claim(intent="approve", actor_id="U1", key="k1"))
    await first.close()
    second = await Store.open(db_location)
    claimed = await second.approvals.in_state(ApprovalState.CLAIMED)
    await second.close()
    assert [(r.prompt_id, r.claim.key if r.claim else None) for r in claimed] == [("pmt1", "k1")]


async def test_a_claim_is_settled_once_and_only_by_its_key(store: Store) -> None:
    """Two attempts of one claim (a resume racing the click) record the decision once."""
    await store.approvals.remember(_record())
    await store.approvals.claim("pmt1", Claim(intent="approve", actor_id="U1", key="k1"))
    got = await store.approvals.get("pmt1")
    assert got is not None
    assert got.claim is not None
    assert got.claim.claimed_at is not None
    assert not await store.approvals.settle_claim("pmt1", "other")
    assert await store.approvals.settle_claim("pmt1", "k1")
    assert not await store.approvals.settle_claim("pmt1", "k1")
    settled = await store.approvals.get("pmt1")
    assert settled is not None
    assert settled.state is ApprovalState.DECIDED


async def test_reminders_are_counted_once_each_and_survive_a_restart(db_location: str) -> None:
    """Each reminder is taken once (two replicas asking together: one wins), and the count and
    its time are read back after a restart, so nobody reminds again early or past the limit."""
    store = await Store.open(db_location)
    await store.approvals.remember(_record())
    at = datetime(2026, 1, 1, 12, 30, tzinfo=UTC)
    won = await asyncio.gather(*(store.approvals.take_reminder("pmt1", 0, at) for _ in range(5)))
    assert sum(won) == 1
    assert not await store.approvals.take_reminder("pmt1", 0, at)  # counted already
    await store.close()
    store = await Store.open(db_location)
    got = await store.approvals.get("pmt1")
    assert got is not None
    assert (got.reminders_sent, got.reminded_at) == (1, at)
    assert await store.approvals.take_reminder("pmt1", 1, at + timedelta(minutes=30))
    await store.approvals.finish("pmt1", ApprovalState.DECIDED)
    assert not await store.approvals.take_reminder("pmt1", 2, at)  # no longer waiting
    await store.close()


async def test_a_version_1_approvals_table_gains_reminder_columns(db_location: str) -> None:
    """A database made before reminders were stored keeps its prompts, counted from zero."""
    first = Migrations("approvals", APPROVALS.steps[:1])
    db = await open_database(db_location, (first,))
    await db.execute(
        "INSERT INTO approval_prompts (prompt_id, run_id, channel_id, thread_ts, state,"
        " created_at) VALUES ('pmt_old', 'run1', 'C1', '1.0', 'pending', ?)",
        (datetime(2026, 1, 1, tzinfo=UTC).isoformat(),),
    )
    await db.close()
    store = await Store.open(db_location)
    assert await store.db.version("approvals") == len(APPROVALS.steps)
    got = await store.approvals.get("pmt_old")
    assert got is not None
    assert (got.reminders_sent, got.reminded_at) == (0, None)
    await store.close()
