"""The bot as a real process (`python -m bot ...`) against the Slack emulator and airfield."""

from __future__ import annotations

import asyncio
import os
import signal
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
        # No Socket Mode metrics listener unless a test asks (3001 may be taken on the machine).
        "METRICS_PORT": "0",
    }
