"""Process groups of task runs: how they are launched, stopped, and found again after a crash."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .definitions import TaskDef

SHIM = Path(__file__).with_name("task_shim.py")


def param_env_value(value: Any) -> str:
    """A parameter value as a shell task sees it in `PARAM_<SLUG>`."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value)


def command_for(task: TaskDef, param_values: Mapping[str, Any]) -> tuple[list[str], dict[str, str]]:
    """The argv of a task's process and the environment it adds for its parameters."""
    if task.kind == "python":
        # -P: the shim's directory (airfield's package) must not shadow the standard library.
        shim = [sys.executable, "-u", "-P", str(SHIM)]
        argv = [*shim, str(task.entrypoint), json.dumps(param_values)]
        return argv, {}
    env = {f"PARAM_{slug.upper()}": param_env_value(v) for slug, v in param_values.items()}
    return ["bash", str(task.entrypoint)], env


# What a task process takes from airfield's environment: what is needed to find programs,
# write temporary files, format text and run Python. Nothing else (the Slack tokens of a bot in
# the same container, airfield's own AIRFIELD_* secrets, cloud credentials) reaches a task;
# a task's own settings belong in its definition's `envVars`.
_PASSED_NAMES = frozenset(
    {
        "PATH",
        "HOME",
        "USER",
        "LOGNAME",
        "LANG",
        "LANGUAGE",
        "TZ",
        "TMPDIR",
        "TEMP",
        "TMP",
        "PYTHONPATH",
        "PYTHONHOME",
        "PYTHONIOENCODING",
        "PYTHONUTF8",
        "PYTHONDONTWRITEBYTECODE",
        "PYTHONPYCACHEPREFIX",
        "VIRTUAL_ENV",
    }
)
_PASSED_PREFIXES = ("LC_",)
# Extra names an operator lets through (comma-separated), e.g. SSL_CERT_FILE or HTTPS_PROXY.
EXTRA_NAMES_VARIABLE = "AIRFIELD_TASK_ENV"


def base_environment(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The part of airfield's environment a task inherits: an allowlist (_PASSED_NAMES, LC_*,
    and the names listed in AIRFIELD_TASK_ENV), never airfield's own AIRFIELD_* settings nor
    AIRPLANE_*/PARAM_* values (airfield sets those per run)."""
    source = os.environ if environ is None else environ
    extra = {n.strip() for n in source.get(EXTRA_NAMES_VARIABLE, "").split(",") if n.strip()}
    return {
        name: value
        for name, value in source.items()
        if (name in _PASSED_NAMES or name.startswith(_PASSED_PREFIXES) or name in extra)
        and not name.startswith(("AIRFIELD_", "AIRPLANE_", "PARAM_"))
    }


def signal_group(pgid: int, sig: signal.Signals) -> bool:
    """Send a signal to a process group; False if the group is gone."""
    try:
        os.killpg(pgid, sig)
    except ProcessLookupError:
        return False
    except PermissionError:
        return False
    return True


async def stop_group(pgid: int, process: asyncio.subprocess.Process | None, grace: float) -> None:
    """SIGTERM a run's process group, then SIGKILL what is left once its leader exits (or
    after `grace` seconds); without the leader's handle, SIGKILL follows at once."""
    if not signal_group(pgid, signal.SIGTERM):
        return
    if process is not None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(process.wait(), grace)
    signal_group(pgid, signal.SIGKILL)


def orphan_members(pgid: int, run_id: str, proc: Path = Path("/proc")) -> list[int]:
    """PIDs in group `pgid` whose environment names `run_id`.

    Checking the environment guards against a recycled group ID: airfield only kills
    processes that are provably the run's own.
    """
    marker = f"AIRPLANE_RUN_ID={run_id}".encode()
    members: list[int] = []
    if not proc.is_dir():
        return members
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            fields = stat[stat.rindex(")") + 2 :].split()
            if int(fields[2]) != pgid:
                continue
            environ = (entry / "environ").read_bytes()
        except (OSError, ValueError, IndexError):
            continue
        if marker in environ.split(b"\0"):
            members.append(int(entry.name))
    return members


def kill_orphans(pgid: int, run_id: str) -> bool:
    """SIGKILL what is left of a run's process group from before a restart."""
    if not orphan_members(pgid, run_id):
        return False
    return signal_group(pgid, signal.SIGKILL)
