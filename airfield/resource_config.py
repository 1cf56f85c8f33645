"""Resource kinds, the configuration fields each kind may show, and who may read one. Pure.

Secrets are found by the kind's schema, not by patterns over values: each kind declares the
fields that describe where it connects (host, port, database, ...) and what each of them holds
(a host name, a port, a name, a URL's origin). Every other field is write-only: a read shows
`REDACTED` in its place (or its empty value), whatever its name or shape. A declared field is
shown only when its value is what the field holds, and nothing else: a host field holding a
libpq DSN (`host=db password=...`) or `user:pw@db`, a username holding `user:pass`, two URLs on
two lines, an object or a list is `REDACTED` too. A URL shows only its origin
(`https://api.example.com`); whatever follows it (a path, which may be a webhook's token, a
query, a fragment) is not classified, so it reads `/REDACTED`, and a URL with an `@` anywhere
(user info, however its password is written) is `REDACTED` whole.

An update that sends `REDACTED` for a write-only field, or leaves it out, keeps the stored
value, and so does one that sends back a shown field exactly as a read showed it with
`REDACTED` in it, so a client can read a resource, change one field and write it back.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

REDACTED = "REDACTED"

_HOST_TEXT = re.compile(
    r"(?=.{1,253}$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62})(?:\.[A-Za-z0-9_-]{1,63})*\.?"
    r"|\[[0-9A-Fa-f:.]{2,45}\]|(?=.*:.*:)[0-9A-Fa-f:.]{2,45}",
    re.ASCII,
)
_NAME_TEXT = re.compile(r"[A-Za-z0-9_.@+$-]{1,128}", re.ASCII)
_MODE_TEXT = re.compile(r"[A-Za-z-]{1,20}", re.ASCII)
_EMAIL_TEXT = re.compile(r"[A-Za-z0-9_.+-]{1,64}@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+", re.ASCII)
_LABEL_TEXT = re.compile(r"[\w .,'&()-]{1,100}")
_ORIGIN = re.compile(
    r"(?P<origin>[A-Za-z][A-Za-z0-9+.-]{0,15}://(?P<host>[^/?#:]+)(?::[0-9]{1,5})?)"
    r"(?P<rest>[/?#].*)?",
    re.ASCII | re.DOTALL,
)


def _host(value: Any) -> Any:
    return value if isinstance(value, str) and _HOST_TEXT.fullmatch(value) else REDACTED


def _port(value: Any) -> Any:
    if isinstance(value, bool):
        return REDACTED
    if isinstance(value, int) and 0 < value < 65536:
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit() and 0 < int(value) < 65536:
        return value
    return REDACTED


def _name(value: Any) -> Any:
    return value if isinstance(value, str) and _NAME_TEXT.fullmatch(value) else REDACTED


def _flag(value: Any) -> Any:
    if isinstance(value, bool) or (isinstance(value, str) and _MODE_TEXT.fullmatch(value)):
        return value
    return REDACTED


def _email(value: Any) -> Any:
    return value if isinstance(value, str) and _EMAIL_TEXT.fullmatch(value) else REDACTED


def _label(value: Any) -> Any:
    return value if isinstance(value, str) and _LABEL_TEXT.fullmatch(value) else REDACTED


def _origin(value: Any) -> Any:
    """A URL's scheme, host and port; `/REDACTED` in place of anything after them."""
    if not isinstance(value, str) or "@" in value or not value.isprintable() or " " in value:
        return REDACTED
    url = _ORIGIN.fullmatch(value)
    if url is None or _HOST_TEXT.fullmatch(url["host"]) is None:
        return REDACTED
    rest = url["rest"] or ""
    return value if rest in ("", "/") else url["origin"] + "/" + REDACTED


Field = Callable[[Any], Any]
"""What a shown field holds: the value as a read shows it, or REDACTED when it is not that."""

_SQL: Mapping[str, Field] = {
    "host": _host,
    "port": _port,
    "database": _name,
    "username": _name,
    "ssl": _flag,
    "sshHost": _host,
    "sshPort": _port,
    "sshUsername": _name,
}
_HTTP: Mapping[str, Field] = {"baseURL": _origin}
_NOTHING: Mapping[str, Field] = {}

# The fields a read may show, by kind, and what each holds; everything else is write-only.
PUBLIC_FIELDS: Mapping[str, Mapping[str, Field]] = {
    "postgres": _SQL,
    "airplane_postgres": _SQL,
    "mysql": _SQL,
    "sqlserver": _SQL,
    "redshift": _SQL,
    "snowflake": {
        "account": _name,
        "warehouse": _name,
        "database": _name,
        "schema": _name,
        "role": _name,
        "username": _name,
    },
    "bigquery": {"projectID": _name, "location": _name, "dataSet": _name},
    "dynamodb": {"region": _name},
    "graphql": _HTTP,
    "rest": _HTTP,
    "mailgun": {"domain": _host},
    "sendgrid": {"fromEmail": _email, "fromName": _label},
    "smtp": {"host": _host, "port": _port, "username": _name, "tls": _flag, "fromEmail": _email},
    "mongodb": _NOTHING,
    "slack": _NOTHING,
    "salesforce": {"instanceURL": _origin},
    "openai": _NOTHING,
    "anthropic": _NOTHING,
}
KINDS = frozenset(PUBLIC_FIELDS)


def public_view(kind: str, config: Mapping[str, Any]) -> dict[str, Any]:
    """`config` as a read shows it: declared fields holding what they should, the rest
    REDACTED (empty values stay empty)."""
    public = PUBLIC_FIELDS.get(kind, _NOTHING)
    out: dict[str, Any] = {}
    for key, value in config.items():
        if value is None or value == "":
            out[key] = value
        elif key in public:
            out[key] = public[key](value)
        else:
            out[key] = REDACTED
    return out


def _unchanged(field: Field | None, sent: Any, stored: Any) -> bool:
    """Whether `sent` is `stored` as a read shows it, with something held back."""
    if field is None:
        return bool(sent == REDACTED)
    return isinstance(sent, str) and REDACTED in sent and sent == field(stored)


def keep_write_only(kind: str, new: Mapping[str, Any], old: Mapping[str, Any]) -> dict[str, Any]:
    """`new`, with write-only fields that are REDACTED or left out taken from `old`, and shown
    fields sent back as a read showed them (with REDACTED in them) too."""
    public = PUBLIC_FIELDS.get(kind, _NOTHING)
    merged = dict(new)
    for key, value in new.items():
        if key in old and _unchanged(public.get(key), value, old[key]):
            merged[key] = old[key]
    for key, value in old.items():
        if key not in public and key not in new:
            merged[key] = value
    return merged


def may_read(
    *,
    is_private: bool,
    permissions: Iterable[Mapping[str, Any]],
    role: str,
    people: Iterable[str],
    attached: bool = False,
) -> bool:
    """Whether a caller may read a resource.

    Public resources: everyone. Private ones: team admins, a run the resource is attached to,
    and callers a permission names by role (`roleID`) or user (`subUserID`: the key's user or
    the person it acts for). airfield has no groups, so `subGroupID` grants nothing.
    """
    if not is_private or role == "team_admin" or attached:
        return True
    names = set(people)
    for permission in permissions:
        if permission.get("roleID") == role or permission.get("subUserID") in names:
            return True
    return False
