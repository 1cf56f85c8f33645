"""Posting and deciding over a real store with in-memory Airplane and Slack: locks that do not
leak, reviewer groups named by their members (Slack user groups expanded) or by their name."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from airplane_api.models import Prompt, User
from bot.approvals.decision import OutcomeKind
from bot.approvals.groups import ReviewerGroups
from bot.approvals.locks import PromptLocks
from bot.approvals.reviewers import Clicker, Intent
from bot.people.labels import People, person
from bot.store import Store

from .fakes import FakeClock, FakeSlack, build
from .harness import TrackedRun
from .prompts import prompt

GROUPS = {"ops": frozenset({"UCAROL", "SOPS"}), "nobody": frozenset({"SGONE"})}


@pytest.fixture
async def store() -> AsyncIterator[Store]:
    opened = await Store.open(":memory:")
    yield opened
    await opened.close()


def _gate(number: int, groups: list[str] | None = None) -> Prompt:
    return prompt(
        [],
        id=f"pmt_{number}",
        runID=f"run_{number}",
        reviewers={"users": ["bob@example.com"], "groups": groups or []},
    )


async def test_the_lock_table_is_empty_after_many_decisions(store: Store) -> None:
    """Twenty prompts, each shown twice and clicked four times at once (double clicks, a
    retry, a second approver): one decision each, and no lock or context is left behind."""
    parts = build(store)
    prompts = [_gate(n) for n in range(20)]
    for gate in prompts:
        parts.airplane.prompts[gate.id] = gate

    async def show_and_click(gate: Prompt) -> list[OutcomeKind]:
        tracked = TrackedRun(id=gate.run_id, channel="C1")
        await asyncio.gather(
            parts.posting.on_prompts(tracked, "1.0", [gate]),
            parts.posting.on_prompts(tracked, "1.0", [gate]),
        )
        outcomes = await asyncio.gather(
            *(
                parts.deciding.decide(gate.id, Clicker(user), intent, {})
                for user, intent in [
                    ("UBOB", Intent.APPROVE),
                    ("UBOB", Intent.APPROVE),
                    ("UBOB", Intent.APPROVE),
                    ("UBOB", Intent.REJECT),
                ]
            )
        )
        return [outcome.kind for outcome in outcomes]

    results = await asyncio.gather(*(show_and_click(gate) for gate in prompts))
    for kinds in results:
        assert kinds.count(OutcomeKind.DECIDED) == 1
    assert len(parts.airplane.decisions) == 20
    assert len(parts.posting.locks) == 0
    assert parts.posting.waiting() == 0


async def test_a_lock_is_dropped_even_when_its_waiter_is_cancelled() -> None:
    locks = PromptLocks()
    order: list[str] = []
    release = asyncio.Event()

    async def first() -> None:
        async with locks.hold("p"):
            order.append("first in")
            await release.wait()
            order.append("first out")

    async def second() -> None:
        async with locks.hold("p"):
            order.append("second in")

    holder = asyncio.create_task(first())
    await asyncio.sleep(0)
    waiter = asyncio.create_task(second())
    cancelled = asyncio.create_task(second())
    await asyncio.sleep(0)
    assert len(locks) == 1
    cancelled.cancel()
    release.set()
    await asyncio.gather(holder, waiter, cancelled, return_exceptions=True)
    assert order == ["first in", "first out", "second in"]
    assert len(locks) == 0


async def test_group_members_are_named_and_may_decide(store: Store) -> None:
    """`ops` maps to CAROL and the Slack user group SOPS (DAN): both are mentioned on the
    prompt and DMed, and DAN may decide as a member; `nobody` (an unreadable user group)
    shows as its name."""
    slack = FakeSlack(usergroups={"SOPS": frozenset({"UDAN"})})
    parts = build(store, slack=slack, reviewer_groups=GROUPS)
    gate = _gate(1, ["ops", "nobody"])
    parts.airplane.prompts[gate.id] = gate
    await parts.posting.on_prompts(TrackedRun(id="run_1", channel="C1"), "1.0", [gate])
    dms = sorted(channel for channel, _, thread in slack.posts if thread is None)
    assert dms == ["DUBOB", "DUCAROL", "DUDAN"]
    record = await store.approvals.get("pmt_1")
    assert record is not None
    context = await parts.posting.context_of(record, gate)
    assert context.group_members == {"ops": frozenset({"UCAROL", "UDAN"})}
    outcome = await parts.deciding.decide("pmt_1", Clicker("UDAN"), Intent.APPROVE, {})
    assert outcome.kind is OutcomeKind.DECIDED


async def test_user_groups_are_read_again_after_their_ttl() -> None:
    clock = FakeClock()
    members = {"SOPS": frozenset({"UDAN"})}
    calls: list[str] = []

    async def usergroup(group_id: str) -> frozenset[str] | None:
        calls.append(group_id)
        return members.get(group_id)

    groups = ReviewerGroups(GROUPS, usergroup, clock=clock, ttl=300.0)
    assert await groups.members("ops") == frozenset({"UCAROL", "UDAN"})
    members["SOPS"] = frozenset({"UERIN"})
    assert await groups.members("ops") == frozenset({"UCAROL", "UDAN"})  # kept within the ttl
    clock.advance(6)
    assert await groups.members("ops") == frozenset({"UCAROL", "UERIN"})
    assert calls == ["SOPS", "SOPS"]
    assert await groups.members("nobody") is None
    assert await groups.members("unmapped") is None


async def test_the_parent_names_a_reviewer_group_by_its_members() -> None:
    """The parent's "Waiting for approval from …" (tracking's `People`): a group whose
    members are known reads as their mentions; one that is not, as its name."""

    async def get_user(user_id: str) -> User:
        raise AssertionError("no Airplane user is looked up for a group")

    groups = ReviewerGroups(
        GROUPS, FakeSlack(usergroups={"SOPS": frozenset({"UDAN"})}).usergroup_members
    )
    people = People(get_user, None, groups.members)
    names = await people.names(["group:ops", "group:nobody", "group:unmapped"])
    assert person("group:ops", names) == "<@UCAROL>, <@UDAN>"
    assert person("group:nobody", names) == "group `nobody`"
    assert person("group:unmapped", names) == "group `unmapped`"
    without = await People(None, None).names(["group:ops"])
    assert person("group:ops", without) == "group `ops`"


async def test_contexts_of_prompts_decided_elsewhere_do_not_pile_up(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A prompt another replica decides is never closed here: the oldest contexts go."""
    monkeypatch.setattr("bot.approvals.posting.MAX_CONTEXTS", 3)
    parts = build(store)
    for number in range(5):
        gate = _gate(number)
        await parts.posting.on_prompts(TrackedRun(id=gate.run_id, channel="C1"), "1.0", [gate])
    assert parts.posting.waiting() == 3
