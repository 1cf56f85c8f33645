"""One rule for "has it ended": the enums and the text form agree."""

from __future__ import annotations

import pytest

from airplane_api.models import RunStatus, SessionStatus, is_terminal_status


@pytest.mark.parametrize("status", [*RunStatus, *SessionStatus])
def test_text_status_ends_when_its_enum_does(status: RunStatus | SessionStatus) -> None:
    """A status kept as text (a stored row, a rendered summary) ends exactly when the wire
    enum says so, for runs and sessions alike."""
    assert is_terminal_status(status.value) is status.is_terminal


def test_only_the_three_endings_are_terminal() -> None:
    """Waiting, Cancelling and the people-facing words are not endings; an empty status (not
    seen yet) is not one either."""
    ended = {s.value for s in [*RunStatus, *SessionStatus] if s.is_terminal}
    assert ended == {"Succeeded", "Failed", "Cancelled"}
    for status in ("", "Waiting", "Cancelling", "Rejected", "Queued", "Active"):
        assert not is_terminal_status(status)
