"""The acting-for label: built in one place, read back in one place."""

from __future__ import annotations

import pytest

from bot.people import person, slack_label, slack_user


@pytest.mark.parametrize("user_id", ["U0ALICE", "W012ABC", "U1"])
def test_label_reads_back_as_its_user(user_id: str) -> None:
    """What the bot sends as X-Airplane-Acting-For names the same user when it comes back as a
    run's createdBy or a prompt's submittedBy."""
    label = slack_label(user_id)
    assert label == f"slack:{user_id}"
    assert slack_user(label) == user_id
    assert person(label, {}) == f"<@{user_id}>"


@pytest.mark.parametrize("label", ["", "slack:", "usr123", "dana@example.com", "group:ops"])
def test_other_labels_are_no_slack_user(label: str) -> None:
    """Airplane users, emails, groups and an empty prefix are not read as Slack users."""
    assert slack_user(label) is None
