"""`airplane-bot serve|dev|manifest|migrate-state`."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import sys
from collections.abc import Sequence

from pydantic import ValidationError

from ..core.errors import SetupError
from ..core.logs import configure_logging
from ..wiring.config import Mode, Settings, missing_settings
from .manifest import ManifestError, render_manifest

__all__ = ["main"]

log = logging.getLogger("bot.cli")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="airplane-bot", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser(
        "serve", help="run the bot (Socket Mode when SLACK_APP_TOKEN is set, else HTTP)"
    )
    serve.add_argument("--host", default="0.0.0.0", help="HTTP mode: address to bind")
    dev = commands.add_parser(
        "dev",
        help="airfield with examples/ and the bot against it; without Slack tokens, the local"
        " playground (a web page standing in for Slack at http://127.0.0.1:PORT)",
    )
    dev.add_argument(
        "--playground",
        action="store_true",
        help="use the local playground even when Slack tokens are set",
    )
    dev.add_argument("--tasks", action="append", default=None, metavar="DIR")
    dev.add_argument("--airfield-db", default="airfield-dev.db", metavar="PATH")
    manifest = commands.add_parser("manifest", help="print the Slack app manifest")
    manifest.add_argument(
        "--http", default=None, metavar="URL", help="HTTP mode: the bot's public base URL"
    )
    migrate = commands.add_parser(
        "migrate-state",
        help="copy the bot's state into an empty database (e.g. an SQLite file to PostgreSQL)",
    )
    migrate.add_argument(
        "--from", dest="source", default=None, metavar="BOT_DB", help="default: BOT_DB"
    )
    migrate.add_argument("--to", dest="target", required=True, metavar="BOT_DB")
    return parser


def refuse(mode: Mode, missing: Sequence[str]) -> str:
    """The message `serve` exits with when settings are missing."""
    lines = [f"airplane-bot cannot start in {mode.value} mode; these settings are missing:"]
    lines += [f"  - {name}" for name in missing]
    lines.append("Set them in the environment or in a .env file in the working directory.")
    return "\n".join(lines)


def _settings() -> Settings | None:
    try:
        return Settings()
    except ValidationError as exc:
        for error in exc.errors():
            name = str(error["loc"][0]).upper()
            print(f"airplane-bot: invalid setting {name}: {error['msg']}", file=sys.stderr)
        return None


def migrate_state(source: str, target: str) -> int:
    """`airplane-bot migrate-state`: copy, then say what was copied (or why not)."""
    from ..store import DatabaseUnavailable, InvalidLocation
    from ..store.transfer import TransferError, copy_state_between, plan_transfer

    try:
        copied = asyncio.run(copy_state_between(*plan_transfer(source, target)))
    except (InvalidLocation, TransferError, DatabaseUnavailable, OSError) as exc:
        print(f"airplane-bot: cannot copy the state: {exc}", file=sys.stderr)
        return 1
    for table, rows in copied.items():
        print(f"{table}: {rows} rows")
    print(f"copied {sum(copied.values())} rows; now set BOT_DB to the new database")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `airplane-bot` command."""
    args = _parser().parse_args(argv)
    settings = _settings()
    if settings is None:
        return 2
    configure_logging(settings.log_format, settings.log_level)
    if args.command == "manifest":
        try:
            print(render_manifest(settings.bot_command, http_url=args.http), end="")
        except ManifestError as exc:
            print(f"airplane-bot: {exc}", file=sys.stderr)
            return 1
        return 0
    if args.command == "migrate-state":
        return migrate_state(args.source or settings.bot_db, args.target)
    if args.command == "dev":
        from .dev import run_dev

        try:
            return run_dev(
                settings,
                tasks_dirs=args.tasks,
                airfield_db=args.airfield_db,
                playground=args.playground,
            )
        except SetupError as exc:  # the playground's port, the policy file, ...
            print(f"airplane-bot: {exc}", file=sys.stderr)
            return 2
    missing = missing_settings(settings)
    if missing:
        print(refuse(settings.mode, missing), file=sys.stderr)
        return 2
    from ..store import DatabaseUnavailable, parse_location
    from .serve import serve

    try:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(serve(settings, host=args.host))
    except SetupError as exc:
        print(f"airplane-bot: {exc}", file=sys.stderr)
        return 2
    except DatabaseUnavailable as exc:
        where = parse_location(settings.bot_db).describe()
        print(f"airplane-bot: cannot open the state at {where}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
