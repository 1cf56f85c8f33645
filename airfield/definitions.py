"""Task (`*.task.yaml`) and runbook (`*.runbook.yaml`) definitions, read into frozen models.

Task files follow Airplane's task definition format (python and shell kinds). Runbook files are
airfield's own format, described in docs/runbooks.md. A file that cannot be read is reported and
skipped, so one broken definition does not stop the server.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeVar

import yaml

from airplane_api.models import Constraints, Parameter, Reviewers

from .ids import stable_id
from .templating import TemplateError, references

log = logging.getLogger(__name__)

# Airplane's task-definition types and the API type (and component) each becomes.
_DEF_TYPES: dict[str, tuple[str, str]] = {
    "shorttext": ("string", ""),
    "longtext": ("string", "textarea"),
    "sql": ("string", "editor-sql"),
    "boolean": ("boolean", ""),
    "upload": ("upload", ""),
    "integer": ("integer", ""),
    "float": ("float", ""),
    "date": ("date", ""),
    "datetime": ("datetime", ""),
    "configvar": ("configvar", ""),
}
_SKIP_DIRS = {".git", ".venv", "venv", "node_modules", "__pycache__", ".mypy_cache"}
DEFAULT_TIMEOUT = 3600


class DefinitionError(ValueError):
    """A definition file that does not describe a usable task or runbook."""


@dataclass(frozen=True)
class TaskDef:
    """A task airfield can run."""

    id: str
    slug: str
    name: str
    description: str
    kind: str  # "python" or "shell"
    entrypoint: Path
    parameters: tuple[Parameter, ...]
    timeout: int = DEFAULT_TIMEOUT
    env_vars: Mapping[str, str] = field(default_factory=dict)
    concurrency_key: str = ""
    concurrency_limit: int = 1
    allow_self_approvals: bool = True
    require_requests: bool = False
    constraints: Mapping[str, str] = field(default_factory=dict)
    source: Path = Path()


@dataclass(frozen=True)
class TaskStep:
    """A runbook step that runs a task with templated parameter values."""

    name: str
    task: str
    params: Mapping[str, Any]


@dataclass(frozen=True)
class PromptStep:
    """A runbook step that asks people for values (or just a confirmation)."""

    name: str
    parameters: tuple[Parameter, ...]
    reviewers: Reviewers
    description: str = ""
    confirm_text: str = ""
    cancel_text: str = ""


Step = TaskStep | PromptStep


@dataclass(frozen=True)
class RunbookDef:
    """A runbook: parameters, then steps run in order."""

    id: str
    slug: str
    name: str
    description: str
    parameters: tuple[Parameter, ...]
    steps: tuple[Step, ...]
    source: Path = Path()


def convert_parameter(raw: Mapping[str, Any]) -> Parameter:
    """A task-definition parameter (`type: shorttext`, `required: false`) in API form."""
    if not isinstance(raw, Mapping) or not raw.get("slug"):
        raise DefinitionError(f"a parameter needs a slug: {raw!r}")
    def_type = str(raw.get("type", "shorttext"))
    if def_type not in _DEF_TYPES:
        raise DefinitionError(f"parameter {raw['slug']!r} has an unknown type {def_type!r}")
    api_type, component = _DEF_TYPES[def_type]
    options = raw.get("options")
    constraints = Constraints(
        optional=not bool(raw.get("required", True)),
        regex=str(raw.get("regex") or ""),
        options=options if options else None,
    )
    return Parameter(
        slug=str(raw["slug"]),
        name=str(raw.get("name") or raw["slug"]),
        type=api_type,
        component=component,
        desc=str(raw.get("description") or ""),
        default=raw.get("default"),
        constraints=constraints,
    )


def _parameters(raw: object) -> tuple[Parameter, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise DefinitionError("parameters must be a list")
    params = tuple(convert_parameter(item) for item in raw)
    slugs = [param.slug for param in params]
    if len(set(slugs)) != len(slugs):
        raise DefinitionError(f"duplicate parameter slugs in {slugs}")
    return params


def _env_vars(raw: object, path: Path) -> dict[str, str]:
    result: dict[str, str] = {}
    if not isinstance(raw, Mapping):
        return result
    for name, spec in raw.items():
        if isinstance(spec, str):
            result[str(name)] = spec
        elif isinstance(spec, Mapping) and "value" in spec:
            result[str(name)] = str(spec["value"])
        else:
            log.warning("%s: env var %s needs a config var, which airfield lacks", path, name)
    return result


def parse_task(data: Mapping[str, Any], path: Path) -> TaskDef:
    """A task definition from the parsed YAML of `path`."""
    slug = data.get("slug")
    if not isinstance(slug, str) or not slug:
        raise DefinitionError("a task needs a slug")
    kind = next((k for k in ("python", "shell") if isinstance(data.get(k), Mapping)), None)
    if kind is None:
        raise DefinitionError(f"task {slug!r}: only python and shell tasks can run in airfield")
    config = data[kind]
    entry = config.get("entrypoint")
    if not isinstance(entry, str) or not entry:
        raise DefinitionError(f"task {slug!r}: {kind}.entrypoint is required")
    entrypoint = (path.parent / entry).resolve()
    timeout = data.get("timeout", DEFAULT_TIMEOUT)
    if not isinstance(timeout, int | float) or timeout <= 0:
        raise DefinitionError(f"task {slug!r}: timeout must be a positive number of seconds")
    constraints = data.get("constraints") or {}
    return TaskDef(
        id=stable_id("tsk", slug),
        slug=slug,
        name=str(data.get("name") or slug),
        description=str(data.get("description") or ""),
        kind=kind,
        entrypoint=entrypoint,
        parameters=_parameters(data.get("parameters")),
        timeout=max(1, int(timeout)),
        env_vars=_env_vars(config.get("envVars"), path),
        concurrency_key=str(data.get("concurrencyKey") or ""),
        concurrency_limit=max(1, int(data.get("concurrencyLimit") or 1)),
        allow_self_approvals=bool(data.get("allowSelfApprovals", True)),
        require_requests=bool(data.get("requireRequests", False)),
        constraints={str(k): str(v) for k, v in dict(constraints).items()},
        source=path,
    )


def _reviewers(raw: object) -> Reviewers:
    if raw is None:
        return Reviewers()
    if not isinstance(raw, Mapping):
        raise DefinitionError("reviewers must be an object with users, groups, allowSelfApprovals")
    return Reviewers.model_validate(dict(raw))


def _step(raw: object, earlier: list[str], param_slugs: set[str]) -> Step:
    if not isinstance(raw, Mapping) or not isinstance(raw.get("name"), str):
        raise DefinitionError(f"every step needs a name: {raw!r}")
    name = raw["name"]
    if name in earlier:
        raise DefinitionError(f"two steps are named {name!r}")
    if "task" in raw:
        params = raw.get("params") or {}
        if not isinstance(params, Mapping):
            raise DefinitionError(f"step {name!r}: params must be an object")
        _check_references(name, params, earlier, param_slugs)
        return TaskStep(name=name, task=str(raw["task"]), params=dict(params))
    prompt = raw.get("prompt")
    if isinstance(prompt, Mapping):
        _check_references(name, dict(prompt), earlier, param_slugs)
        return PromptStep(
            name=name,
            parameters=_parameters(prompt.get("parameters")),
            reviewers=_reviewers(prompt.get("reviewers")),
            description=str(prompt.get("description") or ""),
            confirm_text=str(prompt.get("confirmText") or ""),
            cancel_text=str(prompt.get("cancelText") or ""),
        )
    raise DefinitionError(f"step {name!r} needs either `task` or `prompt`")


def _check_references(step: str, value: object, earlier: list[str], slugs: set[str]) -> None:
    try:
        refs = references(value)
    except TemplateError as exc:
        raise DefinitionError(f"step {step!r}: {exc}") from None
    for ref in refs:
        root = ref[0]
        target = ref[1] if len(ref) > 1 else None
        if root == "params" and target in slugs:
            continue
        if root == "steps" and target in earlier:
            continue
        shown = ".".join(str(part) for part in ref)
        raise DefinitionError(f"step {step!r}: {{{{{shown}}}}} names no parameter or earlier step")


def parse_runbook(data: Mapping[str, Any], path: Path) -> RunbookDef:
    """A runbook definition from the parsed YAML of `path`."""
    slug = data.get("slug")
    if not isinstance(slug, str) or not slug:
        raise DefinitionError("a runbook needs a slug")
    params = _parameters(data.get("parameters"))
    raw_steps = data.get("steps")
    if not isinstance(raw_steps, list) or not raw_steps:
        raise DefinitionError(f"runbook {slug!r} needs a list of steps")
    steps: list[Step] = []
    slugs = {param.slug for param in params}
    for raw in raw_steps:
        steps.append(_step(raw, [step.name for step in steps], slugs))
    return RunbookDef(
        id=stable_id("rbk", slug),
        slug=slug,
        name=str(data.get("name") or slug),
        description=str(data.get("description") or ""),
        parameters=params,
        steps=tuple(steps),
        source=path,
    )


@dataclass(frozen=True)
class Catalog:
    """Every task and runbook found under the configured directories, by slug."""

    tasks: Mapping[str, TaskDef]
    runbooks: Mapping[str, RunbookDef]

    def task_by_ref(self, ref: str) -> TaskDef | None:
        """A task by slug or ID."""
        return self.tasks.get(ref) or next((t for t in self.tasks.values() if t.id == ref), None)

    def runbook_by_ref(self, ref: str) -> RunbookDef | None:
        """A runbook by slug or ID."""
        found = self.runbooks.get(ref)
        return found or next((r for r in self.runbooks.values() if r.id == ref), None)


def _files(dirs: Iterable[Path], suffixes: tuple[str, ...]) -> list[Path]:
    found: list[Path] = []
    for root in dirs:
        for path in sorted(root.rglob("*")):
            if any(part in _SKIP_DIRS for part in path.parts) or not path.is_file():
                continue
            if path.name.endswith(suffixes):
                found.append(path)
    return found


def load_catalog(dirs: Iterable[Path]) -> Catalog:
    """Read every definition under `dirs`; broken files and duplicate slugs are logged."""
    roots = [Path(d) for d in dirs]
    tasks = _load_kind(roots, (".task.yaml", ".task.yml"), parse_task, "task")
    runbooks = _load_kind(roots, (".runbook.yaml", ".runbook.yml"), parse_runbook, "runbook")
    return Catalog(tasks=tasks, runbooks=runbooks)


class _Slugged(Protocol):
    @property
    def slug(self) -> str: ...


_Def = TypeVar("_Def", bound=_Slugged)


def _load_kind(
    roots: list[Path],
    suffixes: tuple[str, ...],
    parse: Callable[[Mapping[str, Any], Path], _Def],
    kind: str,
) -> dict[str, _Def]:
    """One kind of definition by slug; a broken file or a second use of a slug is skipped."""
    found: dict[str, _Def] = {}
    for path in _files(roots, suffixes):
        try:
            definition = parse(_read_yaml(path), path)
        except (DefinitionError, yaml.YAMLError, ValueError) as exc:
            log.error("skipping %s: %s", path, exc)
            continue
        if definition.slug in found:
            log.error("skipping %s: %s slug %r already defined", path, kind, definition.slug)
            continue
        found[definition.slug] = definition
    return found


def _read_yaml(path: Path) -> Mapping[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, Mapping):
        raise DefinitionError("the file does not hold a YAML object")
    return data
