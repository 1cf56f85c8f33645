"""Retries, waits, the deadline and error mapping, as the client lives them."""

from __future__ import annotations

import logging
from datetime import timedelta
from email.utils import format_datetime

import httpx
import pytest

from airplane_api import (
    AirplaneClient,
    APIError,
    ConflictError,
    DeadlineExceeded,
    ForbiddenError,
    InvalidRequestError,
    InvalidResponseError,
    NotFoundError,
    RateLimitedError,
    RetryPolicy,
    ServerError,
    TransportError,
    UnauthorizedError,
)

from .conftest import MakeClient
from .fake_api import API_KEY, FakeAirplane, FakeClock, error_response, lost


async def test_retry_after_seconds(
    client: AirplaneClient, fake: FakeAirplane, clock: FakeClock
) -> None:
    """A 429 with `Retry-After: 7` waits exactly 7 s (through the injected sleep), then succeeds."""
    fake.script(
        "runs/get", error_response(429, {"error": "slow down"}, headers={"Retry-After": "7"})
    )
    run = await client.get_run("run1")
    assert run.id == "run20220111zlq2ig4"
    assert clock.sleeps == [7.0]
    assert len(fake.requests) == 2


async def test_retry_after_http_date(
    client: AirplaneClient, fake: FakeAirplane, clock: FakeClock
) -> None:
    """A `Retry-After` HTTP date is read against the clock's now."""
    when = format_datetime(clock.now() + timedelta(seconds=12), usegmt=True)
    fake.script("runs/get", error_response(503, "", headers={"Retry-After": when}))
    await client.get_run("run1")
    assert clock.sleeps == [12.0]


async def test_backoff_without_retry_after(
    make_client: MakeClient, fake: FakeAirplane, clock: FakeClock
) -> None:
    """Without `Retry-After` the waits grow exponentially up to the policy's cap."""
    client = make_client(retry=RetryPolicy(max_attempts=5, base_delay=1, max_delay=3, jitter=False))
    fake.script("runs/get", *[error_response(502, "bad gateway")] * 4)
    await client.get_run("run1")
    assert clock.sleeps == [1.0, 2.0, 3.0, 3.0]


async def test_backoff_is_full_jitter(
    make_client: MakeClient, fake: FakeAirplane, clock: FakeClock
) -> None:
    """With jitter (the default), each wait is drawn from [0, ceiling) of the exponential ceiling:
    never the ceiling itself, never above it, and spread over all of it rather than its top half.
    Real draws: a correct client fails this with odds of about 2**-39."""
    client = make_client(
        retry=RetryPolicy(max_attempts=41, base_delay=1, max_delay=4, deadline=None)
    )
    fake.script("runs/get", *[error_response(502, "bad gateway")] * 40)
    await client.get_run("run1")
    ceilings = [1.0, 2.0] + [4.0] * 38
    assert len(clock.sleeps) == len(ceilings)
    fractions = [wait / ceiling for wait, ceiling in zip(clock.sleeps, ceilings, strict=True)]
    assert all(0 < fraction < 1 for fraction in fractions)
    assert min(fractions) < 0.5 < max(fractions)


@pytest.mark.parametrize("error", [httpx.ReadError("reset"), httpx.ReadTimeout("slow")])
async def test_lost_response_is_retried_with_the_same_key(
    error: Exception, client: AirplaneClient, fake: FakeAirplane
) -> None:
    """A POST whose response was lost is retried with the same Idempotency-Key, so the server
    replays its answer instead of starting the task twice."""
    fake.script("tasks/execute", lost(error))
    run_id = await client.execute_task("hello_world")
    assert run_id == "run20220215zv10o6s52qj"
    keys = [request.headers["Idempotency-Key"] for request in fake.requests]
    assert len(keys) == 2
    assert keys[0] == keys[1]
    assert fake.executed == ["tasks/execute"]


async def test_connect_error_is_retried_with_the_same_key(
    client: AirplaneClient, fake: FakeAirplane
) -> None:
    """A POST that never reached the server is retried with the same key, caller-given too."""
    fake.script("prompts/submit", httpx.ConnectError("refused"), httpx.ConnectError("refused"))
    await client.submit_prompt("pmt1", {}, idempotency_key="slack-123")
    keys = {request.headers["Idempotency-Key"] for request in fake.requests}
    assert keys == {"slack-123"}
    assert len(fake.requests) == 3


