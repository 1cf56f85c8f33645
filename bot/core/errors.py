"""Every error the bot raises on purpose, under one root, by who can do something about it.

```
BotError                     raised on purpose; anything else is a bug (logged with its trace)
├── UserError                the Slack user can fix it; user_errors.user_message says how
│   ├── UsageError           a command or value the bot cannot use (+ which usage line helps)
│   └── FormGone             a form submitted after what it was opened with was dropped
├── SetupError               whoever runs the bot can fix it (settings, files, a port); the CLI
│   │                        prints the message instead of a trace
│   ├── PolicyError          BOT_POLICY is not a valid policy
│   ├── ManifestError        the manifest cannot be rendered (file, BOT_COMMAND)
│   ├── InvalidLocation      BOT_DB names no backend the bot knows
│   ├── TransferError        migrate-state cannot copy into that database
│   └── PlaygroundError      the playground cannot start (its port is taken)
├── SlackError               Slack said no or did not answer: slack.errors.slack_error, once
│   ├── SlackRefused         Slack answered ok=false (code: Slack's error string)
│   │   ├── SlackRateLimited 429: retry after `retry_after` seconds
│   │   └── ChannelGone      the bot can write to that channel no more (removed, archived)
│   └── SlackUnreachable     no answer (connection refused or reset, timeout)
├── StoreError               the bot's database
│   └── DatabaseUnavailable  the server did not accept a connection in time
└── Handover                 not a failure: this replica must stop, or work another way
    ├── LeaseLost            a fenced write found its lease taken over (store)
    ├── NotLeased            the tracker's item is another replica's now
    └── FeedUnsupported      the server cannot filter lists by update time: poll each run
```

Airplane's errors are `airplane_api.AirplaneError` (that package stands alone; its tree is in
`airplane_api/errors.py`); `user_errors.user_message` turns both trees into what a user reads.
Every class lives here, so the tree above is the whole story; the modules that raise one
import it from here (and keep exporting it under its old name).
"""

from __future__ import annotations

from typing import Protocol

__all__ = [
    "BotError",
    "ChannelGone",
    "DatabaseUnavailable",
    "FeedUnsupported",
    "FormGone",
    "Handover",
    "InvalidLocation",
    "LeaseLost",
    "ManifestError",
    "NotLeased",
    "PlaygroundError",
    "PolicyError",
    "SetupError",
    "SlackError",
    "SlackRateLimited",
    "SlackRefused",
    "SlackUnreachable",
    "StoreError",
    "TransferError",
    "UsageError",
    "UserError",
]


class BotError(Exception):
    """The root: an error the bot raises on purpose."""


# -- the Slack user can fix it ---------------------------------------------------------------


class UserError(BotError):
    """Something the Slack user can fix; `user_errors.user_message` says what to do."""


class UsageError(UserError):
    """The text is not a valid command, or names nothing that exists; the message says what
    was wrong, `subcommand` which usage line says what to do instead."""

    def __init__(self, message: str, subcommand: str | None = None) -> None:
        super().__init__(message)
        self.subcommand = subcommand


class FormGone(UserError):
    """A submission for a form whose kept state is not (or no longer) in the store."""


# -- whoever runs the bot can fix it ---------------------------------------------------------


class SetupError(BotError):
    """The bot's settings or files are wrong; the message says where and what works."""


class PolicyError(SetupError):
    """The policy file is not valid; the message says where."""


class ManifestError(SetupError):
    """The manifest cannot be rendered (missing file, bad command name)."""


class InvalidLocation(SetupError, ValueError):
    """`BOT_DB` names no backend the bot knows (a ValueError too: settings validators raise it)."""


class TransferError(SetupError):
    """The state cannot be copied; the message says why and what to do."""


class PlaygroundError(SetupError):
    """The playground cannot start (its port is taken)."""


# -- Slack -----------------------------------------------------------------------------------


class SlackError(BotError):
    """A Slack Web API call failed; `code` is Slack's error string (or what stood for one)."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code


class SlackRefused(SlackError):
    """Slack answered `ok: false` with `code` (`not_authed`, `invalid_blocks`, ...)."""


class SlackRateLimited(SlackRefused):
    """Slack answered 429: try the same call again after `retry_after` seconds."""

    def __init__(self, retry_after: float) -> None:
        super().__init__("ratelimited", f"retry after {retry_after:g}s")
        self.retry_after = retry_after


class ChannelGone(SlackRefused):
    """Slack refuses every write to `channel` (the bot was removed, it was archived)."""

    def __init__(self, channel: str, code: str) -> None:
        super().__init__(code, channel)
        self.channel = channel


class SlackUnreachable(SlackError):
    """No answer from Slack: the connection failed or timed out."""


# -- the store -------------------------------------------------------------------------------


class StoreError(BotError):
    """The bot's own database failed."""


class DatabaseUnavailable(StoreError):
    """The server did not accept a connection in time (down, unreachable, wrong credentials)."""


# -- control flow ----------------------------------------------------------------------------


class Handover(BotError):
    """Not a failure: the work belongs elsewhere now, or must be done another way."""


class HeldLease(Protocol):
    """What `LeaseLost` reads of a lease (`store.leases.Lease`); a protocol so this module, at
    the bottom of the bot, imports nothing of the store above it."""

    @property
    def name(self) -> str: ...

    @property
    def token(self) -> int: ...


class LeaseLost(Handover):
    """The lease was taken over (or lapsed): the work it guarded must stop writing."""

    def __init__(self, lease: HeldLease) -> None:
        super().__init__(f"lease {lease.name!r} (token {lease.token}) is no longer held")
        self.lease = lease


class NotLeased(Handover):
    """This replica no longer holds the item's lease: another one writes it now."""


class FeedUnsupported(Handover):
    """The server does not filter lists by update time."""
