"""Starting a task run or runbook session for a Slack user: policy, once-only, audit, message.

decide (policy) -> refused? audit and say why
hold the request's lock -> already started by an earlier delivery? return that run
execute with the request's Idempotency-Key, acting for slack:<user>
record the run and follow it, in one transaction (first record wins) -> audit
-> the tracker posts the parent message at once: it is the parent's only writer and renderer
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..blocks.runs import RunSummary, run_link
from ..core import metrics
from ..core.errors import SlackRefused
from ..core.kinds import Kind
from ..people.labels import slack_email, slack_label
from ..people.policy import Requester, WhoMay
from ..slack.reads import reads_of
from ..slack.requests import idempotency_key
from ..store import AuditAction, AuditEntry, SlackRun
from ..tracking.model import Tracked
from ..wiring.services import Services

__all__ = [
    "LaunchRequest",
    "Launched",
    "Refused",
    "authorize",
    "launch",
    "summary_of",
    "tracked_of",
]

log = logging.getLogger("bot.launch")


@dataclass(frozen=True)
class LaunchRequest:
    """What to start, for whom, where its parent message goes, and the request's identity."""

    kind: Kind
    slug: str
    requester_id: str
    channel_id: str
    request_key: str
    values: Mapping[str, Any] = field(default_factory=dict)
    env: str | None = None
    name: str = ""


@dataclass(frozen=True)
class Launched:
    """The run; `fresh` is False when an earlier delivery of the same request started it."""

    run: SlackRun
    fresh: bool


@dataclass(frozen=True)
class Refused:
    """The policy said no, and who may instead."""

    reason: str
    who_may: WhoMay = field(default_factory=WhoMay)


async def _slack_groups(services: Services, user_id: str) -> frozenset[str]:
    """The policy's Slack user groups that `user_id` is in (unreadable groups count as not);
    their members are cached (`bot/slack/reads.py`), so a command costs no Slack call."""
    groups = set()
    for group in services.policy.slack_group_ids():
        try:
            members = await reads_of(services.slack).usergroup_members(group)
        except SlackRefused as refused:  # not cached: the next command asks again
            log.warning("cannot read user group %s: %s", group, refused.code)
            continue
        if user_id in members:
            groups.add(group)
    return frozenset(groups)


def summary_of(run: SlackRun, status: str, services: Services, name: str = "") -> RunSummary:
    """The parent message's content for a recorded run."""
    return RunSummary(
        run_id=run.run_id,
        slug=run.slug,
        status=status,
        name=name,
        requester_id=run.requester_id,
        env=run.env_slug or services.settings.airplane_env_slug,
        params=run.params,
        link=run_link(services.settings.airplane_app_url, run.run_id, run.kind),
        kind=run.kind,
    )


async def authorize(
    services: Services,
    kind: Kind,
    slug: str,
    user_id: str,
    channel_id: str | None,
    *,
    audit: bool = True,
) -> Refused | None:
    """None when the policy lets `user_id` start `slug` here; else the refusal, audited unless
    it only decides what a list shows (`audit=False`: nobody tried to start anything)."""
    groups = await _slack_groups(services, user_id)
    decision = services.policy.decide(Requester(user_id, channel_id, groups), kind, slug)
    if decision.allowed:
        return None
    if not audit:
        return Refused(decision.reason, decision.who_may)
    await services.store.audit.record(
        AuditEntry(
            AuditAction.REFUSED,
            user_id,
            slug,
            channel_id=channel_id,
            detail={"kind": kind.target, "reason": decision.reason},
        )
    )
    log.info("refused %s %s for %s: %s", kind.target, slug, user_id, decision.reason)
    metrics.policy_refused(kind.target)
    return Refused(decision.reason, decision.who_may)


async def launch(services: Services, request: LaunchRequest) -> Launched | Refused:
    """Start what `request` asks for, at most once per request identity."""
    refused = await authorize(
        services, request.kind, request.slug, request.requester_id, request.channel_id
    )
    if refused is not None:
        return refused
    async with services.guard.hold(request.request_key):
        earlier = await services.store.runs.by_request(request.request_key)
        if earlier is not None:
            log.info("request %s already started %s", request.request_key, earlier.run_id)
            return Launched(earlier, fresh=False)
        return await _start(services, request)


async def _start(services: Services, request: LaunchRequest) -> Launched:
    email = await slack_email(services.slack, request.requester_id)
    common: dict[str, Any] = {
        "param_values": dict(request.values),
        "env_slug": request.env,
        "idempotency_key": idempotency_key(request.request_key),
        "acting_for": slack_label(request.requester_id),
        "acting_for_email": email,
    }
    if request.kind is Kind.RUN:
        run_id = await services.airplane.execute_task(request.slug, **common)
    else:
        run_id = await services.airplane.execute_runbook(request.slug, **common)
    run = SlackRun(
        request_key=request.request_key,
        kind=request.kind,
        run_id=run_id,
        slug=request.slug,
        channel_id=request.channel_id,
        requester_id=request.requester_id,
        requester_email=email,
        env_slug=request.env,
        params=dict(request.values),
    )
    tracked = tracked_of(services, run, request.name)
    if not await services.store.record_and_follow(run, tracked):
        # Another delivery of this request recorded the run first; its tracker posts.
        found = await services.store.runs.get(run_id)
        return Launched(found or run, fresh=False)
    action = AuditAction.RUN if request.kind is Kind.RUN else AuditAction.RUNBOOK
    await services.store.audit.record(
        AuditEntry(
            action,
            request.requester_id,
            request.slug,
            channel_id=request.channel_id,
            run_id=run_id,
            detail={"params": dict(request.values), "env": request.env},
        )
    )
    log.info(
        "started %s %s as %s for %s",
        request.kind.target,
        request.slug,
        run_id,
        request.requester_id,
    )
    metrics.run_started(request.kind.target)
    if services.tracker is not None:
        # A task run starts Queued; a session is Active from its creation.
        initial = "Queued" if request.kind is Kind.RUN else "Active"
        await services.tracker.adopt(tracked, initial_status=initial)
    return Launched(run, fresh=True)


def tracked_of(services: Services, run: SlackRun, name: str = "") -> Tracked:
    """What the tracker follows for a run or session started from Slack."""
    return Tracked(
        kind=run.kind,
        id=run.run_id,
        channel=run.channel_id,
        label=run.slug,
        requested_by=run.requester_id,
        env=run.env_slug or services.settings.airplane_env_slug or "",
        link=summary_of(run, "", services).link or "",
        since=run.created_at.timestamp(),
        name=name,
        params=dict(run.params),
    )
