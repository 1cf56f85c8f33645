"""The acting-for label: built in one place, read back in one place."""

from __future__ import annotations

import pytest
from slack_sdk.errors import SlackApiError

from bot.people.labels import person, slack_email, slack_label, slack_user


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


class _Slack:
    """users.info as Slack answers it: a profile, one without an email, or an error."""

    def __init__(self, answer: dict[str, object] | None) -> None:
        self.answer = answer

    async def users_info(self, user: str) -> dict[str, object]:
        if self.answer is None:
            raise SlackApiError("users.info", {"ok": False, "error": "user_not_found"})
        return self.answer


@pytest.mark.parametrize(
    ("answer", "email"),
    [
        ({"user": {"profile": {"email": " dana@example.com "}}}, "dana@example.com"),
        ({"user": {"profile": {}}}, None),  # no users:read.email scope: no email shown
        ({"user": {"profile": {"email": ""}}}, None),
        (None, None),  # Slack refused: the bot acts for the label alone
    ],
)
async def test_slack_email_is_the_profile_email_or_none(
    answer: dict[str, object] | None, email: str | None
) -> None:
    """One lookup of a user's email for acting-for and reviewer checks; never raises."""
    assert await slack_email(_Slack(answer), "U1") == email  # type: ignore[arg-type]
