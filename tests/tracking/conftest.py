"""Fixtures of the tracking tests: one airfield serving examples/ per module, a fresh Slack
emulator per test (a module that needs other tasks defines its own `airfield`)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from slackbox import SlackEmulator
from tests.support.airfield import EXAMPLES, AirfieldProcess


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
