"""Fixtures: one airfield server per module, a fresh Slack emulator per test."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from slackbox import SlackEmulator
from tests.support.airfield import EXAMPLES, AirfieldProcess

# The settings a stray environment or .env could set behind a test's back.
SETTING_NAMES = (
    "SLACK_BOT_TOKEN",
    "SLACK_APP_TOKEN",
    "SLACK_SIGNING_SECRET",
    "AIRPLANE_API_KEY",
    "BOT_COMMAND",
    "METRICS_HOST",
    "METRICS_PORT",
)


@pytest.fixture
def clean_settings_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No setting leaks in from the environment, and no stray .env (cwd is tmp_path)."""
    for name in SETTING_NAMES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.fixture(scope="module")
def airfield(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AirfieldProcess]:
    """A real airfield serving examples/ (shared by a module's tests)."""
    with AirfieldProcess(tmp_path_factory.mktemp("airfield"), tasks_dirs=[EXAMPLES]) as server:
        yield server


@pytest.fixture
async def slack() -> AsyncIterator[SlackEmulator]:
    """A fresh Slack emulator."""
    async with SlackEmulator() as emulator:
        yield emulator


@pytest.fixture
def policy_file(tmp_path: Path) -> Path:
    """A policy: hello for everyone; deploy only for BOB."""
    path = tmp_path / "policy.yaml"
    path.write_text(
        "rules:\n"
        "  - tasks: [hello, always_fails, slow, inventory]\n"
        "    runbooks: [release]\n"
        "  - tasks: [deploy]\n"
        "    users: [U0BOB]\n"
    )
    return path
