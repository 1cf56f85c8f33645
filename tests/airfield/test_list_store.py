"""The list queries followers rely on: commit-ordered stamps, exclusive windows, indexed pages."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from airfield.store import NewRun, RunFilter, SessionFilter, Store
from airfield.store.listing import FEW_UPDATED, ListQuery
from airfield.timeutil import StampClock, parse_query_time, to_text


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    """A fresh, migrated store."""
    opened = await Store.open(tmp_path / "lists.db")
    yield opened
    await opened.close()


def _new_run(number: int, task: str = "hello") -> NewRun:
    return NewRun(
        id=f"run{number:08d}",
        task_id=f"tsk_{task}",
        task_slug=task,
        env_id="env",
        param_values={},
        params=[],
        resources={},
        parent_id=None,
        session_id=None,
        timeout=60,
        concurrency_key="",
        concurrency_limit=1,
        created_by="usr",
    )


def test_stamps_increase_even_when_the_wall_clock_does_not() -> None:
    """A repeated or earlier wall-clock time still gives a later, distinct stamp."""
    moments = iter([datetime(2030, 1, 1, tzinfo=UTC)] * 3 + [datetime(2029, 1, 1, tzinfo=UTC)])
    clock = StampClock(lambda: next(moments))
    stamps = [clock.next() for _ in range(4)]
    assert stamps == sorted(stamps)
    assert len(set(stamps)) == 4
    assert stamps[-1] == "2030-01-01T00:00:00.000003Z"


def test_stamps_continue_after_a_previous_server() -> None:
    """advance_past keeps new stamps after ones stored by an earlier airfield."""
    clock = StampClock(lambda: datetime(2030, 1, 1, tzinfo=UTC))
    clock.advance_past("2031-05-05T00:00:00.000000Z")
    assert clock.next() == "2031-05-05T00:00:00.000001Z"


async def test_updates_get_distinct_stamps_in_commit_order(store: Store) -> None:
    """Every write to a run moves its updatedAt past every earlier write's."""
    runs = [await store.runs.create(_new_run(i)) for i in range(3)]
    await store.runs.mark_active(runs[0].id, 1)
    await store.runs.finish(runs[1].id, "Succeeded")
    await store.runs.set_output(runs[0].id, {"x": 1})
    stamps = [run.updated_at for run in runs]
    for run_id in (runs[1].id, runs[0].id):
        latest = await store.runs.get(run_id)
        assert latest is not None
        stamps.append(latest.updated_at)
    assert stamps == sorted(stamps)
    assert len(set(stamps)) == len(stamps)


async def test_since_and_until_are_exclusive(store: Store) -> None:
    """since=T and until=T both leave out the run updated exactly at T."""
    runs = [await store.runs.create(_new_run(i)) for i in range(3)]
    middle = runs[1].updated_at
    after = await store.runs.query(RunFilter(since=middle))
    before = await store.runs.query(RunFilter(until=middle))
    assert [run.id for run in after] == [runs[2].id]
    assert [run.id for run in before] == [runs[0].id]
    window = await store.runs.query(RunFilter(since=runs[0].updated_at, until=runs[2].updated_at))
    assert [run.id for run in window] == [runs[1].id]


async def test_pages_are_disjoint_and_complete_in_list_order(store: Store) -> None:
    """Pages of a filter tile its runs newest first, however the filter narrows them."""
    created = [await store.runs.create(_new_run(i, task=("a", "b")[i % 2])) for i in range(7)]
    for where, expected in (
        (RunFilter(), created),
        (RunFilter(task_slug="a"), created[0::2]),
        (RunFilter(task_id="tsk_b", since=created[0].updated_at), created[1::2]),
        (RunFilter(since=created[1].updated_at), created[2:]),
    ):
        pages = [await store.runs.query(where, limit=2, offset=2 * n) for n in range(5)]
        listed = [run.id for run in itertools.chain.from_iterable(pages)]
        assert listed == [run.id for run in reversed(expected)], where


async def test_following_by_the_greatest_updated_at_misses_nothing(store: Store) -> None:
    """A follower that asks since its greatest seen updatedAt sees every change exactly once."""
    seen: list[tuple[str, str]] = []
    watermark = to_text(datetime.now(UTC) - timedelta(hours=1))

    async def follow() -> None:
        nonlocal watermark
        page = await store.runs.query(RunFilter(since=watermark))
        seen.extend((run.id, run.status) for run in page)
        watermark = max([watermark, *(run.updated_at for run in page)])

    runs = [await store.runs.create(_new_run(i)) for i in range(3)]
    await follow()
    await store.runs.mark_active(runs[0].id, 1)
    await store.runs.finish(runs[2].id, "Cancelled", by="slack:U1")
    await follow()
    await store.runs.finish(runs[0].id, "Succeeded")
    await follow()
    await follow()
    assert sorted(seen) == sorted(
        [(run.id, "Queued") for run in runs]
        + [(runs[0].id, "Active"), (runs[2].id, "Cancelled"), (runs[0].id, "Succeeded")]
    )