async def test_501_is_not_retried(client: AirplaneClient, fake: FakeAirplane) -> None:
    """501 Not Implemented will not change on retry: one attempt, then ServerError."""
    fake.script("runbooks/execute", error_response(501, {"error": "Not implemented"}))
    with pytest.raises(ServerError) as caught:
        await client.execute_runbook("rb")
    assert caught.value.status == 501
    assert len(fake.requests) == 1


async def test_retryable_false_header_wins(client: AirplaneClient, fake: FakeAirplane) -> None:
    """`X-Airplane-Retryable: false` stops a retry the status alone would allow."""
    fake.script(
        "runs/get",
        error_response(503, {"error": "down"}, headers={"X-Airplane-Retryable": "false"}),
    )
    with pytest.raises(ServerError):
        await client.get_run("run1")
    assert len(fake.requests) == 1


async def test_retryable_true_header_wins(client: AirplaneClient, fake: FakeAirplane) -> None:
    """`X-Airplane-Retryable: true` retries a status that is not retried by default."""
    fake.script(
        "runs/get", error_response(409, {"error": "busy"}, headers={"X-Airplane-Retryable": "true"})
    )
    await client.get_run("run1")
    assert len(fake.requests) == 2


async def test_client_errors_are_not_retried(client: AirplaneClient, fake: FakeAirplane) -> None:
    """A 4xx other than 429 fails at once."""
    fake.script("runs/get", error_response(404, {"error": "Run not found", "code": "not_found"}))
    with pytest.raises(NotFoundError):
        await client.get_run("run1")
    assert len(fake.requests) == 1


async def test_attempts_are_bounded(
    make_client: MakeClient, fake: FakeAirplane, clock: FakeClock
) -> None:
    """A server that keeps failing gets max_attempts tries; the last error is raised."""
    client = make_client(retry=RetryPolicy(max_attempts=3, deadline=None, jitter=False))
    fake.script("runs/get", *[error_response(500, {"error": "boom"})] * 10)
    with pytest.raises(ServerError, match="boom"):
        await client.get_run("run1")
    assert len(fake.requests) == 3
    assert len(clock.sleeps) == 2


async def test_transport_error_after_last_attempt(
    make_client: MakeClient, fake: FakeAirplane
) -> None:
    """When every attempt fails to connect, a TransportError chained from httpx's is raised."""
    client = make_client(retry=RetryPolicy(max_attempts=2, jitter=False))
    fake.script("runs/get", httpx.ConnectError("refused"), httpx.ConnectError("refused"))
    with pytest.raises(TransportError) as caught:
        await client.get_run("run1")
    assert isinstance(caught.value.__cause__, httpx.ConnectError)
    assert "ConnectError" in str(caught.value)


async def test_deadline_stops_backoff(
    make_client: MakeClient, fake: FakeAirplane, clock: FakeClock
) -> None:
    """When waiting would run past the deadline, DeadlineExceeded is raised from the last error."""
    policy = RetryPolicy(max_attempts=100, base_delay=2, max_delay=2, jitter=False, deadline=5)
    client = make_client(retry=policy)
    fake.script("runs/get", *[error_response(503, {"error": "down"})] * 100)
    with pytest.raises(DeadlineExceeded) as caught:
        await client.get_run("run1")
    assert isinstance(caught.value.__cause__, ServerError)
    assert sum(clock.sleeps) <= 5
    assert clock.sleeps == [2.0, 2.0]
    assert len(fake.requests) == 3


async def test_retry_after_beyond_deadline_gives_up_at_once(
    make_client: MakeClient, fake: FakeAirplane, clock: FakeClock
) -> None:
    """A `Retry-After` longer than the time left is not waited out: DeadlineExceeded at once."""
    client = make_client(retry=RetryPolicy(deadline=30))
    fake.script(
        "tasks/execute", error_response(429, {"error": "slow"}, headers={"Retry-After": "60"})
    )
    with pytest.raises(DeadlineExceeded) as caught:
        await client.execute_task("t")
    assert isinstance(caught.value.__cause__, RateLimitedError)
    assert caught.value.__cause__.retry_after == 60.0
    assert clock.sleeps == []


