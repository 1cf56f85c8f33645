"""`Troubles`: the one rule for a background loop's failures (log once per reason, back off)."""

from __future__ import annotations

import logging

import pytest

from airplane_api import ServerError
from bot.core.errors import SlackUnreachable
from bot.core.loops import Troubles, one_line

log = logging.getLogger("tests.loops")


def test_one_warning_per_distinct_reason_and_the_rest_at_debug(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Ten failures of two reasons in a row: two warnings; the same reason again after
    another is new again."""
    troubles = Troubles(log, "poller")
    with caplog.at_level(logging.DEBUG, logger="tests.loops"):
        for error in [KeyError("a")] * 5 + [ValueError("b")] * 4 + [KeyError("a")]:
            troubles.failed(error)
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warned == [
        "poller failed (KeyError: 'a'); carrying on with backoff",
        "poller failed (ValueError: b); carrying on with backoff",
        "poller failed (KeyError: 'a'); carrying on with backoff",
    ]
    assert sum(r.levelno == logging.DEBUG for r in caplog.records) == 7


def test_a_known_error_is_one_line_and_a_bug_carries_its_trace(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Airplane or Slack down is expected: no trace. Anything else is a bug: its trace."""
    troubles = Troubles(log, "poller")
    with caplog.at_level(logging.WARNING, logger="tests.loops"):
        troubles.failed(ServerError(status=503, error="down", method="GET", path="/v0/runs/list"))
        troubles.failed(SlackUnreachable("ClientConnectionError"))
        troubles.failed(AttributeError("'NoneType' object has no attribute 'id'"))
    assert [r.exc_info is not None for r in caplog.records] == [False, False, True]


def test_the_pause_doubles_with_each_failure_up_to_the_cap_and_resets() -> None:
    """Normal pause while well; 2x, 4x, ... while failing, at most the cap; normal again."""
    troubles = Troubles(log, "poller", base=1.0, cap=10.0)
    assert troubles.pause(1.0) == 1.0
    pauses = [troubles.failed(RuntimeError("x")) for _ in range(5)]
    assert pauses == [2.0, 4.0, 8.0, 10.0, 10.0]
    assert troubles.pause(0.5) == 10.0
    assert troubles.pause(60.0) == 60.0  # never shorter than the normal pause
    troubles.recovered()
    assert troubles.pause(1.0) == 1.0


def test_a_loop_failing_for_days_keeps_its_capped_pause() -> None:
    """Thousands of failures in a row (Airplane gone for days) still pause the cap: the
    doubling must not overflow a float (2.0**1024 raises)."""
    troubles = Troubles(log, "poller", base=30.0, cap=300.0)
    for _ in range(5_000):
        pause = troubles.failed(RuntimeError("x"))
    assert pause == 300.0


def test_a_turn_of_several_steps_logs_each_reason_once_while_it_lasts(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A turn may fail for several reasons at once (approvals' upkeep: its sweep and its
    resume): each new one is a warning, one that goes on is DEBUG, one that comes back is new."""
    troubles = Troubles(log, "upkeep")
    with caplog.at_level(logging.DEBUG, logger="tests.loops"):
        troubles.failed_for({"sweep: no answer": None, "resume: no answer": None})
        troubles.failed_for({"sweep: no answer": None})
        troubles.failed_for({"sweep: no answer": None, "resume: no answer": None})
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warned == [
        "upkeep failed (resume: no answer); carrying on with backoff",
        "upkeep failed (sweep: no answer); carrying on with backoff",
        "upkeep failed (resume: no answer); carrying on with backoff",
    ]
    assert troubles.failures == 3


def test_recovery_is_logged_once(caplog: pytest.LogCaptureFixture) -> None:
    """Back to normal: one line, and none for turns that were never failing."""
    troubles = Troubles(log, "poller")
    with caplog.at_level(logging.INFO, logger="tests.loops"):
        troubles.recovered()
        troubles.failed(RuntimeError("x"))
        troubles.recovered()
        troubles.recovered()
    infos = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    assert infos == ["poller works again after 1 failures"]


def test_one_line_never_spans_lines() -> None:
    """The reason is the type and the first line of the message."""
    assert one_line(RuntimeError("first\nsecond")) == "RuntimeError: first"
    assert one_line(TimeoutError()) == "TimeoutError"
