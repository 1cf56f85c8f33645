"""`Services`: everything a listener needs, built once and handed to every `register`."""

from __future__ import annotations

from dataclasses import dataclass, field

import aiohttp
from slack_sdk.web.async_client import AsyncWebClient

from airplane_api import AirplaneClient

from ..airplane.catalog import TaskCatalog
from ..airplane.transport import BoundedTransport
from ..approvals.directory import SlackDirectory
from ..approvals.service import Approvals
from ..core.metrics import AirplaneCallMetrics
from ..people.labels import People
from ..people.policy import Policy, load_policy
from ..slack.client import SlackClient
from ..slack.requests import InFlight, RequestGuard
from ..store import Store
from ..store.leases import new_holder_id
from ..store.leasing import StoreLeasing
from ..tracking.ports import PromptSink
from ..tracking.slack import SlackWebWriter
from ..tracking.tracker import Tracker, TrackerSettings
from .config import Settings

__all__ = ["Services", "airplane_client", "build_tracker", "open_services", "slack_client"]

# Airplane calls in flight at once; more wait their turn (see bot/airplane/transport.py for why).
AIRPLANE_CONCURRENCY = 32


@dataclass(frozen=True)
class Services:
    """Injected dependencies of the app. Tracking and approvals add their own fields."""

    settings: Settings
    airplane: AirplaneClient
    store: Store
    slack: AsyncWebClient
    policy: Policy
    # The approvals side, the one way in to it (listeners, App Home, the upkeep, the tracker).
    approvals: Approvals
    catalog: TaskCatalog = field(default_factory=TaskCatalog)
    guard: RequestGuard = field(default_factory=RequestGuard)
    tracker: Tracker | None = None
    inflight: InFlight = field(default_factory=InFlight)
    # This process as a lease holder among the replicas sharing the store.
    holder: str = field(default_factory=new_holder_id)
    # Who a label is (a mention or a name), cached: shared by the tracker and the commands.
    people: People = field(default_factory=lambda: People(None, None))

    async def aclose(self) -> None:
        """Close what `open_services` opened."""
        if self.tracker is not None:
            await self.tracker.stop()
        scheduler = getattr(self.slack, "scheduler", None)
        if scheduler is not None:
            await scheduler.aclose()
        await self.airplane.aclose()
        await self.store.close()
        session = self.slack.session
        if session is not None and not session.closed:
            await session.close()


def slack_client(settings: Settings, session: aiohttp.ClientSession | None = None) -> SlackClient:
    """The Web API client, pointed at `SLACK_API_URL` (an emulator in tests).

    Pass one shared aiohttp session: without it slack_sdk opens a session (and a connection)
    per call, which under a burst of work costs enough CPU to delay other requests' acks.
    """
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    base_url = settings.slack_api_url
    if not base_url.endswith("/"):
        base_url += "/"
    # Every call waits for its method's workspace budget, clipped to Slack's limits and
    # measured (bot/slack/client.py).
    return SlackClient(token=token, base_url=base_url, session=session)


def airplane_client(settings: Settings) -> AirplaneClient:
    """The Airplane client from `AIRPLANE_*` settings."""
    if settings.airplane_api_key is None:
        raise ValueError("AIRPLANE_API_KEY is not set")
    return AirplaneClient(
        settings.airplane_api_key.get_secret_value(),
        host=settings.airplane_api_host,
        env_slug=settings.airplane_env_slug,
        team_id=settings.airplane_team_id,
        transport=BoundedTransport(AIRPLANE_CONCURRENCY),
        observer=AirplaneCallMetrics(),
    )


async def open_services(settings: Settings) -> Services:
    """Open the store, load the policy and create the clients."""
    holder = new_holder_id()
    policy = load_policy(settings.bot_policy)
    store = await Store.open(settings.bot_db, pool_size=settings.bot_db_pool_size)
    airplane = airplane_client(settings)
    slack = slack_client(settings, aiohttp.ClientSession())
    if store.shared:
        # Replicas on one database spend one workspace's Slack budget: take it from there.
        slack.scheduler.held = store.budgets
    directory = SlackDirectory(slack)
    approvals = Approvals(
        store=store,
        airplane=airplane,
        slack=slack,
        reviewer_groups=policy.reviewer_groups,
        directory=directory,
        reminder_after=settings.approval_reminder_minutes * 60,
        reminders=settings.approval_reminders,
    )
    # The parent's "Waiting for approval from …" names a reviewer group's members (issue 16).
    people = People(airplane.get_user, directory.user_of, approvals.groups.members)
    return Services(
        settings=settings,
        airplane=airplane,
        store=store,
        slack=slack,
        policy=policy,
        tracker=build_tracker(
            settings,
            airplane,
            store,
            slack,
            holder=holder,
            prompt_sink=approvals.posting,
            people=people,
        ),
        people=people,
        approvals=approvals,
        holder=holder,
    )


def build_tracker(
    settings: Settings,
    airplane: AirplaneClient,
    store: Store,
    slack: AsyncWebClient,
    *,
    holder: str,
    prompt_sink: PromptSink | None = None,
    people: People | None = None,
) -> Tracker:
    """The run tracker on the bot's store; started with the app (`serve_services`)."""
    rate = settings.tracker_requests_per_second
    per_run = settings.tracker_feed == "per_run"
    tracker_settings = TrackerSettings(
        requests_per_second=rate,
        feed="per_run" if per_run else "auto",
        mention_requester_on_end=settings.mention_requester_on_end,
        command=settings.bot_command,
    )
    return Tracker(
        airplane,
        store.tracking,
        SlackWebWriter(slack),
        tracker_settings,
        scheduler=getattr(slack, "scheduler", None),
        prompt_sink=prompt_sink,
        # Leases let any number of replicas share the store: one works each item.
        leasing=StoreLeasing(store.leases, holder, settings.bot_lease_seconds),
        people=people,
    )
