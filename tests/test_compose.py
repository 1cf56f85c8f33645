"""compose.yaml runs what README's "More than one machine" says, with commands the real CLIs
accept and environment variables the programs read."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from airfield import cli as airfield_cli
from airfield.store.postgres import is_postgres_url
from bot.process import cli as bot_cli
from bot.wiring.config import Settings

REPO = Path(__file__).resolve().parent.parent
COMPOSE = REPO / "compose.yaml"
_VARIABLE = re.compile(r"\$\{([A-Z_]+)(?::\?[^}]*)?\}")


def _services() -> dict[str, dict[str, Any]]:
    text = _VARIABLE.sub(lambda m: f"value-of-{m[1].lower()}", COMPOSE.read_text())
    services: dict[str, dict[str, Any]] = yaml.safe_load(text)["services"]
    return services


def _airfield_env_names() -> set[str]:
    """Every AIRFIELD_* name airfield's code reads."""
    source = "\n".join(p.read_text() for p in (REPO / "airfield").rglob("*.py"))
    return set(re.findall(r"\bAIRFIELD_[A-Z_]+\b", source))


def test_the_processes_are_there() -> None:
    """PostgreSQL, two API nodes, two workers, two bot replicas."""
    commands = {name: service.get("command", []) for name, service in _services().items()}
    kinds = [tuple(command[:2]) for command in commands.values() if command]
    assert kinds.count(("airfield", "serve")) == 2
    assert kinds.count(("airfield", "worker")) == 2
    assert kinds.count(("airplane-bot", "serve")) == 2
    assert _services()["postgres"]["image"].startswith("postgres:15")


def test_airfield_commands_parse_and_share_one_database() -> None:
    """Each airfield command parses with airfield's own parser into a config on PostgreSQL;
    API nodes leave tasks to the workers; tasks come from the image's examples."""
    databases = set()
    for name, service in _services().items():
        command = service.get("command", [])
        if command[:1] != ["airfield"]:
            continue
        args = airfield_cli._parser().parse_args(command[1:])
        if args.command == "serve":
            config = airfield_cli._serve_config(args)
            assert not config.runner.run_tasks, f"{name}: an API node without --no-worker"
            assert config.host == "0.0.0.0"
        else:
            config = airfield_cli._worker_config(args)
            assert config.runner.run_tasks
        assert isinstance(config.db_path, str)
        assert is_postgres_url(config.db_path)
        databases.add(config.db_path)
        assert [str(p) for p in config.tasks_dirs] == ["/app/examples"]
        env = service["environment"]
        assert set(env) - {"PORT"} <= _airfield_env_names(), f"{name}: unknown settings"
        assert "AIRFIELD_SECRET_KEY" in env
        if args.command == "serve":
            assert "AIRFIELD_API_KEY" in env
        # The image's HEALTHCHECK asks $PORT: the port airfield listens on.
        assert env["PORT"] == str(config.port)
    assert len(databases) == 1
    assert "COPY examples /app/examples" in (REPO / "Dockerfile").read_text()


def test_bot_replicas_parse_and_use_known_settings() -> None:
    """Each bot command parses with the bot's parser; every variable is a bot setting; the
    replicas share a PostgreSQL database the init script creates, and reach an API node."""
    settings = {name.upper() for name in Settings.model_fields}
    services = _services()
    api_nodes = {
        name for name, s in services.items() if s.get("command", [])[:2] == ["airfield", "serve"]
    }
    init = (REPO / "deploy" / "postgres-init.sql").read_text()
    for name, service in services.items():
        command = service.get("command", [])
        if command[:1] != ["airplane-bot"]:
            continue
        assert bot_cli._parser().parse_args(command[1:]).command == "serve"
        env = service["environment"]
        assert set(env) <= settings, f"{name}: {set(env) - settings} are not bot settings"
        assert env["BOT_DB"].startswith("postgresql://")
        assert f"CREATE DATABASE {env['BOT_DB'].rsplit('/', 1)[1]};" in init
        host = env["AIRPLANE_API_HOST"].removeprefix("http://").split(":")[0]
        assert host in api_nodes
        assert env["AIRPLANE_API_KEY"] == services[host]["environment"]["AIRFIELD_API_KEY"]
