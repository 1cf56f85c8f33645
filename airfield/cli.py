"""`airfield serve`, `airfield worker`, `airfield keys create|list|revoke`,
`airfield secrets new-key|rotate`."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from .app import ServeConfig, serve
from .auth import Role, create_key, revoke_key
from .runner import RunnerSettings
from .secret_box import ENV_VAR, SecretBox, SecretKeyError, new_key
from .store import KeyRecord, Store
from .store.postgres import is_postgres_url

DEFAULT_DB = "airfield.db"


def _env_float(name: str, default: float) -> float:
    text = os.environ.get(name, "").strip()
    return float(text) if text else default


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="airfield", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve_cmd = commands.add_parser("serve", help="serve the Airplane v0 API")
    serve_cmd.add_argument("--host", default="127.0.0.1")
    serve_cmd.add_argument("--port", type=int, default=4000, help="0 picks a free port")
    serve_cmd.add_argument(
        "--tasks", action="append", default=None, metavar="DIR", help="definitions dir (repeat)"
    )
    serve_cmd.add_argument("--db", default=None, metavar="PATH|URL")
    serve_cmd.add_argument(
        "--port-file", default=None, metavar="PATH", help="write the bound port here once listening"
    )
    serve_cmd.add_argument("--rate-limit", type=float, default=None, metavar="RPS")
    serve_cmd.add_argument("--rate-burst", type=float, default=None, metavar="N")
    serve_cmd.add_argument("--max-active-runs", type=int, default=None, metavar="N")
    serve_cmd.add_argument(
        "--no-worker",
        action="store_true",
        help="answer the API only; workers sharing the PostgreSQL database run the tasks",
    )
    worker = commands.add_parser(
        "worker",
        help="run queued runs from a shared PostgreSQL database (any number, on any machine)",
    )
    worker.add_argument("--db", default=None, metavar="URL", help="postgresql://...")
    worker.add_argument(
        "--tasks", action="append", default=None, metavar="DIR", help="definitions dir (repeat)"
    )
    worker.add_argument(
        "--concurrency", type=int, default=None, metavar="N", help="top-level runs at once"
    )
    worker.add_argument(
        "--port",
        type=int,
        default=0,
        help="port of the API its tasks call, on 127.0.0.1 (0 picks a free one)",
    )
    worker.add_argument("--port-file", default=None, metavar="PATH")
    # What `serve` takes that a worker does not: its API serves only its own tasks.
    worker.set_defaults(
        host="127.0.0.1", rate_limit=None, rate_burst=None, max_active_runs=None, no_worker=False
    )
    keys = commands.add_parser("keys", help="manage API keys")
    key_commands = keys.add_subparsers(dest="keys_command", required=True)
    create = key_commands.add_parser("create", help="create an API key; prints it last")
    create.add_argument("name")
    create.add_argument(
        "--role",
        default=Role.TEAM_ADMIN.value,
        choices=[r.value for r in Role if r is not Role.RUN],
    )
    create.add_argument(
        "--same-user-as",
        default=None,
        metavar="KEY_ID",
        help="the user of this key (to replace it: the new key acts for the same people)",
    )
    create.add_argument("--db", default=None, metavar="PATH|URL")
    listing = key_commands.add_parser("list", help="list API keys (never the keys themselves)")
    listing.add_argument("--db", default=None, metavar="PATH|URL")
    revoke = key_commands.add_parser(
        "revoke", help="revoke an API key: every request with it is refused (401) from now on"
    )
    revoke.add_argument(
        "key",
        metavar="KEY_ID|KEY|-",
        help="the key's ID (apk...), the key, or - to read it from stdin",
    )
    revoke.add_argument("--db", default=None, metavar="PATH|URL")
    secrets = commands.add_parser("secrets", help="the key resource secrets are encrypted with")
    secret_commands = secrets.add_subparsers(dest="secrets_command", required=True)
    secret_commands.add_parser("new-key", help=f"print a fresh key for {ENV_VAR}")
    rotate = secret_commands.add_parser(
        "rotate",
        help=f"re-encrypt every resource under the first key of {ENV_VAR}=NEW,OLD",
    )
    rotate.add_argument("--db", default=None, metavar="PATH|URL")
    return parser


def _db_path(arg: str | None) -> Path | str:
    """`--db` (or AIRFIELD_DB): a `postgresql://` URL as given, else a SQLite file's path."""
    target = arg or os.environ.get("AIRFIELD_DB") or DEFAULT_DB
    return target if is_postgres_url(target) else Path(target)


def _runner_settings(max_runs: int, run_tasks: bool) -> RunnerSettings:
    return RunnerSettings(
        max_active_runs=max(1, max_runs),
        run_tasks=run_tasks,
        lease_seconds=_env_float("AIRFIELD_LEASE_SECONDS", 10.0),
        drain_seconds=_env_float("AIRFIELD_DRAIN_SECONDS", 25.0),
    )


