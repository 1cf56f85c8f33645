"""When a run the change feed lists may have a new prompt (`needs_prompt_check`)."""

from __future__ import annotations

from datetime import UTC, datetime

from airplane_api.models import Run
from bot.tracking.observe import needs_prompt_check, run_fingerprint


def run(status: str, updated: datetime | None = None) -> Run:
    """A run as `runs/list` lists it, with or without airfield's `updatedAt`."""
    body: dict[str, object] = {"id": "run_1", "status": status}
    if updated is not None:
        body["updatedAt"] = updated.isoformat()
    return Run.model_validate(body)


def check(before: Run | None, after: Run) -> bool:
    """As the tracker asks it: has the fingerprint changed since `before`?"""
    changed = before is None or run_fingerprint(before) != run_fingerprint(after)
    return needs_prompt_check(before, after, changed)


def test_documented_api_relisting_with_nothing_visible_changed_may_be_a_prompt() -> None:
    """Without `updatedAt` a live run listed again can only have changed by its prompts."""
    assert check(run("Active"), run("Active"))


def test_airfield_relisting_with_the_same_updated_at_is_the_overlap_repeating() -> None:
    """The same `updatedAt` again is an update already seen: no prompts to ask for."""
    at = datetime(2024, 1, 1, 12, tzinfo=UTC)
    assert not check(run("Active", at), run("Active", at))


def test_airfield_updated_at_moved_without_a_status_change_may_be_a_prompt() -> None:
    """Only a prompt (opened or answered) moves a live run's `updatedAt` with its status kept."""
    first, later = datetime(2024, 1, 1, 12, tzinfo=UTC), datetime(2024, 1, 1, 12, 0, 5, tzinfo=UTC)
    assert check(run("Active", first), run("Active", later))


def test_status_changes_and_ended_or_queued_runs_need_no_check() -> None:
    """A status change explains the listing; queued and ended runs have no open prompt."""
    at = datetime(2024, 1, 1, 12, tzinfo=UTC)
    assert not check(run("Queued", at), run("Active", at))
    assert not check(run("Active"), run("Succeeded"))
    assert not check(None, run("Queued"))


def test_a_live_run_seen_for_the_first_time_may_already_wait() -> None:
    """First sight of an Active run (watch, a restart, a late first listing): ask at once."""
    assert check(None, run("Active"))
    assert check(None, run("Active", datetime(2024, 1, 1, 12, tzinfo=UTC)))
