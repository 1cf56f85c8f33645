"""`airplane-bot dev` with no Slack settings, as a real process: the playground on a free port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from tests.support.airfield import REPO

# Starting airfield and the bot, and the bot's first Socket Mode connection, on a loaded machine.
START_SECONDS = 60.0


@dataclass(frozen=True)
class RunningPlayground:
    """The page's URL and where the process writes its output."""

    url: str
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def state(self, user: str = "U0ALICE") -> dict[str, Any]:
        """What the page reads for `user`."""
        answer = httpx.get(f"{self.url}ui/state", params={"user": user}, timeout=10)
        answer.raise_for_status()
        body: dict[str, Any] = answer.json()
        return body


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def playground_process(workdir: Path, *, log_level: str = "WARNING") -> Iterator[RunningPlayground]:
    """`python -m bot dev` with no SLACK_* setting at all, until SIGINT; waits for the page and
    for the bot's connection to the local Slack."""
    port = free_port()
    log = workdir / "playground.log"
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(REPO),
        "PORT": str(port),
        # Its own operators' port: the default (3001) is taken by any other playground running.
        "METRICS_PORT": str(free_port()),
        "LOG_LEVEL": log_level,
    }
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "dev", "--airfield-db", str(workdir / "airfield.db")],
            cwd=workdir,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    running = RunningPlayground(f"http://127.0.0.1:{port}/", log)
    try:
        _wait_connected(process, running)
        yield running
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_connected(process: subprocess.Popen[bytes], running: RunningPlayground) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"airplane-bot dev exited {process.returncode}:\n{running.output()}")
        try:
            if running.state()["app_connected"]:
                return
        except httpx.HTTPError:
            pass  # not listening yet
        time.sleep(0.2)
    raise TimeoutError(f"the playground did not come up:\n{running.output()}")
