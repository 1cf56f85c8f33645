"""The pure parts of airfield: the stdout protocol, scheduling, rate limits and templates."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from airfield.outputs import (
    AppendOutput,
    LogLine,
    ProtocolError,
    SetOutput,
    StdoutProtocol,
    apply_command,
    parse_command,
)
from airfield.ratelimit import RateLimit, RateLimiter, retry_after_seconds
from airfield.scheduler import Slot, startable
from airfield.templating import TemplateError, render

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=10,
)


@pytest.mark.parametrize(
    ("line", "command"),
    [
        ('airplane_output_set {"a": 1}', SetOutput((), {"a": 1})),
        ('airplane_output_set:["a"][2] true', SetOutput(("a", 2), True)),
        ("airplane_output_append 5", AppendOutput((), 5)),
        ('airplane_output_append:["rows"] {"x": 1}', AppendOutput(("rows",), {"x": 1})),
        ('airplane_output "v"', AppendOutput(("output",), "v")),
        ('airplane_output:"a name" 1', AppendOutput(("a name",), 1)),
        ("airplane_output:plain [1]", AppendOutput(("plain",), [1])),
        ("airplane_output_set not json", SetOutput((), "not json")),
    ],
)
def test_protocol_lines_parse_to_commands(line: str, command: object) -> None:
    """Every documented form, current and legacy, parses to its command."""
    assert parse_command(line) == command


@pytest.mark.parametrize("line", ["hello", "airplane_outputs 1", "airplane_output_setx 1"])
def test_other_lines_are_not_commands(line: str) -> None:
    """Lines that only look like the protocol are log lines."""
    assert parse_command(line) is None


def test_malformed_commands_become_log_lines() -> None:
    """A protocol line with a broken path is kept as a log line, not lost."""
    with pytest.raises(ProtocolError):
        parse_command('airplane_output_set:["a" 1')
    assert StdoutProtocol().feed('airplane_output_set:["a" 1') == [
        LogLine('airplane_output_set:["a" 1')
    ]


@given(value=JSON_VALUES, cuts=st.lists(st.integers(min_value=1, max_value=40), max_size=6))
def test_chunked_lines_join_to_the_original_command(value: object, cuts: list[int]) -> None:
    """A command split into chunks at any points, with log lines between, parses as if whole."""
    line = f"airplane_output_set {json.dumps(value)}"
    parts, rest = [], line
    for cut in cuts:
        if len(rest) > cut:
            parts.append(rest[:cut])
            rest = rest[cut:]
    parts.append(rest)
    protocol = StdoutProtocol()
    events = []
    for part in parts:
        events += protocol.feed(f"airplane_chunk:key1 {part}")
        events += protocol.feed("between")
    events += protocol.feed("airplane_chunk_end:key1")
    assert events[-1] == SetOutput((), value)
    assert all(event == LogLine("between") for event in events[:-1])


def test_unfinished_chunks_are_flushed_as_logs() -> None:
    """Chunks of a task that died mid-line come back as one log line."""
    protocol = StdoutProtocol()
    protocol.feed("airplane_chunk:k a")
    protocol.feed("airplane_chunk:k b")
    assert protocol.flush() == [LogLine("ab")]


def test_output_commands_build_nested_values() -> None:
    """Sets create containers on the way; appends need a list; mismatches raise."""
    output = apply_command(None, SetOutput(("a", 1), "x"))
    assert output == {"a": [None, "x"]}
    output = apply_command(output, AppendOutput(("rows",), {"n": 1}))
    assert output == {"a": [None, "x"], "rows": [{"n": 1}]}
    with pytest.raises(ProtocolError):
        apply_command(output, AppendOutput(("a", 1), 2))
    with pytest.raises(ProtocolError):
        apply_command("text", SetOutput(("key",), 1))


def _slot(run_id: str, key: str = "", limit: int = 1, child: bool = False) -> Slot:
    return Slot(run_id, key, limit, child)


def test_scheduler_keeps_concurrency_and_global_limits() -> None:
    """A key at its limit and a full server keep runs queued; child runs skip the global limit."""
    active = [_slot("a", "db", 1), _slot("b")]
    queued = [_slot("q1", "db", 1), _slot("q2"), _slot("q3", child=True), _slot("q4")]
    assert startable(queued, active, global_limit=3) == ["q2", "q3"]
    assert startable(queued, [], global_limit=1) == ["q1", "q3"]


def test_rate_limit_refills_and_says_how_long_to_wait() -> None:
    """A burst is allowed, the next request waits 1/rate, and time refills the bucket."""
    limiter = RateLimiter(RateLimit(rate=2, burst=2))
    assert [limiter.check("k", 0.0) for _ in range(2)] == [0.0, 0.0]
    assert limiter.check("k", 0.0) == pytest.approx(0.5)
    assert limiter.check("other", 0.0) == 0.0
    assert limiter.check("k", 0.5) == 0.0
    assert retry_after_seconds(0.01) == 1
    assert retry_after_seconds(1.2) == 2


def test_templates_keep_types_when_whole_and_text_inside_strings() -> None:
    """`{{x}}` alone keeps the value's type; inside text it becomes text; unknown names raise."""
    context = {"params": {"n": 3}, "steps": {"s": {"output": {"rows": [{"id": "r1"}]}}}}
    assert render("{{params.n}}", context) == 3
    assert render("n={{ params.n }}", context) == "n=3"
    assert render({"id": ["{{steps.s.output.rows[0].id}}"]}, context) == {"id": ["r1"]}
    with pytest.raises(TemplateError):
        render("{{params.missing}}", context)
