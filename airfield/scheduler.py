"""Which queued runs may start now. Pure.

Two limits apply: a global number of active runs (configurable), and a task's own
`concurrencyKey`/`concurrencyLimit`. Child runs (started by an active run through
`airplane.execute`) are exempt from the global limit: their parent holds a slot while it waits
for them, so counting them could deadlock a full server.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Slot:
    """A run as the scheduler sees it."""

    run_id: str
    concurrency_key: str
    concurrency_limit: int
    is_child: bool


def startable(queued: Sequence[Slot], active: Iterable[Slot], global_limit: int) -> list[str]:
    """IDs of queued runs (oldest first in `queued`) that may start now, in start order."""
    running = list(active)
    by_key = Counter(slot.concurrency_key for slot in running if slot.concurrency_key)
    top_level = sum(1 for slot in running if not slot.is_child)
    return _choose(queued, by_key, top_level, global_limit)


def claimable(
    queued: Sequence[Slot], key_counts: Mapping[str, int], top_level: int, global_limit: int
) -> list[str]:
    """`startable` for a worker sharing the queue with others: `key_counts` are the runs held
    per concurrency key by every worker (read under that key's lock), `top_level` the
    top-level runs this worker holds; `global_limit` is this worker's own (--concurrency)."""
    return _choose(queued, Counter(key_counts), top_level, global_limit)


def _choose(
    queued: Sequence[Slot], by_key: Counter[str], top_level: int, global_limit: int
) -> list[str]:
    chosen: list[str] = []
    for slot in queued:
        if slot.concurrency_key and by_key[slot.concurrency_key] >= slot.concurrency_limit:
            continue
        if not slot.is_child and top_level >= global_limit:
            continue
        chosen.append(slot.run_id)
        if slot.concurrency_key:
            by_key[slot.concurrency_key] += 1
        if not slot.is_child:
            top_level += 1
    return chosen
