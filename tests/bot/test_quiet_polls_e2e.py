"""Following a run polls Airplane about once a second, for as long as the run lasts: at INFO,
neither the bot's log nor airfield's may grow a line per poll (httpx, httpcore and the access
log write their per-request lines at DEBUG only)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from airplane_api import AirplaneClient
from slackbox import ALICE, GENERAL, SlackEmulator
from tests.support.airfield import AirfieldProcess
from tests.support.eventually import eventually
from tests.tracking.harness import until_parent_shows

from .processes import base_env, bot_process

pytestmark = pytest.mark.usefixtures("airfield")

POLLED = ("runs/list", "runs/get", "sessions/list", "prompts/list")


async def polls_served(airfield: AirfieldProcess) -> int:
    """How many feed and status reads airfield has answered so far (its own request counter)."""
    async with httpx.AsyncClient() as client:
        text = (await client.get(f"{airfield.url}/metrics")).text
    return int(
        sum(
            float(line.rsplit(" ", 1)[1])
            for line in text.splitlines()
            if line.startswith("airfield_requests_total{") and any(p in line for p in POLLED)
        )
    )


def lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


async def test_a_followed_run_polls_without_a_line_per_request(
    slack: SlackEmulator, airfield: AirfieldProcess, tmp_path: Path
) -> None:
    """Over at least five polls of a run that keeps running, no new line names a request."""
    env = {**base_env(slack, airfield, tmp_path), "SLACK_APP_TOKEN": slack.app_token}
    env["LOG_LEVEL"] = "INFO"
    log = tmp_path / "bot.log"
    async with AirplaneClient(airfield.api_key, host=airfield.url) as api:
        run_id = await api.execute_task("slow", param_values={"seconds": 60})
        try:
            async with bot_process(env, log):
                await slack.wait_for_socket(timeout=20)
                slack.events_url = None
                await slack.slash_command("/airplane", f"watch {run_id}", user=ALICE)
                await until_parent_shows(slack, GENERAL, run_id, "Active")
                bot_before, airfield_before = (
                    len(lines(log.read_text())),
                    len(lines(airfield.log_text())),
                )
                polls_before = await polls_served(airfield)

                async def five_more_polls() -> bool:
                    return await polls_served(airfield) >= polls_before + 5

                await eventually(five_more_polls, within=30, every=0.5)
                polls = await polls_served(airfield) - polls_before
                bot_new = lines(log.read_text())[bot_before:]
                airfield_new = lines(airfield.log_text())[airfield_before:]
        finally:
            await api.cancel_run(run_id)
    for new in (bot_new, airfield_new):
        assert not [line for line in new if "HTTP" in line or any(p in line for p in POLLED)]
        assert len(new) < polls, new
