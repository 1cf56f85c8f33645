"""airfield's Prometheus metrics (`GET /metrics`): requests, runs, prompts, the process.

Counters and histograms are recorded by the request pipeline as requests pass; the gauges of
what the database holds (runs by status, open prompts) are read from it when scraped, so they
are never out of step with the API. Labels are the route (the endpoint's path, never a raw
URL), the HTTP status and a run status: a few values each.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import prometheus_client
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    ProcessCollector,
    generate_latest,
)

from .store import Store

__all__ = ["CONTENT_TYPE", "AirfieldMetrics"]

CONTENT_TYPE = CONTENT_TYPE_LATEST
# No `_created` series beside every counter and histogram: they double the output and no
# dashboard or alert here reads them. (A typed name for the unannotated library function.)
_disable_created_series: Callable[[], None] = (
    prometheus_client.disable_created_metrics
)  # unannotated
_disable_created_series()
_SECONDS_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
# Every status a run can have, so a status with no runs reads 0 rather than vanishing.
RUN_STATUSES = ("Queued", "Active", "Succeeded", "Failed", "Cancelled")


class AirfieldMetrics:
    """One server's metrics, in a registry of their own (tests run several servers at once)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        # process_start_time_seconds, CPU seconds, resident memory, open file descriptors.
        ProcessCollector(registry=self.registry)
        self._requests = Counter(
            "airfield_requests_total",
            "API requests by route, method and HTTP status (429: rate limited).",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self._seconds = Histogram(
            "airfield_request_duration_seconds",
            "Time from a request's arrival to its response, by route.",
            ["route"],
            buckets=_SECONDS_BUCKETS,
            registry=self.registry,
        )
        self._replays = Counter(
            "airfield_idempotent_replays_total",
            "POSTs answered from a stored response for a repeated Idempotency-Key, by route.",
            ["route"],
            registry=self.registry,
        )
        self._runs = Gauge(
            "airfield_runs",
            "Runs stored now, by status (Queued and Active are the ones in progress).",
            ["status"],
            registry=self.registry,
        )
        self._prompts_open = Gauge(
            "airfield_prompts_open",
            "Prompts waiting for an answer now.",
            registry=self.registry,
        )
        self._oldest_prompt_age = Gauge(
            "airfield_prompts_open_oldest_age_seconds",
            "How long the oldest open prompt has waited (0 when none waits).",
            registry=self.registry,
        )

    def request(self, route: str, method: str, status: int, seconds: float) -> None:
        """A request to `route` was answered with `status` after `seconds`."""
        self._requests.labels(route, method, str(status)).inc()
        self._seconds.labels(route).observe(seconds)

    def idempotent_replay(self, route: str) -> None:
        """A repeated Idempotency-Key was answered from its stored response."""
        self._replays.labels(route).inc()

    async def exposition(self, store: Store) -> bytes:
        """Every metric in Prometheus' text format, the database gauges read now."""
        counts = await store.runs.count_by_status()
        for status in (*RUN_STATUSES, *(s for s in counts if s not in RUN_STATUSES)):
            self._runs.labels(status).set(counts.get(status, 0))
        count, oldest = await store.prompts.open_summary()
        self._prompts_open.set(count)
        self._oldest_prompt_age.set(_age_seconds(oldest) if oldest else 0.0)
        return generate_latest(self.registry)


def _age_seconds(stored: str) -> float:
    """Seconds since a stored timestamp (`2022-01-11T22:32:45.601486Z`)."""
    created = datetime.fromisoformat(stored.replace("Z", "+00:00"))
    return max((datetime.now(UTC) - created).total_seconds(), 0.0)
