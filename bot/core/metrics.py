"""The bot's Prometheus metrics: every metric it exposes is defined here, and only here.

Conventions (docs/operations.md lists each metric): names start with `airplane_bot_`,
counters end in `_total`, durations are histograms in `_seconds`; labels take a few known
values (a Slack method, an endpoint, a status, a kind), never a user, run, prompt or channel ID.

Code elsewhere calls the small functions below (`command_handled`, `run_started`, ...) rather
than touching the metric objects, so names and labels are decided in this one module. The
tracker-side functions (`run_end_shown`, `prompt_shown`, `set_items_followed`, the Slack queue,
budget and lease ones) are for `bot/tracking/`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from prometheus_client import Counter, Gauge, Histogram

from foundation import metrics as prometheus

__all__ = [
    "CONTENT_TYPE",
    "REGISTRY",
    "AirplaneCallMetrics",
    "approval_decided",
    "change_slack_queue_depth",
    "command_handled",
    "dependency_checked",
    "exposition",
    "interaction",
    "lease_taken_over",
    "policy_refused",
    "prompt_shown",
    "request_budget_waited",
    "run_end_shown",
    "run_ended",
    "run_started",
    "set_items_followed",
    "set_leases_owned",
    "set_slack_budget",
    "slack_budget_refused",
    "slack_call",
    "slack_call_shed",
    "slack_queue_waited",
    "slack_rate_limited",
]

# The bot's own registry (not prometheus_client's global one): `airplane-bot dev` runs airfield
# in the same process, and each must expose only its own metrics (`foundation.metrics`).
REGISTRY = prometheus.Registry()

CONTENT_TYPE = prometheus.CONTENT_TYPE

# Calls to Slack and Airplane: 5 ms to 30 s (Airplane's deadline is about that).
_CALL_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
# Waits in a queue (outbox, request budget): from nothing to a minute.
_WAIT_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0)
# What people see late: the tracker's goal is a few seconds, an outage is minutes.
_LAG_BUCKETS = (0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0, 300.0, 600.0)


# -- Slack requests to the bot ------------------------------------------------------------

_COMMANDS = Counter(
    "airplane_bot_commands_total",
    "Slash commands handled, by subcommand and outcome (ok, usage_error, error).",
    ["command", "outcome"],
    registry=REGISTRY,
)
_INTERACTIONS = Counter(
    "airplane_bot_interactions_total",
    "Buttons, modals, shortcuts and events handled, by kind and outcome (ok, error).",
    ["kind", "outcome"],
    registry=REGISTRY,
)


def command_handled(command: str, outcome: str) -> None:
    """A slash command (`run`, `status`, ...; `invalid` when unparsable) ended in `outcome`."""
    _COMMANDS.labels(command, outcome).inc()


@contextmanager
def interaction(kind: str) -> Iterator[None]:
    """Count the block as one interaction of `kind`: `error` if it raises, else `ok`."""
    try:
        yield
    except BaseException:
        _INTERACTIONS.labels(kind, "error").inc()
        raise
    _INTERACTIONS.labels(kind, "ok").inc()


# -- runs and approvals -------------------------------------------------------------------

_RUNS_STARTED = Counter(
    "airplane_bot_runs_started_total",
    "Runs (kind=task) and sessions (kind=runbook) the bot started.",
    ["kind"],
    registry=REGISTRY,
)
_RUNS_ENDED = Counter(
    "airplane_bot_runs_ended_total",
    "Followed runs and sessions seen ending, by final status.",
    ["status"],
    registry=REGISTRY,
)
_REFUSALS = Counter(
    "airplane_bot_policy_refusals_total",
    "Requests the policy refused (start or cancel), by target kind (task, runbook).",
    ["kind"],
    registry=REGISTRY,
)
_APPROVALS = Counter(
    "airplane_bot_approvals_total",
    "Approval clicks, by intent (approve, reject) and outcome (decided, refused, elsewhere:"
    " decided outside this click, invalid, busy, unknown, failed).",
    ["intent", "outcome"],
    registry=REGISTRY,
)


def run_started(kind: str) -> None:
    """The bot started a run (`task`) or a session (`runbook`)."""
    _RUNS_STARTED.labels(kind).inc()


def run_ended(status: str) -> None:
    """The tracker saw a followed run or session end (`Succeeded`, `Failed`, `Cancelled`)."""
    _RUNS_ENDED.labels(status).inc()


def policy_refused(kind: str) -> None:
    """The policy refused a request about a `task` or `runbook`."""
    _REFUSALS.labels(kind).inc()


def approval_decided(intent: str, outcome: str) -> None:
    """An approval click (`approve`/`reject`) came to `outcome` (an `OutcomeKind` value)."""
    _APPROVALS.labels(intent, outcome).inc()


# -- calls the bot makes ------------------------------------------------------------------

_SLACK_CALLS = Counter(
    "airplane_bot_slack_api_calls_total",
    "Slack Web API calls by method and outcome (ok, ratelimited, error, transport_error).",
    ["method", "outcome"],
    registry=REGISTRY,
)
_SLACK_SECONDS = Histogram(
    "airplane_bot_slack_api_call_duration_seconds",
    "Time a Slack Web API call took, by method.",
    ["method"],
    buckets=_CALL_BUCKETS,
    registry=REGISTRY,
)
_AIRPLANE_REQUESTS = Counter(
    "airplane_bot_airplane_requests_total",
    "Airplane API attempts by endpoint and status (an HTTP status, or transport_error).",
    ["endpoint", "status"],
    registry=REGISTRY,
)
_AIRPLANE_RETRIES = Counter(
    "airplane_bot_airplane_retries_total",
    "Airplane API attempts tried again, by endpoint and the status that caused it.",
    ["endpoint", "status"],
    registry=REGISTRY,
)
_AIRPLANE_SECONDS = Histogram(
    "airplane_bot_airplane_request_duration_seconds",
    "Time one Airplane API attempt took, by endpoint.",
    ["endpoint"],
    buckets=_CALL_BUCKETS,
    registry=REGISTRY,
)


def slack_call(method: str, outcome: str, seconds: float) -> None:
    """A Slack Web API call (`chat.postMessage`) ended in `outcome` after `seconds`."""
    _SLACK_CALLS.labels(method, outcome).inc()
    _SLACK_SECONDS.labels(method).observe(seconds)


class AirplaneCallMetrics:
    """`airplane_api.CallObserver` recording into the metrics above."""

    def attempt(self, method: str, path: str, outcome: str, duration: float) -> None:
        """One attempt at `path` answered `outcome` after `duration` seconds."""
        _AIRPLANE_REQUESTS.labels(path, outcome).inc()
        _AIRPLANE_SECONDS.labels(path).observe(duration)

    def retry(self, method: str, path: str, outcome: str) -> None:
        """An attempt at `path` that answered `outcome` will be tried again."""
        _AIRPLANE_RETRIES.labels(path, outcome).inc()


# -- readiness ----------------------------------------------------------------------------

_DEPENDENCY_UP = Gauge(
    "airplane_bot_dependency_up",
    "1 when the last readiness check of a dependency (store, slack, airplane) passed, else 0.",
    ["dependency"],
    registry=REGISTRY,
)


def dependency_checked(dependency: str, up: bool) -> None:
    """A readiness check of `dependency` passed (`up`) or failed."""
    _DEPENDENCY_UP.labels(dependency).set(1 if up else 0)


# -- the tracker (bot/tracking/) ----------------------------------------------------------

_RUN_END_LAG = Histogram(
    "airplane_bot_tracker_run_end_lag_seconds",
    "From a run's or session's end (its updatedAt) to the Slack edit that shows it.",
    buckets=_LAG_BUCKETS,
    registry=REGISTRY,
)
_PROMPT_LAG = Histogram(
    "airplane_bot_tracker_prompt_lag_seconds",
    "From a prompt's creation (its createdAt) to the Slack message that asks for it.",
    buckets=_LAG_BUCKETS,
    registry=REGISTRY,
)
_ITEMS_FOLLOWED = Gauge(
    "airplane_bot_tracker_items_followed",
    "Runs (kind=run) and sessions (kind=session) the tracker follows now.",
    ["kind"],
    registry=REGISTRY,
)
_SLACK_QUEUE_DEPTH = Gauge(
    "airplane_bot_slack_queue_depth",
    "Slack Web API calls waiting for their method's workspace budget now, by method and priority.",
    ["method", "priority"],
    registry=REGISTRY,
)
_SLACK_QUEUE_WAIT = Histogram(
    "airplane_bot_slack_queue_wait_seconds",
    "From a Slack call entering its method's queue to the call starting, by priority.",
    ["priority"],
    buckets=_WAIT_BUCKETS,
    registry=REGISTRY,
)
_SLACK_BUDGET = Gauge(
    "airplane_bot_slack_budget_per_minute",
    "Calls a minute the bot paces a method at: Slack's workspace tier, less one token of burst.",
    ["method"],
    registry=REGISTRY,
)
_SLACK_BUDGET_REFUSED = Counter(
    "airplane_bot_slack_budget_refusals_total",
    "Takes from the budget held in the database refused, by method: replicas had spent it, and"
    " the call waited for the next token.",
    ["method"],
    registry=REGISTRY,
)
_SLACK_RATE_LIMITED = Counter(
    "airplane_bot_slack_rate_limited_total",
    "429s from Slack by method: each paused the method for the workspace (0 when paced right).",
    ["method"],
    registry=REGISTRY,
)
_SLACK_SHED = Counter(
    "airplane_bot_slack_calls_shed_total",
    "Slack calls not made as queued, by method and reason (folded: into a newer edit of the"
    " same message; dropped_backlog: a cosmetic call dropped under a backlog).",
    ["method", "reason"],
    registry=REGISTRY,
)
_BUDGET_WAIT = Histogram(
    "airplane_bot_request_budget_wait_seconds",
    "Time an Airplane request waited for the tracker's request budget, by lane.",
    ["lane"],
    buckets=_WAIT_BUCKETS,
    registry=REGISTRY,
)
_LEASES_OWNED = Gauge(
    "airplane_bot_tracker_leases_owned",
    "Followed items whose lease this replica holds now.",
    registry=REGISTRY,
)
_LEASE_TAKEOVERS = Counter(
    "airplane_bot_tracker_lease_takeovers_total",
    "Leases this replica took over from another whose lease had expired.",
    registry=REGISTRY,
)


def run_end_shown(seconds: float) -> None:
    """The Slack edit showing a run's end landed `seconds` after the run ended."""
    _RUN_END_LAG.observe(max(seconds, 0.0))