@pytest.mark.parametrize(
    ("status", "body", "cls", "message", "code"),
    [
        (400, {"error": "Invalid body"}, InvalidRequestError, "Invalid body", None),
        (422, {"error": "bad", "code": "invalid"}, InvalidRequestError, "bad", "invalid"),
        (401, {"error": "Invalid API key"}, UnauthorizedError, "Invalid API key", None),
        (403, {"error": "no", "code": "must_request"}, ForbiddenError, "no", "must_request"),
        (404, {"error": "Run not found"}, NotFoundError, "Run not found", None),
        (409, {"error": "already completed"}, ConflictError, "already completed", None),
        (423, {"error": "locked", "code": "locked"}, APIError, "locked", "locked"),
        (404, "<html>no such page</html>", NotFoundError, "<html>no such page</html>", None),
        (400, "", InvalidRequestError, "Bad Request", None),
        (400, {"message": "other shape"}, InvalidRequestError, '{"message":"other shape"}', None),
    ],
)  # fmt: skip
async def test_error_bodies_map_to_classes(
    status: int,
    body: object,
    cls: type[APIError],
    message: str,
    code: str | None,
    client: AirplaneClient,
    fake: FakeAirplane,
) -> None:
    """Error bodies with and without `code`, and non-JSON ones, become the right subclass."""
    fake.script("runs/get", error_response(status, body))
    with pytest.raises(APIError) as caught:
        await client.get_run("run1")
    error = caught.value
    assert type(error) is cls
    assert (error.status, error.error, error.code) == (status, message, code)
    assert (error.method, error.path) == ("GET", "runs/get")


async def test_server_errors_after_retries_map_to_server_error(
    make_client: MakeClient, fake: FakeAirplane
) -> None:
    """A 5xx with a plain-text body, on every attempt, ends as ServerError with that text."""
    client = make_client(retry=RetryPolicy(max_attempts=2, jitter=False))
    fake.script("runs/get", error_response(502, "Bad gateway"), error_response(502, "Bad gateway"))
    with pytest.raises(ServerError, match="Bad gateway"):
        await client.get_run("run1")


@pytest.mark.parametrize(
    "answer", [httpx.Response(200, content=b"<html>"), httpx.Response(200, json={"runs": "no"})]
)
async def test_malformed_success_is_invalid_response(
    answer: httpx.Response, client: AirplaneClient, fake: FakeAirplane
) -> None:
    """A 2xx that is not JSON, or not the endpoint's shape, raises InvalidResponseError."""
    fake.script("runs/list", answer)
    with pytest.raises(InvalidResponseError):
        await client.list_runs()


def _runs(count: int) -> list[dict[str, str]]:
    return [{"id": f"run{i:03d}", "status": "Succeeded"} for i in range(count)]


@pytest.mark.parametrize(("total", "pages"), [(120, 3), (100, 3), (10, 1), (0, 1)])
async def test_iter_runs_stops_at_a_short_page(
    total: int, pages: int, client: AirplaneClient, fake: FakeAirplane
) -> None:
    """Pages 0, 1, 2... are fetched until one is shorter than the limit."""
    everything = _runs(total)

    def page(request: httpx.Request) -> dict[str, object]:
        limit, number = int(request.url.params["limit"]), int(request.url.params["page"])
        return {"runs": everything[number * limit : (number + 1) * limit]}

    fake.answer("runs/list", page)
    ids = [run.id async for run in client.iter_runs(task_slug="t", limit=50)]
    assert ids == [run["id"] for run in everything]
    assert [r.url.params["page"] for r in fake.requests] == [str(n) for n in range(pages)]
    assert {r.url.params["taskSlug"] for r in fake.requests} == {"t"}


async def test_iter_sessions_survives_a_server_that_ignores_page(
    client: AirplaneClient, fake: FakeAirplane
) -> None:
    """A server that answers the same full page forever cannot make the walk loop."""
    sessions = [{"id": f"ses{i}", "status": "Active"} for i in range(2)]
    fake.answer("sessions/list", {"sessions": sessions})
    ids = [s.id async for s in client.iter_sessions(limit=2)]
    assert ids == ["ses0", "ses1"]
    assert len(fake.requests) == 2


