"""The bot as a real process (`python -m bot ...`) against the Slack emulator and airfield."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from slackbox import SlackEmulator
from tests.support.airfield import REPO, AirfieldProcess


@asynccontextmanager
async def bot_process(
    env: dict[str, str], log: Path, command: str = "serve"
) -> AsyncIterator[asyncio.subprocess.Process]:
    """`python -m bot <command>` with exactly `env` (plus PATH), stopped by SIGINT.

    A test that kills the process itself (SIGKILL) leaves nothing to stop here.
    """
    with log.open("wb") as output:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            command,
            *(["--host", "127.0.0.1"] if command == "serve" else []),
            cwd=log.parent,
            env={"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(REPO), **env},
            stdout=output,
            stderr=asyncio.subprocess.STDOUT,
        )
        try:
            yield process
        finally:
            if process.returncode is None:
                process.send_signal(signal.SIGINT)
                try:
                    code = await asyncio.wait_for(process.wait(), 15)
                except TimeoutError:
                    process.kill()
                    await process.wait()
                    raise
                assert code == 0, f"the bot exited with {code}; its output is in {log}"


def base_env(slack: SlackEmulator, airfield: AirfieldProcess, tmp_path: Path) -> dict[str, str]:
    """Settings for a bot against the emulator and airfield."""
    return {
        "SLACK_BOT_TOKEN": slack.bot_token,
        "SLACK_API_URL": slack.api_url,
        "AIRPLANE_API_KEY": airfield.api_key,
        "AIRPLANE_API_HOST": airfield.url,
        "BOT_DB": str(tmp_path / "bot.db"),
        "LOG_FORMAT": "json",
        # No operators' listener unless a test asks for one with `free_port()` (3001 may be
        # taken on the machine); the bot then logs where it bound (`ops_address`).
        "METRICS_PORT": "0",
    }


def free_port() -> int:
    """A port nobody listens on right now (for PORT or METRICS_PORT)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


OPS_LISTENING = "serving /metrics, /readyz and /healthz on "


def ops_address(log: Path) -> str | None:
    """The `host:port` a bot started with LOG_FORMAT=json logged for its operators' listener,
    as bound (None until it has)."""
    if not log.exists():
        return None
    for line in log.read_text().splitlines():
        try:
            message = str(json.loads(line).get("msg", ""))
        except ValueError:
            continue
        if message.startswith(OPS_LISTENING):
            return message.removeprefix(OPS_LISTENING)
    return None
