"""Runs a python task's `main(params)` inside the task's own process (not imported by airfield).

argv: <entrypoint.py> <params as JSON>. The return value, when not None, becomes the run's
output; an exception prints its traceback to stderr, sets the output's "error", and exits 1.
"""

from __future__ import annotations

import importlib.util
import inspect
import json
import sys
import traceback
import uuid
from pathlib import Path
from types import TracebackType
from typing import Any

_CHUNK = 8192


def _emit(line: str) -> None:
    # Long lines are chunked as airplanesdk does, so the parser has one code path.
    if len(line) <= _CHUNK:
        print(line, flush=True)
        return
    key = uuid.uuid4().hex
    for start in range(0, len(line), _CHUNK):
        print(f"airplane_chunk:{key} {line[start : start + _CHUNK]}")
    print(f"airplane_chunk_end:{key}", flush=True)


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), default=str)


def _ours(tb: TracebackType) -> bool:
    """A frame of this shim or of the import machinery it calls: not the task's code."""
    filename = tb.tb_frame.f_code.co_filename
    return filename == __file__ or filename.startswith("<frozen importlib")


def _print_task_traceback(exc: BaseException) -> None:
    """The task's traceback, as its author reads it: from the task's first frame on. The
    shim's own frames (`run`, importlib) are airfield's, not the task's, and would show in its
    logs, and in Slack, on every failure; a real Airplane shows none."""
    tb = exc.__traceback__
    while tb is not None and _ours(tb):
        tb = tb.tb_next
    traceback.print_exception(type(exc), exc, tb)


def run(entrypoint: Path, params: dict[str, Any]) -> int:
    """Import the entrypoint, call its main, print its output; the process exit code."""
    sys.path.insert(0, str(entrypoint.parent))
    try:
        spec = importlib.util.spec_from_file_location("__airplane_task__", entrypoint)
        if spec is None or spec.loader is None:
            raise ImportError(f"cannot load {entrypoint}")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        main = getattr(module, "main", None)
        if not callable(main):
            raise AttributeError(f"{entrypoint.name} defines no main(params) function")
        takes_params = bool(inspect.signature(main).parameters)
        result = main(params) if takes_params else main()
    except SystemExit:
        raise
    except BaseException as exc:
        _print_task_traceback(exc)
        sys.stderr.flush()
        _emit(f'airplane_output_set:["error"] {_json(str(exc) or type(exc).__name__)}')
        return 1
    if result is not None:
        _emit(f"airplane_output_set {_json(result)}")
    return 0


if __name__ == "__main__":
    sys.exit(run(Path(sys.argv[1]), json.loads(sys.argv[2])))