async def test_iter_runs_refuses_a_limit_it_cannot_page_with(client: AirplaneClient) -> None:
    """limit=0 would never end a page walk; it is refused."""
    with pytest.raises(ValueError, match="limit"):
        _ = [run async for run in client.iter_runs(limit=0)]


async def test_key_never_shows(
    make_client: MakeClient, fake: FakeAirplane, caplog: pytest.LogCaptureFixture
) -> None:
    """The API key is in no repr, str, error message or log record, even when a server echoes it."""
    client = make_client(env_slug="prod", retry=RetryPolicy(max_attempts=2, jitter=False))
    fake.script(
        "runs/get",
        error_response(503, {"error": f"down for {API_KEY}"}),
        error_response(401, {"error": f"bad key {API_KEY}", "code": API_KEY}),
    )
    fake.script("runs/list", httpx.ConnectError(f"refused {API_KEY}"), httpx.ConnectError("x"))
    caplog.set_level(logging.DEBUG, logger="airplane_api")
    with pytest.raises(UnauthorizedError) as unauthorized:
        await client.get_run("run1")
    with pytest.raises(TransportError) as transport:
        await client.list_runs()
    await client.get_run("run1")
    texts = [repr(client), str(client), repr(client._caller.__dict__)]
    for error in (unauthorized.value, transport.value):
        texts += [str(error), repr(error), repr(error.__dict__), repr(error.args)]
    for record in caplog.records:
        texts += [record.getMessage(), repr(record.__dict__)]
    assert len(caplog.records) == 5
    assert all(API_KEY not in text for text in texts)
    assert "***" in unauthorized.value.error


async def test_one_log_line_per_attempt(
    client: AirplaneClient, fake: FakeAirplane, caplog: pytest.LogCaptureFixture
) -> None:
    """Each attempt logs method, path, outcome and attempt number."""
    caplog.set_level(logging.DEBUG, logger="airplane_api")
    fake.script("runs/get", error_response(503, "down"))
    await client.get_run("run1")
    lines = [record.getMessage() for record in caplog.records if record.name == "airplane_api"]
    assert len(lines) == 2
    assert lines[0].startswith("GET runs/get -> 503 attempt=1 duration=")
    assert lines[1].startswith("GET runs/get -> 200 attempt=2 duration=")
    assert caplog.records[0].levelno == logging.INFO
    assert caplog.records[1].levelno == logging.DEBUG


class RecordingObserver:
    """A `CallObserver` that keeps what it was told."""

    def __init__(self) -> None:
        self.attempts: list[tuple[str, str, str]] = []
        self.retries: list[tuple[str, str, str]] = []

    def attempt(self, method: str, path: str, outcome: str, duration: float) -> None:
        assert duration >= 0
        self.attempts.append((method, path, outcome))

    def retry(self, method: str, path: str, outcome: str) -> None:
        self.retries.append((method, path, outcome))


async def test_the_observer_sees_every_attempt_and_retry(
    make_client: MakeClient, fake: FakeAirplane
) -> None:
    """One attempt per HTTP exchange (status or transport_error); a retry before each new try;
    none after the last attempt, which fails the call instead."""
    observer = RecordingObserver()
    client = make_client(observer=observer, retry=RetryPolicy(max_attempts=3, jitter=False))
    fake.script("runs/get", error_response(503, "down"), lost(httpx.ConnectError("refused")))
    await client.get_run("run1")
    assert observer.attempts == [
        ("GET", "runs/get", "503"),
        ("GET", "runs/get", "transport_error"),
        ("GET", "runs/get", "200"),
    ]
    assert observer.retries == [("GET", "runs/get", "503"), ("GET", "runs/get", "transport_error")]
    fake.script("runs/get", *[error_response(429, "slow")] * 3)
    with pytest.raises(RateLimitedError):
        await client.get_run("run1")
    assert observer.attempts[-3:] == [("GET", "runs/get", "429")] * 3
    assert observer.retries[-2:] == [("GET", "runs/get", "429")] * 2
    assert len(observer.retries) == 4
