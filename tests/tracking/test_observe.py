"""When a run the change feed lists may have a new prompt (`prompt_check`)."""

from __future__ import annotations

from datetime import UTC, datetime

from airplane_api.models import Run
from bot.tracking.observe import PromptCheck, live_for, prompt_check, run_fingerprint

START = datetime(2024, 1, 1, 12, tzinfo=UTC)


def run(status: str, updated: datetime | None = None, active: datetime | None = None) -> Run:
    """A run as `runs/list` lists it, with or without airfield's `updatedAt`."""
    body: dict[str, object] = {"id": "run_1", "status": status}
    if updated is not None:
        body["updatedAt"] = updated.isoformat()
    if active is not None:
        body["activeAt"] = active.isoformat()
    return Run.model_validate(body)


def check(before: Run | None, after: Run) -> bool:
    """As the tracker asks it: has the fingerprint changed since `before`? Any check."""
    return why(before, after) is not PromptCheck.NONE


def why(before: Run | None, after: Run) -> PromptCheck:
    """The check the tracker makes of `after`, seen after `before`."""
    changed = before is None or run_fingerprint(before) != run_fingerprint(after)
    return prompt_check(before, after, changed)


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


def test_changes_between_live_statuses_and_ended_or_queued_runs_need_no_check() -> None:
    """A status change of a live run explains the listing; queued and ended runs have none."""
    assert not check(run("Active"), run("Succeeded"))
    assert not check(run("Active"), run("Failed"))
    assert not check(None, run("Queued"))
    assert not check(run("NotStarted"), run("Queued"))


def test_a_run_that_went_live_unseen_is_asked_once_on_the_documented_api() -> None:
    """Queued when last seen and Active now: its prompt may have opened in the same feed window
    as its start, and no later listing would show it (the listing names the run once)."""
    assert why(run("Queued"), run("Active")) is PromptCheck.WENT_LIVE
    assert why(None, run("Active")) is PromptCheck.WENT_LIVE
    assert why(run("NotStarted"), run("Active", active=START)) is PromptCheck.WENT_LIVE


def test_airfield_updated_at_says_whether_anything_followed_the_start() -> None:
    """With `updatedAt`, a run last updated when it went live has no prompt; one updated
    after its `activeAt` changed invisibly since it started: ask at once."""
    later = datetime(2024, 1, 1, 12, 0, 3, tzinfo=UTC)
    assert why(run("Queued", START), run("Active", START, START)) is PromptCheck.NONE
    assert why(run("Queued", START), run("Active", later, START)) is PromptCheck.NOW
    assert why(None, run("Active", later, START)) is PromptCheck.NOW
    assert why(None, run("Active", START, START)) is PromptCheck.NONE


def test_a_live_run_seen_for_the_first_time_may_already_wait() -> None:
    """First sight of an Active run (watch, a restart, a late first listing): asked."""
    assert check(None, run("Active"))


def test_live_for_counts_from_active_at() -> None:
    """The STARTED lane's order: seconds live before this sight; unknown start counts 0."""
    assert live_for(run("Active", active=START), START.timestamp() + 4.5) == 4.5
    assert live_for(run("Active"), START.timestamp()) == 0.0
