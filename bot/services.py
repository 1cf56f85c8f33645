"""`Services`: everything a listener needs, built once and handed to every `register`."""

from __future__ import annotations

from dataclasses import dataclass, field

from slack_sdk.web.async_client import AsyncWebClient

from airplane_api import AirplaneClient

from .catalog import TaskCatalog
from .config import Settings
from .policy import Policy, load_policy
from .requests import RequestGuard
from .store import Store

__all__ = ["Services", "airplane_client", "open_services", "slack_client"]


@dataclass(frozen=True)
class Services:
    """Injected dependencies of the app. Tracking and approvals add their own fields."""

    settings: Settings
    airplane: AirplaneClient
    store: Store
    slack: AsyncWebClient
    policy: Policy
    catalog: TaskCatalog = field(default_factory=TaskCatalog)
    guard: RequestGuard = field(default_factory=RequestGuard)

    async def aclose(self) -> None:
        """Close what `open_services` opened."""
        await self.airplane.aclose()
        await self.store.close()


def slack_client(settings: Settings) -> AsyncWebClient:
    """The Web API client, pointed at `SLACK_API_URL` (an emulator in tests)."""
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    base_url = settings.slack_api_url
    if not base_url.endswith("/"):
        base_url += "/"
    return AsyncWebClient(token=token, base_url=base_url)


def airplane_client(settings: Settings) -> AirplaneClient:
    """The Airplane client from `AIRPLANE_*` settings."""
    if settings.airplane_api_key is None:
        raise ValueError("AIRPLANE_API_KEY is not set")
    return AirplaneClient(
        settings.airplane_api_key.get_secret_value(),
        host=settings.airplane_api_host,
        env_slug=settings.airplane_env_slug,
        team_id=settings.airplane_team_id,
    )


async def open_services(settings: Settings) -> Services:
    """Open the store, load the policy and create the clients."""
    policy = load_policy(settings.bot_policy)
    store = await Store.open(settings.bot_db)
    return Services(
        settings=settings,
        airplane=airplane_client(settings),
        store=store,
        slack=slack_client(settings),
        policy=policy,
    )
