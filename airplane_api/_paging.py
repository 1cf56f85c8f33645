"""Walking `runs/list` and `sessions/list` page by page."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TypeVar

ItemT = TypeVar("ItemT")

MAX_PAGE_SIZE = 50


async def iterate_pages(
    fetch: Callable[[int], Awaitable[list[ItemT]]],
    *,
    limit: int,
    first_page: int,
    key: Callable[[ItemT], str],
) -> AsyncIterator[ItemT]:
    """Yield the items of pages `first_page`, `first_page + 1`, ... until a page is short.

    `page` counts pages, as Airplane's CLI uses it. Items already yielded are skipped (new
    objects shift later pages while we walk), and a page with nothing new ends the walk, so a
    server that ignores `page` cannot make this loop forever.
    """
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise ValueError(f"limit must be between 1 and {MAX_PAGE_SIZE} to page through results")
    if first_page < 0:
        raise ValueError("first_page must not be negative")
    seen: set[str] = set()
    page = first_page
    while True:
        items = await fetch(page)
        fresh = [item for item in items if key(item) not in seen]
        for item in fresh:
            seen.add(key(item))
            yield item
        if len(items) < limit or not fresh:
            return
        page += 1
