"""A real airfield server in a child process, for tests of any package.

    async with AirfieldProcess(tmp_path, tasks_dirs=[EXAMPLES]) as af:
        httpx.get(f"{af.url}/v0/tasks/list", headers={"X-Airplane-API-Key": af.api_key})

or, from a module- or session-scoped synchronous fixture, `with AirfieldProcess(...) as af:`.
It runs `python -m airfield serve --port 0 --port-file ...` with `AIRFIELD_API_KEY` set, waits
for `/healthz`, and keeps its port across `restart()` so `af.url` stays valid.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType

import httpx

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
STARTUP_SECONDS = 30.0
# A fixed Fernet key (`airfield secrets new-key`) so resource secrets are sealed in every test.
TEST_SECRET_KEY = "8dcqGdMI2QwqlB2xNNxVqyjPp-Bzt2QZoyttU4QHpbU="


class AirfieldProcess:
    """Starts, stops, kills and restarts one airfield server with its own database."""

    def __init__(
        self,
        tmp_path: Path,
        tasks_dirs: Sequence[Path] = (EXAMPLES,),
        *,
        api_key: str = "tkn_airfieldtestadminkey0000000000000000",
        extra_args: Sequence[str] = (),
        env: Mapping[str, str] | None = None,
        db: str | None = None,
        command: str = "serve",
    ) -> None:
        self.dir = Path(tmp_path)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.db_path = self.dir / "airfield.db"
        # `--db`: a postgresql:// URL when given, else the SQLite file in `tmp_path`.
        self.db = db or str(self.db_path)
        # "serve" (an API node, running tasks unless --no-worker) or "worker".
        self.command = command
        self.port_file = self.dir / "airfield.port"
        self.log_path = self.dir / "airfield.log"
        self.tasks_dirs = [Path(d) for d in tasks_dirs]
        self.api_key = api_key
        self.extra_args = list(extra_args)
        self.extra_env = dict(env or {})
        self.port = 0
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """Base URL without /v0, e.g. `http://127.0.0.1:43125`."""
        if not self.port:
            raise RuntimeError("airfield is not started")
        return f"http://127.0.0.1:{self.port}"

    @property
    def headers(self) -> dict[str, str]:
        """Headers that authenticate as the team admin key."""
        return {"X-Airplane-API-Key": self.api_key}

    @property
    def pid(self) -> int | None:
        """The server's process ID while it runs."""
        return self._process.pid if self._process else None

    def _command(self) -> list[str]:
        command = [sys.executable, "-m", "airfield", self.command]
        if self.command == "serve":
            command += ["--host", "127.0.0.1"]
        command += ["--port", str(self.port), "--port-file", str(self.port_file)]
        command += ["--db", self.db]
        for directory in self.tasks_dirs:
            command += ["--tasks", str(directory)]
        return command + self.extra_args

    def _environment(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFIELD_")}
        env["AIRFIELD_API_KEY"] = self.api_key
        env["AIRFIELD_SECRET_KEY"] = TEST_SECRET_KEY
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p
        )
        env.update(self.extra_env)
        return env

    def start_sync(self) -> None:
        """Start the server and wait until /healthz answers."""
        if self._process is not None:
            raise RuntimeError("airfield is already running")
        self.port_file.unlink(missing_ok=True)
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(
                self._command(),
                cwd=REPO,
                env=self._environment(),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"airfield exited at startup:\n{self.log_text()}")
            if self.port_file.exists() and self.port_file.read_text().strip():
                self.port = int(self.port_file.read_text())
                try:
                    if httpx.get(f"{self.url}/healthz", timeout=1.0).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
            time.sleep(0.05)
        self.kill_sync()
        raise RuntimeError(f"airfield did not answer /healthz in time:\n{self.log_text()}")

    def stop_sync(self, grace: float = 15.0) -> None:
        """Stop the server gracefully (SIGTERM), killing it if it lingers."""
        process, self._process = self._process, None
        if process is None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def signal_sync(self, sig: signal.Signals) -> subprocess.Popen[bytes]:
        """Send `sig` to the server and forget it (the caller waits on the returned process)."""
        process, self._process = self._process, None
        if process is None:
            raise RuntimeError("airfield is not running")
        process.send_signal(sig)
        return process

    def kill_sync(self) -> None:
        """SIGKILL the server, as a crash would; its task processes are left behind."""
        process, self._process = self._process, None
        if process is not None:
            process.kill()
            process.wait()

    def restart_sync(self) -> None:
        """Stop (if running) and start again on the same port and database."""
        self.stop_sync()
        self.start_sync()

    def log_text(self) -> str:
        """What the server printed so far."""
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def create_key(self, name: str, role: str = "team_admin") -> str:
        """A new API key made with `airfield keys create` against this server's database."""
        command = [sys.executable, "-m", "airfield", "keys", "create", name, "--role", role]
        result = subprocess.run(
            [*command, "--db", self.db],
            cwd=REPO,
            env=self._environment(),
            capture_output=True,
            text=True,
            check=True,
        )
        return result.stdout.strip().splitlines()[-1]

    async def start(self) -> None:
        """`start_sync` without blocking the event loop."""
        await asyncio.to_thread(self.start_sync)

    async def stop(self) -> None:
        """`stop_sync` without blocking the event loop."""
        await asyncio.to_thread(self.stop_sync)

    async def kill(self) -> None:
        """`kill_sync` without blocking the event loop."""
        await asyncio.to_thread(self.kill_sync)

    async def restart(self) -> None:
        """`restart_sync` without blocking the event loop."""
        await asyncio.to_thread(self.restart_sync)

    def __enter__(self) -> AirfieldProcess:
        self.start_sync()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop_sync()

    async def __aenter__(self) -> AirfieldProcess:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()
