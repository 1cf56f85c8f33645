"""The pure rules behind airfield's hostile-input answers: bodies, times, resource views."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from airfield.errors import QUOTE_CHARS, ApiError, quoted
from airfield.migrations import MIGRATIONS
from airfield.processes import base_environment
from airfield.request_body import MAX_DEPTH, parse_json_object, parse_query
from airfield.resource_config import REDACTED, keep_write_only, may_read, public_view
from airfield.secret_box import SecretBox, SecretKeyError, new_key
from airfield.store import Binding, Store
from airfield.timeutil import parse_query_time
from airplane_api.models import Parameter
from airplane_api.params import MAX_VALUES_BYTES, ParamError, check_values


def test_nesting_depth_ignores_brackets_in_strings() -> None:
    deep = "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1)
    text = '{"a": "[[[[{{{{", "b": ' + deep + ', "c": "\\"[[["}'
    assert parse_json_object(text.encode())["c"] == '"[[['


@pytest.mark.parametrize(
    ("raw", "status", "words"),
    [
        (b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1), 400, "nested deeper"),
        (b'{"a": NaN}', 400, "NaN is not JSON"),
        (b'{"a": -Infinity}', 400, "Infinity is not JSON"),
        (b'{"a": 1e400}', 400, "out of range"),
        (b'{"a": "\xff"}', 400, "UTF-8"),
        (b"null", 400, "JSON object"),
        (b"x" * (1024 * 1024 + 1), 413, "larger than"),
        (b'{"a": [1, 2],}', 400, "trailing comma before '}'"),
        (b'{"a": [1, 2 , ] }', 400, "trailing comma before ']'"),
        (b'{"a": "\\ud800"}', 400, "lone surrogate"),
        (b'{"a": {"\\udfff": 1}}', 400, "lone surrogate"),
        (b'"' + b'\\"' * 32000, 400, "not JSON"),
        (b"[" * 500_000, 400, "nested deeper"),
    ],
)
def test_bodies_refused_with_the_reason(raw: bytes, status: int, words: str) -> None:
    with pytest.raises(ApiError) as caught:
        parse_json_object(raw)
    assert caught.value.status == status
    assert words in caught.value.message


def test_bodies_accepted() -> None:
    assert parse_json_object(b'{"a": [1, 2.5, {"b": null}]}') == {"a": [1, 2.5, {"b": None}]}
    assert parse_json_object(b'{"a": "keep , ] and ,}"}') == {"a": "keep , ] and ,}"}
    assert parse_json_object(b'{"a": "\\ud83d\\ude00"}') == {"a": "\U0001f600"}
    assert parse_json_object(b"  ") == {}


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("2022-01-11T22:32:45Z", "2022-01-11T22:32:45.000000Z"),
        ("2022-01-11 22:32:45.707231+00", "2022-01-11T22:32:45.707231Z"),
        ("2022-01-11T22:32:45 02:00", "2022-01-11T20:32:45.000000Z"),
        ("2022-01-11t22:32:45.123456789-01:30", "2022-01-12T00:02:45.123456Z"),
        ("0999-01-01T00:00:00Z", "0999-01-01T00:00:00.000000Z"),
        ("0001-01-01T00:00:00Z", "0001-01-01T00:00:00.000000Z"),
        ("0099-12-31T23:00:00-00:30", "0099-12-31T23:30:00.000000Z"),
    ],
)
def test_times_accepted(text: str, stored: str) -> None:
    assert parse_query_time(text) == stored


@pytest.mark.parametrize(
    "text",
    [
        "9999-12-31T23:59:59-01:00",
        "0001-01-01T00:00:00+01:00",
        "2022-01-01",
        "2022-01-01T00:00:00",
        "2022-W01-1",
        "1" * 5000,
        "\uff12\uff10\uff12\uff12-01-01T00:00:00Z",  # full-width digits
    ],
)
def test_times_refused(text: str) -> None:
    with pytest.raises(ValueError, match=r"RFC 3339|out of range"):
        parse_query_time(text)


def test_public_view_shows_allowlisted_fields_only() -> None:
    config = {
        "baseURL": "https://u:pw@api.example.com/p?token=t#f",
        "headers": {"Authorization": "x"},
        "pwd": "p",
        "key": ["k"],
        "empty": "",
    }
    assert public_view("rest", config) == {
        "baseURL": REDACTED,
        "headers": REDACTED,
        "pwd": REDACTED,
        "key": REDACTED,
        "empty": "",
    }
    assert public_view("postgres", {"host": "u:pw@db", "port": 5432}) == {
        "host": REDACTED,
        "port": 5432,
    }
    shown = {"host": "db-1.internal", "port": "5432", "database": "orders", "ssl": "require"}
    assert public_view("postgres", {**shown, "username": "app@azure-db"}) == {
        **shown,
        "username": "app@azure-db",
    }
    assert public_view("rest", {"baseURL": "https://api.example.com/"}) == {
        "baseURL": "https://api.example.com/"
    }


# Each shape once slipped a credential past pattern scrubbing (issue 22, item 9).
@pytest.mark.parametrize(
    ("kind", "field", "value", "shown"),
    [
        ("rest", "baseURL", "https://svc:p@ss@api.example.com/v1", REDACTED),
        ("rest", "baseURL", "https://svc:pa/ss@api.example.com/v1", REDACTED),
        ("rest", "baseURL", "https://svc:pa?ss@api.example.com/v1", REDACTED),
        ("rest", "baseURL", "https://svc:pa%40ss@api.example.com", REDACTED),
        ("rest", "baseURL", "https://a.example.com\nhttps://u:pw-s3cret@b.example.com", REDACTED),
        ("rest", "baseURL", "https://a.example.com https://u:pw-s3cret@b.example.com", REDACTED),
        (
            "rest",
            "baseURL",
            "https://hooks.slack.com/services/T0001/B0001/s3cretWebhookToken",
            "https://hooks.slack.com/REDACTED",
        ),
        (
            "rest",
            "baseURL",
            "https://api.example.com/v1?key=s3cret",
            "https://api.example.com/REDACTED",
        ),
        ("rest", "baseURL", "https://api.example.com#s3cret", "https://api.example.com/REDACTED"),
        ("rest", "baseURL", "https://api.example.com:8443", "https://api.example.com:8443"),
        ("rest", "baseURL", "api.example.com/s3cret", REDACTED),
        (
            "salesforce",
            "instanceURL",
            "https://x.my.salesforce.com/?sid=s3cret",
            "https://x.my.salesforce.com/REDACTED",
        ),
        ("postgres", "host", "host=db password=s3cret", REDACTED),
        ("postgres", "host", "db.internal password=s3cret", REDACTED),
        ("postgres", "host", "postgresql://app:s3cret@db/orders", REDACTED),
        ("postgres", "host", "db.internal\nhost=x password=s3cret", REDACTED),
        ("postgres", "database", "dbname=orders password=s3cret", REDACTED),
        ("postgres", "username", "app:s3cret", REDACTED),
        ("mysql", "username", "app s3cret", REDACTED),
        ("smtp", "username", "mailer:s3cret", REDACTED),
        ("snowflake", "account", "acct/s3cret", REDACTED),
        ("postgres", "port", "5432:s3cret", REDACTED),
        ("postgres", "port", True, REDACTED),
        ("postgres", "ssl", "require password=s3cret", REDACTED),
        ("sendgrid", "fromEmail", "a@b.example password=s3cret", REDACTED),
        ("sendgrid", "fromName", "Ops https://u:s3cret@x.example", REDACTED),
        ("mailgun", "domain", "mg.example.com?key=s3cret", REDACTED),
    ],
)
def test_shown_fields_hold_only_what_their_kind_says(
    kind: str, field: str, value: object, shown: object
) -> None:
    assert public_view(kind, {field: value}) == {field: shown}


def test_a_field_shown_with_redacted_parts_survives_a_read_modify_write() -> None:
    """Sending back what a read showed (`https://hooks.../REDACTED`, a REDACTED host) keeps
    the stored value; a new value replaces it."""
    old = {"baseURL": "https://hooks.example.com/T1/s3cret", "token": "t"}
    shown = public_view("rest", old)
    assert keep_write_only("rest", shown, old) == old
    changed = {**shown, "baseURL": "https://other.example.com"}
    assert keep_write_only("rest", changed, old)["baseURL"] == "https://other.example.com"
    old_db = {"host": "host=db password=s3cret", "port": 5432}
    assert keep_write_only("postgres", public_view("postgres", old_db), old_db) == old_db


def test_write_only_fields_survive_a_read_modify_write() -> None:
    old = {"host": "a", "password": "p", "token": {"v": 1}}
    new = {"host": "b", "password": REDACTED}
    assert keep_write_only("postgres", new, old) == {
        "host": "b",
        "password": "p",
        "token": {"v": 1},
    }


def test_private_resources_need_a_permission() -> None:
    perms = [{"roleID": "developer"}, {"subUserID": "slack:U1"}]
    assert may_read(is_private=False, permissions=[], role="restricted_developer", people=[])
    assert may_read(is_private=True, permissions=[], role="team_admin", people=[])
    assert may_read(is_private=True, permissions=perms, role="developer", people=[])
    assert may_read(is_private=True, permissions=perms, role="run", people=["slack:U1"])
    assert not may_read(is_private=True, permissions=perms, role="run", people=["usrX"])
    assert may_read(is_private=True, permissions=[], role="run", people=[], attached=True)


def test_secret_box_round_trip_rotation_and_wrong_key() -> None:
    old_key, new_key_text = new_key(), new_key()
    sealed = SecretBox([old_key]).seal({"password": "hunter2"})
    assert "hunter2" not in sealed
    with pytest.raises(SecretKeyError):
        SecretBox([new_key_text]).open(sealed)
    rotated = SecretBox([new_key_text, old_key]).reseal(sealed)
    assert SecretBox([new_key_text]).open(rotated) == {"password": "hunter2"}
    with pytest.raises(SecretKeyError):
        SecretBox(["not a key"])


def _param(kind: str) -> Parameter:
    return Parameter.model_validate({"slug": "p", "name": "p", "type": kind})


@pytest.mark.parametrize(
    ("kind", "value", "words"),
    [
        ("integer", "7" * 5000, "between"),
        ("integer", "-" + "0" * 5000 + "9" * 20, "between"),
        ("integer", 2**63, "between"),
        ("float", 10**400, "finite"),
        ("datetime", "9999-12-31T23:59:59-01:00", "years 1-9999"),
        ("string", "x" * (MAX_VALUES_BYTES + 1), "resource or a file"),
    ],
)
def test_parameter_values_refused_not_crashed(kind: str, value: object, words: str) -> None:
    with pytest.raises(ParamError, match=words):
        check_values([_param(kind)], {"p": value})


def test_parameter_values_at_the_bounds_accepted() -> None:
    assert check_values([_param("integer")], {"p": "-9223372036854775808"}) == {"p": -(2**63)}
    assert check_values([_param("integer")], {"p": "000042"}) == {"p": 42}
    assert check_values([_param("string")], {"p": "x" * 99_000}) == {"p": "x" * 99_000}


def test_tasks_inherit_an_allowlisted_environment() -> None:
    server = {
        "PATH": "/usr/bin",
        "HOME": "/home/af",
        "LC_ALL": "C.UTF-8",
        "TZ": "UTC",
        "PYTHONPATH": "/app",
        "SLACK_BOT_TOKEN": "xoxb-1",
        "SLACK_APP_TOKEN": "xapp-1",
        "SLACK_SIGNING_SECRET": "s",
        "AWS_SECRET_ACCESS_KEY": "a",
        "AIRFIELD_SECRET_KEY": "k",
        "AIRFIELD_TASK_ENV": "SSL_CERT_FILE, AIRFIELD_API_KEY",
        "AIRFIELD_API_KEY": "tkn_x",
        "SSL_CERT_FILE": "/etc/ca.pem",
        "AIRPLANE_TOKEN": "t",
    }
    assert base_environment(server) == {
        "PATH": "/usr/bin",
        "HOME": "/home/af",
        "LC_ALL": "C.UTF-8",
        "TZ": "UTC",
        "PYTHONPATH": "/app",
        "SSL_CERT_FILE": "/etc/ca.pem",
    }


async def test_unpadded_years_stored_before_are_padded(tmp_path: Path) -> None:
    """A sleep's `until` stored as `999-...` by an older airfield is read back as `0999-...`."""
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as conn:
        for script in MIGRATIONS[:4]:
            conn.executescript(script)
        conn.execute("PRAGMA user_version = 4")
        conn.execute(
            "INSERT INTO sleeps VALUES ('slp1', 'run1', 1, '999-01-01T00:00:00.000000Z', 'x')"
        )
        conn.execute(
            "INSERT INTO sleeps VALUES ('slp2', 'run1', 1, '2024-01-01T00:00:00.000000Z', 'x')"
        )
    conn.close()
    store = await Store.open(path)
    try:
        old, new = await store.sleeps.get("slp1"), await store.sleeps.get("slp2")
    finally:
        await store.close()
    assert old is not None
    assert old.until == "0999-01-01T00:00:00.000000Z"
    assert new is not None
    assert new.until == "2024-01-01T00:00:00.000000Z"


