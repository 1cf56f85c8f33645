"""`/readyz`: is each dependency (store, Slack, Airplane) answering? Cached, so probes are cheap.

`/healthz` is liveness (the process serves HTTP) and never calls out. Readiness asks each
dependency one cheap question (store: `SELECT 1`; Slack: `auth.test`; Airplane: `auth/info`),
all at once, each within `timeout`; the answer is kept `ttl` seconds, and probes that arrive
while a check runs wait for that check instead of starting their own (`foundation.cache`).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from foundation.cache import CoalescingCache

from ..core import metrics
from ..core.logs import redact

if TYPE_CHECKING:
    from ..wiring.services import Services

__all__ = ["Readiness", "ReadyReport", "bot_readiness", "reason_of"]

Check = Callable[[], Awaitable[Any]]

# Kubernetes probes every 10 s by default; a few replicas and probes share one check per 5 s.
CACHE_SECONDS = 5.0
CHECK_TIMEOUT_SECONDS = 3.0
_MAX_REASON = 200


@dataclass(frozen=True)
class ReadyReport:
    """Which dependencies are down, and why (an empty `down` means ready)."""

    checked: tuple[str, ...]
    down: Mapping[str, str] = field(default_factory=dict)

    @property
    def ready(self) -> bool:
        """Every dependency answered."""
        return not self.down

    def body(self) -> dict[str, Any]:
        """The JSON `/readyz` answers with."""
        return {
            "ready": self.ready,
            "checks": {name: self.down.get(name, "ok") for name in self.checked},
            "down": sorted(self.down),
        }


def reason_of(error: BaseException, timeout: float) -> str:
    """A short, secret-free sentence for why a check failed."""
    if isinstance(error, TimeoutError):
        return f"no answer within {timeout:g} s"
    name = type(error).__name__
    text = f"{name}: {str(error).splitlines()[0]}" if str(error).strip() else name
    return redact(text)[:_MAX_REASON]


class Readiness:
    """Runs `checks` (name -> coroutine that raises when the dependency is down), cached."""

    def __init__(
        self,
        checks: Mapping[str, Check],
        *,
        ttl: float = CACHE_SECONDS,
        timeout: float = CHECK_TIMEOUT_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._checks = dict(checks)
        self._timeout = timeout
        # One entry: the last report, and the check in flight that every probe shares.
        self._reports: CoalescingCache[str, ReadyReport] = CoalescingCache(
            maxsize=1, ttl=ttl, timer=clock
        )

    async def report(self) -> ReadyReport:
        """The last report if younger than `ttl`, else a fresh one, shared by concurrent callers."""
        return await self._reports.get("report", self._check_all)

    async def _check_all(self) -> ReadyReport:
        names = list(self._checks)
        results = await asyncio.gather(*(self._check_one(self._checks[name]) for name in names))
        down = {name: reason for name, reason in zip(names, results, strict=True) if reason}
        for name in names:
            metrics.dependency_checked(name, name not in down)
        return ReadyReport(checked=tuple(names), down=down)

    async def _check_one(self, check: Check) -> str | None:
        try:
            await asyncio.wait_for(check(), self._timeout)
        except Exception as error:
            return reason_of(error, self._timeout)
        return None


def bot_readiness(services: Services) -> Readiness:
    """The bot's checks: its store, Slack (`auth.test`) and Airplane (`auth/info`)."""

    async def check_store() -> None:
        await services.store.db.fetch_one("SELECT 1")

    return Readiness(
        {
            "store": check_store,
            "slack": services.slack.auth_test,
            "airplane": services.airplane.auth_info,
        }
    )
