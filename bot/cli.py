"""`airplane-bot serve|dev|manifest`."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import sys
from collections.abc import Sequence

from pydantic import ValidationError

from .config import Mode, Settings, missing_settings
from .logs import configure_logging
from .manifest import ManifestError, render_manifest
from .policy import PolicyError

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
        names = ", ".join(str(error["loc"][0]).upper() for error in exc.errors())
        print(f"airplane-bot: invalid settings: {names}", file=sys.stderr)
        return None


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
    if args.command == "dev":
        from .dev import run_dev
        from .playground import PlaygroundError

        try:
            return run_dev(
                settings,
                tasks_dirs=args.tasks,
                airfield_db=args.airfield_db,
                playground=args.playground,
            )
        except (PlaygroundError, PolicyError) as exc:
            print(f"airplane-bot: {exc}", file=sys.stderr)
            return 2
    missing = missing_settings(settings)
    if missing:
        print(refuse(settings.mode, missing), file=sys.stderr)
        return 2
    from .serve import serve

    try:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(serve(settings, host=args.host))
    except PolicyError as exc:
        print(f"airplane-bot: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
