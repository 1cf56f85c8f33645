"""Idempotency across replicas rests on the shared store's unique keys and conditional
updates: several stores (own connections each, as separate bot processes) race on one
database, on each backend."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from bot.core.kinds import Kind
from bot.slack.requests import command_request_key, idempotency_key
from bot.store import SlackRun, Store
from bot.store.approvals import ApprovalRecord, ApprovalState, Claim


@pytest.fixture
async def fleet(db_location: str) -> AsyncIterator[list[Store]]:
    """Three replicas' stores on one database."""
    stores = [await Store.open(db_location) for _ in range(3)]
    yield stores
    for store in stores:
        await store.close()


async def test_a_request_redelivered_to_every_replica_records_one_run(fleet: list[Store]) -> None:
    """A Slack retry landing on another replica finds the first record: one parent, one run."""
    request = command_request_key({"team_id": "T1", "trigger_id": "13345.224.abc"})
    # Every replica derives the same Idempotency-Key, so Airplane returns the same run ID.
    keys = {idempotency_key(request) for _ in fleet}
    assert len(keys) == 1
    runs = [SlackRun(request, Kind.RUN, "run_1", "hello", "C1", f"U{i}") for i in range(len(fleet))]
    recorded = await asyncio.gather(
        *(store.runs.record(run) for store, run in zip(fleet, runs, strict=True))
    )
    assert sorted(recorded) == [False, False, True]
    winner = runs[recorded.index(True)]
    for store in fleet:
        assert await store.runs.by_request(request) == winner


async def test_clicks_on_every_replica_decide_a_prompt_once(fleet: list[Store]) -> None:
    """Double clicks and several approvers spread over replicas: exactly one claim wins."""
    await fleet[0].approvals.remember(
        ApprovalRecord(prompt_id="pmt1", run_id="run1", channel_id="C1", thread_ts="1.0")
    )
    clicks = [
        (store, Claim(intent="approve", actor_id=f"U{i}", key=f"k{i}-{n}"))
        for i, store in enumerate(fleet)
        for n in range(4)
    ]
    won = await asyncio.gather(*(store.approvals.claim("pmt1", claim) for store, claim in clicks))
    assert sum(won) == 1
    winner = clicks[won.index(True)][1]
    settled = await asyncio.gather(*(s.approvals.settle_claim("pmt1", winner.key) for s in fleet))
    assert sorted(settled) == [False, False, True]
    record = await fleet[2].approvals.get("pmt1")
    assert record is not None
    assert record.state is ApprovalState.DECIDED


async def test_a_prompt_copy_is_reserved_by_one_replica(fleet: list[Store]) -> None:
    """Two replicas seeing the same pending prompt: one reserves (and posts) each copy."""
    await fleet[0].approvals.remember(
        ApprovalRecord(prompt_id="pmt1", run_id="run1", channel_id="C1", thread_ts="1.0")
    )
    reserved = await asyncio.gather(
        *(store.approvals.reserve_copy("pmt1", "C1", None) for store in fleet)
    )
    assert sorted(reserved) == [False, False, True]
