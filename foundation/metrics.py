"""The Prometheus set-up the bot and airfield share: each app keeps a registry of its own.

`Registry` is a `CollectorRegistry` that carries the process's own figures (start time, CPU
seconds, memory, open file descriptors) and leaves out the `_created` series beside every counter
and histogram: they double the output and no dashboard or alert here reads them. Leaving them out
per registry, as it is read, switches no process-wide setting: `airplane-bot dev` runs airfield
in the same process, and each exposes only its own metrics, in its own way.
"""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, ProcessCollector
from prometheus_client import generate_latest as _generate_latest
from prometheus_client.metrics_core import Metric

__all__ = ["CONTENT_TYPE", "Registry", "exposition"]

CONTENT_TYPE = CONTENT_TYPE_LATEST


class Registry(CollectorRegistry):
    """One app's metrics, with the process collector, without `_created` series."""

    def __init__(self) -> None:
        super().__init__(auto_describe=True)
        ProcessCollector(registry=self)

    def collect(self) -> Iterable[Metric]:
        for family in super().collect():
            created = family.name + "_created"
            if not any(sample.name == created for sample in family.samples):
                yield family
                continue
            kept = Metric(family.name, family.documentation, family.type, family.unit)
            kept.samples = [sample for sample in family.samples if sample.name != created]
            yield kept


def exposition(registry: Registry) -> bytes:
    """Every metric of `registry` in Prometheus' text format (serve with `CONTENT_TYPE`)."""
    return _generate_latest(registry)
