"""`airplane-bot dev`: airfield in-process with `examples/`, and the bot pointed at it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from pydantic import SecretStr

from .config import Mode, Settings, missing_settings

__all__ = ["run_dev", "slack_setup_instructions"]

log = logging.getLogger("bot.dev")

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


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


def run_dev(settings: Settings, *, tasks_dirs: Sequence[str] | None, airfield_db: str) -> int:
    """Check Slack settings, then serve airfield and the bot until interrupted."""
    missing = _dev_missing(settings)
    if missing:
        print(slack_setup_instructions(missing), file=sys.stderr)
        return 2
    dirs = tuple(Path(d) for d in tasks_dirs) if tasks_dirs else (EXAMPLES,)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_dev(settings, dirs, Path(airfield_db)))
    return 0


async def _dev(settings: Settings, tasks_dirs: tuple[Path, ...], db_path: Path) -> None:
    from airfield.app import ServeConfig
    from airfield.app import serve as serve_airfield

    from .serve import serve

    key = settings.airplane_api_key or SecretStr("tkn_dev" + secrets.token_hex(16))
    with tempfile.TemporaryDirectory() as scratch:
        port_file = Path(scratch) / "airfield.port"
        config = ServeConfig(
            db_path=db_path,
            tasks_dirs=tasks_dirs,
            port=0,
            admin_key=key.get_secret_value(),
            port_file=port_file,
        )
        airfield = asyncio.create_task(serve_airfield(config), name="airfield")
        port = await _wait_for_port(port_file, airfield)
        log.info("airfield serving %s on port %d", ", ".join(map(str, tasks_dirs)), port)
        bot_settings = settings.model_copy(
            update={"airplane_api_host": f"http://127.0.0.1:{port}", "airplane_api_key": key}
        )
        try:
            await serve(bot_settings, host="127.0.0.1")
        finally:
            airfield.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await airfield


async def _wait_for_port(port_file: Path, airfield: asyncio.Task[None]) -> int:
    """The port airfield bound, once it wrote it (or airfield's own error if it died)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 30
    while loop.time() < deadline:
        if airfield.done():
            airfield.result()
            raise RuntimeError("airfield stopped before it was listening")
        with contextlib.suppress(OSError, ValueError):
            return int((await asyncio.to_thread(port_file.read_text)).strip())
        await asyncio.sleep(0.05)
    raise TimeoutError("airfield did not start within 30 s")
