"""`BOT_DB`: a path or sqlite: is SQLite, postgresql:// is PostgreSQL, anything else is refused
with what works."""

from __future__ import annotations

import pytest

from bot.store import InvalidLocation, parse_location
from bot.store.location import Backend, DbLocation


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("airplane-bot.db", DbLocation(Backend.SQLITE, "airplane-bot.db")),
        ("/data/airplane-bot.db", DbLocation(Backend.SQLITE, "/data/airplane-bot.db")),
        (":memory:", DbLocation(Backend.SQLITE, ":memory:")),
        ("sqlite:state.db", DbLocation(Backend.SQLITE, "state.db")),
        ("sqlite:///data/state.db", DbLocation(Backend.SQLITE, "/data/state.db")),
        (
            "postgresql://bot:pw@db:5432/bot",
            DbLocation(Backend.POSTGRESQL, "postgresql://bot:pw@db:5432/bot"),
        ),
        ("postgres://db/bot", DbLocation(Backend.POSTGRESQL, "postgres://db/bot")),
    ],
)
def test_locations(text: str, expected: DbLocation) -> None:
    """Each accepted spelling names its backend and what the driver opens."""
    assert parse_location(text) == expected


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "BOT_DB is empty"),
        ("mysql://db/bot", "cannot store its state in mysql"),
        ("sqlite:", "names no file"),
    ],
)
def test_unknown_locations_are_refused_saying_what_works(text: str, says: str) -> None:
    """The error names the problem and the forms that work."""
    with pytest.raises(InvalidLocation, match=says) as raised:
        parse_location(text)
    assert "postgresql://USER:PASSWORD@HOST:PORT/DB" in str(raised.value)


def test_describe_hides_the_password() -> None:
    """Logs and messages show where the state is, never the password."""
    assert (
        parse_location("postgresql://bot:s3cret@db:5432/bot").describe()
        == "postgresql://bot:***@db:5432/bot"
    )
    assert parse_location("postgresql://db/bot").describe() == "postgresql://db/bot"
    assert parse_location("x.db").describe() == "sqlite:x.db"
