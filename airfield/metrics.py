"""airfield's Prometheus metrics (`GET /metrics`): requests, runs, prompts, the process.

Counters and histograms are recorded by the request pipeline as requests pass; the gauges of
what the database holds (runs by status, open prompts) are read from it when scraped, so they
are never out of step with the API. Labels are the route (the endpoint's path, never a raw
URL), the HTTP status and a run status: a few values each.
"""

from __future__ import annotations

from datetime import UTC, datetime

from prometheus_client import Counter, Gauge, Histogram

from foundation import metrics as prometheus

from .store import Store

__all__ = ["CONTENT_TYPE", "AirfieldMetrics"]

CONTENT_TYPE = prometheus.CONTENT_TYPE
_SECONDS_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
# Every status a run can have, so a status with no runs reads 0 rather than vanishing.
RUN_STATUSES = ("Queued", "Active", "Succeeded", "Failed", "Cancelled")


class AirfieldMetrics:
    """One server's metrics, in a registry of their own (tests run several servers at once)."""

    def __init__(self) -> None:
        # With the process's own figures, without `_created` series (foundation.metrics).
        self.registry = prometheus.Registry()
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

        # A cluster's node (PostgreSQL): claims and leases as this node sees them.
        self._node = Gauge(
            "airfield_node_info",
            "This process: its node ID and whether it runs tasks (1 per process).",
            ["node", "worker"],
            registry=self.registry,
        )
        self._claims = Counter(
            "airfield_claims_total",
            "Queued runs this node claimed to run.",
            registry=self.registry,
        )
        self._lease_losses = Counter(
            "airfield_lease_losses_total",
            "Runs this node held that another node ended while it ran them (a lapsed lease,"
            " or a cancel seen by the lease renewal rather than a notice).",
            registry=self.registry,
        )
        self._lapsed = Counter(
            "airfield_lost_worker_runs_total",
            "Runs this node's sweeper failed because their worker's lease lapsed, by worker.",
            ["worker"],
            registry=self.registry,
        )
        self._queue_depth = Gauge(
            "airfield_queue_depth",
            "Queued runs no worker has claimed yet (shared database only).",
            registry=self.registry,
        )
        self._by_worker = Gauge(
            "airfield_runs_by_worker",
            "Runs each worker holds now, queued-claimed or active (shared database only).",
            ["worker"],
            registry=self.registry,
        )
        self._known_workers: set[str] = set()

    def node(self, node_id: str, runs_tasks: bool) -> None:
        """Name this process in its metrics."""
        self._node.labels(node_id, "true" if runs_tasks else "false").set(1)

    def claimed(self, count: int) -> None:
        """This node claimed `count` queued runs."""
        self._claims.inc(count)

    def lease_lost(self) -> None:
        """A run this node held was ended by another node."""
        self._lease_losses.inc()

    def lease_lapsed(self, worker_id: str) -> None:
        """This node's sweeper failed a run of a lost worker."""
        self._lapsed.labels(worker_id).inc()

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
        if store.db.shared:
            self._queue_depth.set(await store.claims.queue_depth())
            held = await store.claims.held_by_worker()
            for worker in self._known_workers - set(held):
                self._by_worker.labels(worker).set(0)  # a worker that holds nothing now
            self._known_workers |= set(held)
            for worker, count in held.items():
                self._by_worker.labels(worker).set(count)
        return prometheus.exposition(self.registry)


def _age_seconds(stored: str) -> float:
    """Seconds since a stored timestamp (`2022-01-11T22:32:45.601486Z`)."""
    created = datetime.fromisoformat(stored.replace("Z", "+00:00"))
    return max((datetime.now(UTC) - created).total_seconds(), 0.0)
