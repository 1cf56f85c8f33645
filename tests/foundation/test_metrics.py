"""The shared Prometheus set-up: a registry per app, no `_created` series, nothing global."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

from foundation.metrics import Registry, exposition


def test_a_registry_leaves_out_created_series_and_keeps_the_rest() -> None:
    registry = Registry()
    Counter("demo_calls", "Calls.", ["outcome"], registry=registry).labels("ok").inc()
    Histogram("demo_seconds", "Time.", buckets=(1.0,), registry=registry).observe(0.5)
    text = exposition(registry).decode()
    assert 'demo_calls_total{outcome="ok"} 1.0' in text
    assert "demo_seconds_count 1.0" in text
    assert "process_start_time_seconds" in text
    assert "_created" not in text


def test_nothing_process_wide_is_switched() -> None:
    # prometheus_client's own default registry still shows `_created`: only ours leave it out.
    counter = Counter("demo_global_calls", "Calls.", registry=None)
    samples = [sample.name for family in counter.collect() for sample in family.samples]
    assert "demo_global_calls_created" in samples