def _worker_config(args: argparse.Namespace) -> ServeConfig:
    """A worker is an airfield that runs tasks, with its API on 127.0.0.1 for its own tasks
    (their airplanesdk calls: prompts, outputs, child runs) and everything in the database."""
    db = _db_path(args.db)
    if not isinstance(db, str):
        raise SystemExit(
            "airfield worker: --db (or AIRFIELD_DB) must be a postgresql:// URL; workers share"
            " the queue of a PostgreSQL database (SQLite: `airfield serve` runs tasks itself)"
        )
    concurrency = args.concurrency or int(_env_float("AIRFIELD_MAX_ACTIVE_RUNS", 8))
    return _serve_config(args, runner=_runner_settings(concurrency, True))


def _serve_config(args: argparse.Namespace, runner: RunnerSettings | None = None) -> ServeConfig:
    dirs = args.tasks
    if dirs is None:
        dirs = [d for d in os.environ.get("AIRFIELD_TASKS", "").split(os.pathsep) if d]
    rate = args.rate_limit if args.rate_limit is not None else _env_float("AIRFIELD_RATE_LIMIT", 50)
    burst = (
        args.rate_burst
        if args.rate_burst is not None
        else _env_float("AIRFIELD_RATE_BURST", max(100.0, rate))
    )
    if runner is None:
        max_runs = args.max_active_runs or int(_env_float("AIRFIELD_MAX_ACTIVE_RUNS", 8))
        runner = _runner_settings(max_runs, not args.no_worker)
    return ServeConfig(
        db_path=_db_path(args.db),
        tasks_dirs=tuple(Path(d) for d in dirs),
        host=args.host,
        port=args.port,
        admin_key=os.environ.get("AIRFIELD_API_KEY") or None,
        rate_per_second=rate,
        rate_burst=burst,
        runner=runner,
        port_file=Path(args.port_file) if args.port_file else None,
        secret_box=SecretBox.from_environment(),
    )


async def _create_key(
    db: Path | str, name: str, role: str, same_user_as: str | None
) -> tuple[str, str]:
    store = await Store.open(db)
    try:
        return await create_key(store, name, role, same_user_as)
    finally:
        await store.close()


async def _list_keys(db: Path | str) -> list[str]:
    store = await Store.open(db)
    try:
        keys = await store.accounts.keys()
    finally:
        await store.close()
    return [
        f"{key.id}  {key.role:<20}  created {created}"
        + (f"  REVOKED {revoked}" if revoked else "")
        + f"  {key.name}"
        for key, created, revoked in keys
    ]


async def _revoke_key(db: Path | str, key_or_id: str) -> KeyRecord | None:
    store = await Store.open(db)
    try:
        return await revoke_key(store, key_or_id)
    finally:
        await store.close()


def _keys(args: argparse.Namespace) -> int:
    db = _db_path(args.db)
    if args.keys_command == "list":
        for line in asyncio.run(_list_keys(db)):
            print(line)
        return 0
    if args.keys_command == "revoke":
        ref = sys.stdin.readline().strip() if args.key == "-" else args.key
        revoked = asyncio.run(_revoke_key(db, ref))
        if revoked is None:
            print("airfield: no API key in use matches; nothing revoked", file=sys.stderr)
            return 1
        print(f"Revoked API key {revoked.name!r} ({revoked.id}); it is refused from now on.")
        return 0
    try:
        key, key_id = asyncio.run(_create_key(db, args.name, args.role, args.same_user_as))
    except ValueError as exc:
        print(f"airfield: {exc}", file=sys.stderr)
        return 2
    print(f"Created API key {args.name!r} ({key_id}) with role {args.role}.")
    print("It is shown only once:")
    print(key)
    return 0


async def _rotate(db: Path | str) -> tuple[int, bool]:
    box = SecretBox.from_environment()
    if box is None:
        raise SecretKeyError(f"{ENV_VAR} is not set; set it to NEW_KEY,OLD_KEY to rotate")
    store = await Store.open(db, box)
    try:
        return await store.accounts.rotate_resources()
    finally:
        await store.close()


def _secrets(args: argparse.Namespace) -> int:
    if args.secrets_command == "new-key":
        print(new_key())
        return 0
    count, compacted = asyncio.run(_rotate(_db_path(args.db)))
    print(f"Re-encrypted {count} resources under the first key of {ENV_VAR};")
    print("the keys after it are no longer needed once every airfield runs with the new one.")
    if not compacted:
        print(
            "airfield: another process was reading the database, so its WAL could not be"
            " emptied; copies under the old key stay in it until airfield stops. Run rotate"
            " again while airfield is stopped to remove them now.",
            file=sys.stderr,
        )
        return 1
    return 0


def _shared(config: ServeConfig) -> bool:
    return isinstance(config.db_path, str) and is_postgres_url(config.db_path)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `airfield` command."""
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=os.environ.get("AIRFIELD_LOG_LEVEL", "INFO").upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        if args.command in ("serve", "worker"):
            config = _serve_config(args) if args.command == "serve" else _worker_config(args)
            if not config.runner.run_tasks and not config.drains and not _shared(config):
                print("airfield: --no-worker needs a postgresql:// --db", file=sys.stderr)
                return 2
            with contextlib.suppress(KeyboardInterrupt):
                asyncio.run(serve(config))
            return 0
        if args.command == "secrets":
            return _secrets(args)
    except SecretKeyError as exc:
        print(f"airfield: {exc}", file=sys.stderr)
        return 2
    return _keys(args)


if __name__ == "__main__":
    sys.exit(main())