async def test_a_paged_walk_with_page_zero_watermark_misses_nothing(store: Store) -> None:
    """Changes made while a follower walks full pages turn up in its next walk, even when a
    later page shows a newer change than one the walk had already passed."""
    runs = [await store.runs.create(_new_run(i)) for i in range(7)]
    first = datetime.fromisoformat(runs[0].updated_at.replace("Z", "+00:00"))
    watermark = to_text(first - timedelta(microseconds=1))
    latest: dict[str, str] = {}

    async def walk(after_page_zero: list[str]) -> None:
        nonlocal watermark
        page, newest = 0, watermark
        while True:
            found = await store.runs.query(RunFilter(since=watermark), limit=2, offset=2 * page)
            latest.update({run.id: run.status for run in found})
            if page == 0:
                newest = max([newest, *(run.updated_at for run in found)])
                for run_id in after_page_zero:
                    await store.runs.finish(run_id, "Succeeded")
            if len(found) < 2:
                break
            page += 1
        watermark = newest

    # runs[6] (page 0, already read) ends, then runs[4] (page 1, not read yet) ends.
    await walk([runs[6].id, runs[4].id])
    assert latest[runs[6].id] == "Queued"
    assert latest[runs[4].id] == "Succeeded"
    await walk([])
    assert latest == {run.id: "Queued" for run in runs} | {
        runs[6].id: "Succeeded",
        runs[4].id: "Succeeded",
    }


async def _plan(store: Store, sql: str, args: list[object]) -> str:
    rows = await store.db.fetch_all(f"EXPLAIN QUERY PLAN {sql}", args)
    return " | ".join(str(row["detail"]) for row in rows)


async def _check_plans(store: Store, query: ListQuery) -> None:
    plan = await _plan(store, *query.select("*", limit=50))
    assert "USING INDEX" in plan, (query, plan)
    if not (query.after or query.before):
        assert "TEMP B-TREE" not in plan, (query, plan)
    if query.window_index is not None:
        narrow = await _plan(store, *query.select("*", limit=50, by_window=True))
        assert query.window_index in narrow, narrow
        assert "updated_at>" in narrow or "updated_at<" in narrow, narrow


async def test_every_runs_list_filter_reads_a_page_off_an_index(store: Store) -> None:
    """No runs/list filter scans the table; a time window is found through an updated_at index,
    and only its runs are sorted."""
    stamp = "2030-01-01T00:00:00.000000Z"
    for task_id, task_slug, session_id, since, until in itertools.product(
        (None, "t"), (None, "s"), (None, "ses"), (None, stamp), (None, stamp)
    ):
        await _check_plans(
            store, RunFilter(task_id, task_slug, session_id, since, until).to_query()
        )


async def test_every_sessions_list_filter_reads_a_page_off_an_index(store: Store) -> None:
    """sessions/list by runbook and update window reads off indexes the same way."""
    stamp = "2030-01-01T00:00:00.000000Z"
    for runbook_id, after, before in itertools.product((None, "rbk"), (None, stamp), (None, stamp)):
        await _check_plans(store, SessionFilter(runbook_id, after, before).to_query())


async def test_a_follower_window_is_right_either_way_among_many_runs(store: Store) -> None:
    """With more than FEW_UPDATED runs, narrow and wide windows both answer correctly."""
    for i in range(FEW_UPDATED + 5):
        await store.runs.create(_new_run(i))
    latest = await store.runs.query(RunFilter(), limit=1)
    await store.runs.finish(latest[0].id, "Succeeded")
    for where in (
        RunFilter(since=latest[0].updated_at),
        RunFilter(task_id="tsk_hello", since=latest[0].updated_at),
        RunFilter(task_slug="hello", since=latest[0].updated_at),
    ):
        recent = await store.runs.query(where)
        assert [run.status for run in recent] == ["Succeeded"], where
    wide = RunFilter(task_slug="hello", since="2000-01-01T00:00:00.000000Z")
    assert [run.id for run in await store.runs.query(wide, limit=3)] == [
        f"run{n:08d}" for n in range(FEW_UPDATED + 4, FEW_UPDATED + 1, -1)
    ]


async def test_prompt_lists_read_off_indexes(store: Store) -> None:
    """prompts/list by run or by session uses its index, already in list order."""
    for column in ("run_id", "session_id"):
        sql = f"SELECT * FROM prompts WHERE {column} = ? ORDER BY created_at, id"
        plan = await _plan(store, sql, ["x"])
        assert "USING INDEX" in plan, plan
        assert "TEMP B-TREE" not in plan, plan


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("2022-01-01T12:00:00-00:00", "2022-01-01T12:00:00.000000Z"),
        ("2022-01-01T12:00:00.5+02:00", "2022-01-01T10:00:00.500000Z"),
        ("2022-01-11 22:32:45.707231+00", "2022-01-11T22:32:45.707231Z"),
        ("2022-01-01T12:00:00 00:00", "2022-01-01T12:00:00.000000Z"),
        ("2022-01-01T12:00:00.123456Z", "2022-01-01T12:00:00.123456Z"),
    ],
)
def test_time_filters_parse_the_forms_clients_send(text: str, stored: str) -> None:
    """RFC 3339, Airplane's response form and an unencoded `+` all parse to the stored form."""
    assert parse_query_time(text) == stored