def prompt_shown(seconds: float) -> None:
    """A prompt's Slack message was posted `seconds` after the prompt was created."""
    _PROMPT_LAG.observe(max(seconds, 0.0))


def set_items_followed(kind: str, count: int) -> None:
    """The tracker follows `count` items of `kind` (`run` or `session`) now."""
    _ITEMS_FOLLOWED.labels(kind).set(count)


def change_slack_queue_depth(method: str, priority: str, change: int) -> None:
    """`change` calls of `method` at `priority` joined (+) or left (-) the queue."""
    _SLACK_QUEUE_DEPTH.labels(method, priority).inc(change)


def slack_queue_waited(priority: str, waited: float) -> None:
    """A call of `priority` left its queue after waiting `waited` seconds."""
    _SLACK_QUEUE_WAIT.labels(priority).observe(max(waited, 0.0))


def set_slack_budget(method: str, per_minute: float) -> None:
    """The bot calls `method` at most `per_minute` times a minute."""
    _SLACK_BUDGET.labels(method).set(per_minute)


def slack_budget_refused(method: str) -> None:
    """A take from the held budget was refused: other replicas had spent it."""
    _SLACK_BUDGET_REFUSED.labels(method).inc()


def slack_rate_limited(method: str) -> None:
    """Slack answered a call of `method` with 429."""
    _SLACK_RATE_LIMITED.labels(method).inc()


def slack_call_shed(method: str, reason: str) -> None:
    """A queued call of `method` was folded or dropped, for `reason`."""
    _SLACK_SHED.labels(method, reason).inc()


def request_budget_waited(lane: str, seconds: float) -> None:
    """An Airplane request of `lane` waited `seconds` for the request budget."""
    _BUDGET_WAIT.labels(lane).observe(max(seconds, 0.0))


def set_leases_owned(count: int) -> None:
    """This replica holds `count` leases now."""
    _LEASES_OWNED.set(count)


def lease_taken_over() -> None:
    """This replica took over one expired lease."""
    _LEASE_TAKEOVERS.inc()


# -- exposition ---------------------------------------------------------------------------


def exposition() -> bytes:
    """Every metric in Prometheus' text format (serve with `CONTENT_TYPE`)."""
    return prometheus.exposition(REGISTRY)