async def test_acting_for_labels_from_before_owners_go_to_their_first_key(tmp_path: Path) -> None:
    """A label stored before owners were recorded is claimed by the first key's user that uses
    it; from then on it is that user's, and a key's own user is never a person to act for."""
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as conn:
        for script in MIGRATIONS[:5]:
            conn.executescript(script)
        conn.execute("PRAGMA user_version = 5")
        conn.execute(
            "INSERT INTO users (id, name, email, created_at, acting_for)"
            " VALUES ('slack:UOLD', 'slack:UOLD', 'old@ex.com', 'x', 1)"
        )
        conn.execute("INSERT INTO users (id, name, created_at) VALUES ('usrkey', 'k', 'x')")
    conn.close()
    store = await Store.open(path)
    try:
        accounts = store.accounts
        assert await accounts.remember_acting_for("slack:UOLD", "", "usrbot") is Binding.BOUND
        taken = await accounts.remember_acting_for("slack:UOLD", "evil@ex.com", "usrevil")
        assert taken is Binding.TAKEN
        assert await accounts.remember_acting_for("usrkey", "", "usrbot") is Binding.NOT_A_PERSON
        assert (
            await accounts.remember_acting_for("slack:UNEW", "n@ex.com", "usrbot") is Binding.BOUND
        )
        assert await accounts.remember_acting_for("slack:UNEW", "", "usrevil") is Binding.TAKEN
        old, new = await accounts.user("slack:UOLD"), await accounts.user("slack:UNEW")
    finally:
        await store.close()
    assert old is not None
    assert old.email == "old@ex.com"
    assert new is not None
    assert new.email == "n@ex.com"


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        (b"limit=1&limit=2", "'limit' is given more than once"),
        (b"id=a&id=a", "'id' is given more than once"),
        (b"id=%ff%fe", "not UTF-8"),
        (b"since=2022%ed%a0%80", "not UTF-8"),
    ],
)
def test_query_strings_are_read_one_way_only(raw: bytes, words: str) -> None:
    """A repeated name or a value that is not UTF-8 once decoded is a 400 (issue 22's fuzz):
    Starlette kept the last of repeated names and turned bad bytes into U+FFFD."""
    with pytest.raises(ApiError) as caught:
        parse_query(raw)
    assert caught.value.status == 400
    assert caught.value.code == "invalid_query"
    assert words in caught.value.message


def test_query_strings_decode_as_before() -> None:
    assert parse_query(b"a=1&b=&c&d=x+y&e=%C3%A9%00") == {
        "a": "1",
        "b": "",
        "c": "",
        "d": "x y",
        "e": "\u00e9\u0000",
    }


def test_quoted_values_are_clipped_with_their_length() -> None:
    """An error quotes at most QUOTE_CHARS of what was sent (a 900 KB ID was echoed whole)."""
    assert quoted("run1") == "'run1'"
    long = quoted("x" * 900_000)
    assert long.startswith("'" + "x" * QUOTE_CHARS + "'…")
    assert long.endswith("(900000 characters)")
    assert len(long) < QUOTE_CHARS + 40
