"""Settings from the environment and a `.env` file (names in design section 2)."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from airplane_api import DEFAULT_HOST

from ..blocks.help import DEFAULT_COMMAND
from ..store.location import parse_location
from ..store.postgres import DEFAULT_POOL_SIZE

__all__ = ["Mode", "Settings", "missing_settings"]


class Mode(StrEnum):
    """How the bot meets Slack: a Socket Mode WebSocket, or HTTP requests on `PORT`."""

    SOCKET = "socket"
    HTTP = "http"


class Settings(BaseSettings):
    """Everything the bot is configured with. Secrets are `SecretStr`: no repr or log shows them."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", frozen=True)

    slack_bot_token: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"

    airplane_api_key: SecretStr | None = None
    airplane_api_host: str = DEFAULT_HOST
    airplane_env_slug: str | None = None
    airplane_team_id: str | None = None
    airplane_app_url: str | None = None

    # A file path or sqlite:PATH (one replica), or postgresql://... (any number of replicas).
    bot_db: str = "airplane-bot.db"
    # PostgreSQL connections per replica (the server needs replicas x this).
    bot_db_pool_size: int = Field(default=DEFAULT_POOL_SIZE, ge=1)
    # How long a replica's lease on a followed run lasts unrenewed: the failover time.
    bot_lease_seconds: float = Field(default=15.0, gt=0)
    bot_command: str = DEFAULT_COMMAND
    bot_policy: str | None = None
    # HTTP mode: POST /slack/events and GET /healthz (the public port Slack reaches).
    port: int = 3000
    # Both modes: the operators' listener (/metrics, /readyz, /healthz), never on PORT; 0 turns
    # it off. Loopback by default: probes and scrapes from outside the host or pod need
    # METRICS_HOST=0.0.0.0 (on a port kept off the public network).
    metrics_port: int = 3001
    metrics_host: str = "127.0.0.1"

    # Tracking: Airplane requests per second the tracker may spend; "per_run" skips runs/list.
    tracker_requests_per_second: float = 20.0
    tracker_feed: str = "auto"
    # @-mention whoever started a run when it ends (rejections and decisions always mention).
    mention_requester_on_end: bool = True
    # Remind reviewers of a prompt still pending after this many minutes, at most so many times.
    approval_reminder_minutes: float = Field(default=30.0, gt=0)
    approval_reminders: int = Field(default=3, ge=0)
    log_format: str = "text"
    log_level: str = "INFO"

    @field_validator("bot_db")
    @classmethod
    def _known_location(cls, value: str) -> str:
        parse_location(value)  # raises InvalidLocation (a ValueError) saying what works
        return value

    @property
    def mode(self) -> Mode:
        """Socket Mode when an app-level token is set, else HTTP mode."""
        return Mode.SOCKET if _present(self.slack_app_token) else Mode.HTTP


def _present(value: SecretStr | None) -> bool:
    return value is not None and bool(value.get_secret_value().strip())


# What each mode cannot start without, by environment variable name.
_REQUIRED: dict[Mode, tuple[str, ...]] = {
    Mode.SOCKET: ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "AIRPLANE_API_KEY"),
    Mode.HTTP: ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "AIRPLANE_API_KEY"),
}


def missing_settings(settings: Settings, mode: Mode | None = None) -> list[str]:
    """The environment variables `mode` (default: the configured one) needs and lacks."""
    chosen = mode or settings.mode
    missing: list[str] = []
    for name in _REQUIRED[chosen]:
        value = getattr(settings, name.lower())
        if not _present(value):
            missing.append(name)
    return missing
