"""docs/operations.md and its Grafana dashboard name only metrics that exist, and all of them."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry

from airfield.metrics import AirfieldMetrics
from bot.core import metrics as bot_metrics

DOCS = Path(__file__).resolve().parent.parent / "docs"
DASHBOARD = DOCS / "grafana" / "airplane-bot.json"
OPERATIONS = DOCS / "operations.md"
_METRIC = re.compile(r"\b((?:airplane_bot|airfield|process)_[a-z0-9_]+)\b")
# Prometheus' own series, present for every target it scrapes.
_PROMETHEUS_SERIES = {"up"}
_SUFFIXES = {
    "counter": ("_total",),
    "histogram": ("_bucket", "_count", "_sum"),
    "gauge": ("",),
}


def _series_of(registry: CollectorRegistry) -> dict[str, str]:
    """Every series name the registry can expose -> the family it belongs to."""
    names: dict[str, str] = {}
    for family in registry.collect():
        for suffix in _SUFFIXES.get(family.type, ("",)):
            names[family.name + suffix] = family.name
    return names


def _known_series() -> dict[str, str]:
    return {**_series_of(bot_metrics.REGISTRY), **_series_of(AirfieldMetrics().registry)}


def _expressions(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["expr"]] if isinstance(node.get("expr"), str) else []
        return found + [e for value in node.values() for e in _expressions(value)]
    if isinstance(node, list):
        return [e for value in node for e in _expressions(value)]
    return []


def test_the_dashboard_uses_only_metrics_that_exist() -> None:
    """Every series a dashboard query names is one the bot or airfield exposes."""
    expressions = _expressions(json.loads(DASHBOARD.read_text()))
    assert len(expressions) >= 10
    known = _known_series()
    used = {name for expr in expressions for name in _METRIC.findall(expr)}
    assert used, "the dashboard names no metric"
    assert used - known.keys() == set()


def test_the_alerts_use_only_metrics_that_exist() -> None:
    """Every series in the alert rules' PromQL exists (or is Prometheus' own `up`)."""
    rules = re.search(r"```yaml\n(.*?)```", OPERATIONS.read_text(), re.S)
    assert rules is not None
    exprs = re.findall(r"expr: (.*)", rules.group(1))
    assert len(exprs) >= 8
    known = _known_series()
    for expr in exprs:
        named = set(_METRIC.findall(expr))
        bare = set(re.findall(r"\b([a-z_]+)\{", expr)) - named
        assert named <= known.keys(), expr
        assert bare <= _PROMETHEUS_SERIES, expr


def test_every_metric_is_documented() -> None:
    """operations.md lists each metric family the bot and airfield define."""
    text = OPERATIONS.read_text()
    families = {
        family
        for family in _known_series().values()
        if family.startswith(("airplane_bot_", "airfield_"))
    }
    assert len(families) >= 25
    missing = {family for family in families if f"`{family}" not in text}
    assert missing == set()
