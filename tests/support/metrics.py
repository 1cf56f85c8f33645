"""Scraping `/metrics` in tests: parsed with `prometheus_client.parser`, read by name and labels."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
from prometheus_client.parser import text_string_to_metric_families


@dataclass(frozen=True)
class Scrape:
    """One scrape: every sample as (name, labels, value)."""

    samples: tuple[tuple[str, dict[str, str], float], ...]

    def value(self, name: str, **labels: str) -> float:
        """The sum of `name`'s samples whose labels include `labels` (0 when there are none)."""
        return sum(
            value
            for sample_name, sample_labels, value in self.samples
            if sample_name == name and labels.items() <= sample_labels.items()
        )

    def names(self) -> set[str]:
        """Every sample name present."""
        return {name for name, _, _ in self.samples}

    def label_values(self, name: str, label: str) -> set[str]:
        """The values `label` takes among `name`'s samples."""
        return {labels[label] for n, labels, _ in self.samples if n == name and label in labels}


def parse(text: str) -> Scrape:
    """A scrape from Prometheus' text format (fails on anything the parser refuses)."""
    samples = tuple(
        (sample.name, dict(sample.labels), sample.value)
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    )
    return Scrape(samples)


async def scrape(base_url: str) -> Scrape:
    """GET `base_url`/metrics and parse it."""
    async with httpx.AsyncClient(timeout=10) as client:
        answer = await client.get(f"{base_url}/metrics")
    answer.raise_for_status()
    assert answer.headers["content-type"].startswith("text/plain")
    return parse(answer.text)
