"""`airplane-bot dev`: airfield in-process with `examples/`, and the bot pointed at it.

With Slack tokens the bot connects to the real Slack. With none at all it starts the local
playground instead (`bot.process.playground`): the same bot against slackbox's local Slack,
whose web page a person uses in a browser. Partial Slack settings are a mistake, answered
with the set-up steps.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import socket
import sys
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

import uvicorn
from pydantic import SecretStr

from ..wiring.config import Mode, Settings, missing_settings

__all__ = ["run_dev", "slack_setup_instructions", "wants_playground"]

log = logging.getLogger("bot.dev")

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def slack_setup_instructions(missing: Sequence[str]) -> str:
    """What to create in Slack and where to put each token, for the settings in `missing`."""
    lines = [
        "airplane-bot dev needs a Slack app; missing: " + ", ".join(missing),
        "",
        "1. Print the manifest: `airplane-bot manifest > slack-manifest.yml`.",
        "2. At https://api.slack.com/apps choose Create New App > From an app manifest,",
        "   pick your workspace, paste the manifest, and create the app.",
        "3. Install App > Install to Workspace. Copy the Bot User OAuth Token (xoxb-...)",
        "   into .env as SLACK_BOT_TOKEN=xoxb-...",
        "4. Basic Information > App-Level Tokens > Generate Token and Scopes, add the scope",
        "   connections:write, generate, and copy the token (xapp-...) into .env as",
        "   SLACK_APP_TOKEN=xapp-...  (Socket Mode: no public URL needed).",
        "5. Run `airplane-bot dev` again, then type /airplane help in Slack.",
    ]
    return "\n".join(lines)


def _dev_missing(settings: Settings) -> list[str]:
    """Slack settings dev needs (it supplies the Airplane ones itself)."""
    missing = missing_settings(settings, Mode.SOCKET)
    if missing and settings.slack_signing_secret is not None and not settings.slack_app_token:
        # A signing secret means the user set up HTTP mode on purpose.
        missing = missing_settings(settings, Mode.HTTP)
    return [name for name in missing if not name.startswith("AIRPLANE_")]


def wants_playground(settings: Settings) -> bool:
    """No Slack setting at all: someone trying the bot without a workspace."""
    return not any(
        value is not None and value.get_secret_value().strip()
        for value in (
            settings.slack_bot_token,
            settings.slack_app_token,
            settings.slack_signing_secret,
        )
    )


def run_dev(
    settings: Settings,
    *,
    tasks_dirs: Sequence[str] | None,
    airfield_db: str,
    playground: bool = False,
) -> int:
    """Check Slack settings, then serve airfield and the bot (or the playground) until stopped."""
    dirs = tuple(Path(d) for d in tasks_dirs) if tasks_dirs else (EXAMPLES,)
    if playground or wants_playground(settings):
        from .playground import serve_playground

        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(_dev(settings, dirs, Path(airfield_db), serve_playground))
        return 0
    missing = _dev_missing(settings)
    if missing:
        print(slack_setup_instructions(missing), file=sys.stderr)
        return 2
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_dev(settings, dirs, Path(airfield_db), _serve_slack))
    return 0


async def _serve_slack(settings: Settings) -> None:
    from .serve import serve

    await serve(settings, host="127.0.0.1")


async def _dev(
    settings: Settings,
    tasks_dirs: tuple[Path, ...],
    db_path: Path,
    serve_bot: Callable[[Settings], Awaitable[None]],
) -> None:
    from airfield.app import ServeConfig
    from airfield.app import build_app as build_airfield
    from airfield.secret_box import SecretBox

    from .serve import QuietServer

    key = settings.airplane_api_key or SecretStr("tkn_dev" + secrets.token_hex(16))
    # IPPROTO_TCP so asyncio sets TCP_NODELAY on accepted sockets (as airfield serve does).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    port = int(sock.getsockname()[1])
    url = f"http://127.0.0.1:{port}"
    config = ServeConfig(
        db_path=db_path,
        tasks_dirs=tasks_dirs,
        port=port,
        admin_key=key.get_secret_value(),
        secret_box=SecretBox.from_environment() or SecretBox([_dev_secret_key(db_path)]),
    )
    server = QuietServer(
        uvicorn.Config(
            build_airfield(config, url), log_level="warning", access_log=False, lifespan="on"
        )
    )
    airfield = asyncio.create_task(server.serve(sockets=[sock]), name="airfield")
    try:
        await _wait_started(server, airfield)
        log.info("airfield serving %s at %s", ", ".join(map(str, tasks_dirs)), url)
        bot_settings = settings.model_copy(
            update={"airplane_api_host": url, "airplane_api_key": key}
        )
        await serve_bot(bot_settings)
    finally:
        # Stopped like `airfield serve` stops: runs and sessions closed, store closed.
        server.should_exit = True
        await airfield
        sock.close()


async def _wait_started(server: uvicorn.Server, task: asyncio.Task[None]) -> None:
    """Return once airfield listens (or raise airfield's own error if it died first)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 30
    while not server.started:
        if task.done():
            task.result()
            raise RuntimeError("airfield stopped before it was listening")
        if loop.time() > deadline:
            raise TimeoutError("airfield did not start within 30 s")
        await asyncio.sleep(0.05)


def _dev_secret_key(db_path: Path) -> str:
    """The key that encrypts resources in the dev airfield's database, kept beside it.

    Without AIRFIELD_SECRET_KEY, `dev` makes one on first use (readable by the owner only) so
    resources work and stay readable across restarts of the same database.
    """
    from airfield.secret_box import new_key

    path = db_path.with_name(db_path.name + ".secret-key")
    if not path.exists():
        path.write_text(new_key() + "\n")
        path.chmod(0o600)
    return path.read_text().strip()
