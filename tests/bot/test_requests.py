"""Request identities and the Idempotency-Keys derived from them."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from bot.slack.requests import RequestGuard, command_request_key, idempotency_key, view_request_key


def test_command_identity_is_its_trigger() -> None:
    """Only the team and trigger_id make a command's identity: whatever else a delivery carries
    (a fresh response_url, retry bookkeeping, other text) does not change it or its key."""
    body = {
        "team_id": "T1",
        "trigger_id": "123.456.abc",
        "text": "run hello",
        "response_url": "https://hooks.slack.com/commands/T1/1/a",
    }
    redelivered = {
        **body,
        "text": "run hello name=again",
        "response_url": "https://hooks.slack.com/commands/T1/2/b",
        "retry_attempt": 1,
    }
    other_trigger = {**body, "trigger_id": "123.457.def"}
    other_team = {**body, "team_id": "T2"}
    assert command_request_key(redelivered) == command_request_key(body)
    assert idempotency_key(command_request_key(redelivered)) == idempotency_key(
        command_request_key(body)
    )
    assert command_request_key(body) == "command:T1:123.456.abc"
    keys = {command_request_key(b) for b in (body, other_trigger, other_team)}
    assert len(keys) == 3
    assert len({idempotency_key(k) for k in keys}) == 3
    assert uuid.UUID(idempotency_key("x")).version == 5


def test_view_identity_prefers_the_form_id() -> None:
    """A form's own ID wins over the view ID; without one the view ID is used."""
    body = {"team": {"id": "T1"}, "view": {"id": "V1"}}
    assert view_request_key(body, "f00") == "form:f00"
    assert view_request_key(body) == "view:T1:V1"
    with pytest.raises(ValueError, match=r"view\.id"):
        view_request_key({})
    with pytest.raises(ValueError, match="trigger_id"):
        command_request_key({"team_id": "T1"})


async def test_guard_serialises_one_identity_only() -> None:
    """Holders of one identity queue up; another identity is not blocked."""
    guard = RequestGuard()
    order: list[str] = []
    first_in = asyncio.Event()
    release = asyncio.Event()

    async def first() -> None:
        async with guard.hold("a"):
            order.append("first in")
            first_in.set()
            await release.wait()
            order.append("first out")

    async def second() -> None:
        await first_in.wait()
        async with guard.hold("a"):
            order.append("second in")

    async def other() -> None:
        await first_in.wait()
        async with guard.hold("b"):
            order.append("other in")
        release.set()

    await asyncio.gather(first(), second(), other())
    assert order == ["first in", "other in", "first out", "second in"]
