"""`/metrics` of a real bot (on its operators' port) and a real airfield, scraped while things
happen.

Counters are read as the difference between a scrape before and one after, so they hold
whatever else ran in this process (the bot's metrics are per process).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from airplane_api import AirplaneClient
from airplane_api.models import Prompt, PromptState
from bot.core.kinds import Kind
from bot.store import SlackRun
from bot.tracking.model import Tracked
from bot.wiring.services import Services
from slackbox import BOB, GENERAL, Message, SlackEmulator
from tests.support.airfield import EXAMPLES, AirfieldProcess
from tests.support.eventually import eventually
from tests.support.metrics import Scrape, scrape
from tests.tracking.proxy import outage_proxy

from .harness import running_bot

APPROVAL_TASKS = Path(__file__).parent / "approvals" / "tasks"
TERMINAL = ("Succeeded", "Failed", "Cancelled")


@pytest.fixture(scope="module")
def airfield(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AirfieldProcess]:
    """airfield serving the examples and the approval gate task."""
    with AirfieldProcess(
        tmp_path_factory.mktemp("airfield"), tasks_dirs=[EXAMPLES, APPROVAL_TASKS]
    ) as server:
        yield server


def moved(before: Scrape, after: Scrape, name: str, **labels: str) -> float:
    """How much `name{labels}` grew between two scrapes."""
    return after.value(name, **labels) - before.value(name, **labels)


async def _scrape_when(url: str, name: str, before: Scrape, **labels: str) -> Scrape | None:
    """A scrape of `url` once `name{labels}` has grown since `before`, else None."""
    now = await scrape(url)
    return now if now.value(name, **labels) > before.value(name, **labels) else None


async def _ended(airplane: AirplaneClient, slug: str, count: int) -> bool:
    runs = await airplane.list_runs(task_slug=slug)
    return len([r for r in runs if r.status.value in TERMINAL]) >= count


async def test_a_run_and_a_prompt_decided_in_slack(
    slack: SlackEmulator, airfield: AirfieldProcess, tmp_path: Path
) -> None:
    """A run and an approved prompt move the bot's and airfield's counters and histograms."""
    async with running_bot(slack, airfield, tmp_path) as bot:
        bot_before, airfield_before = await scrape(bot.ops_url), await scrape(airfield.url)

        await slack.slash_command("/airplane", "run hello name=Ada")
        await slack.slash_command("/airplane", "run release_gate service=api")
        await slack.slash_command("/airplane", "run --nope")
        # What the tracker does when it finds a pending prompt (its discovery is tested with
        # the tracker): hand it to approvals, which posts it in the run's thread.
        await _show_pending_prompt(bot.services, "release_gate")
        [message] = await slack.wait_for(lambda: _prompts_in(slack, GENERAL), timeout=30)
        slack.fill(message, {"Change code": "ABC", "Window": "2024-05-01", "Canary": ["Yes"]})
        await slack.click("Ship it", user=BOB, target=message)
        airplane = bot.services.airplane
        await eventually(lambda: _ended(airplane, "release_gate", 1), within=30)
        await eventually(lambda: _ended(airplane, "hello", 1), within=30)
        # The click is acked first and decided after: wait for the decision to be counted.
        url = bot.ops_url
        after = await eventually(
            lambda: _scrape_when(url, "airplane_bot_approvals_total", bot_before), within=20
        )
        assert moved(bot_before, after, "airplane_bot_commands_total", command="run", outcome="ok")
        assert moved(bot_before, after, "airplane_bot_commands_total", command="run") == 2
        assert moved(bot_before, after, "airplane_bot_commands_total", outcome="usage_error") == 1
        assert moved(bot_before, after, "airplane_bot_runs_started_total", kind="task") == 2
        assert (
            moved(
                bot_before,
                after,
                "airplane_bot_approvals_total",
                intent="approve",
                outcome="decided",
            )
            == 1
        )
        assert (
            moved(
                bot_before,
                after,
                "airplane_bot_interactions_total",
                kind="approval_button",
                outcome="ok",
            )
            == 1
        )
        posted = moved(
            bot_before,
            after,
            "airplane_bot_slack_api_calls_total",
            method="chat.postMessage",
            outcome="ok",
        )
        assert posted >= 3  # two parents and the prompt in the thread
        timed = moved(
            bot_before,
            after,
            "airplane_bot_slack_api_call_duration_seconds_count",
            method="chat.postMessage",
        )
        assert timed == posted
        executed = moved(
            bot_before,
            after,
            "airplane_bot_airplane_requests_total",
            endpoint="tasks/execute",
            status="200",
        )
        assert executed == 2
        assert moved(
            bot_before,
            after,
            "airplane_bot_airplane_requests_total",
            endpoint="prompts/submit",
            status="200",
        )
        assert (
            moved(
                bot_before,
                after,
                "airplane_bot_airplane_request_duration_seconds_count",
                endpoint="tasks/execute",
            )
            == executed
        )
        assert moved(bot_before, after, "airplane_bot_airplane_retries_total") == 0
        assert after.value("process_start_time_seconds") > 0

        airfield_after = await scrape(airfield.url)
        route = "/v0/tasks/execute"
        assert (
            moved(
                airfield_before,
                airfield_after,
                "airfield_requests_total",
                route=route,
                status="200",
            )
            == 2
        )
        assert moved(
            airfield_before,
            airfield_after,
            "airfield_requests_total",
            route="/v0/prompts/submit",
            method="POST",
            status="200",
        )
        assert (
            moved(
                airfield_before,
                airfield_after,
                "airfield_request_duration_seconds_count",
                route=route,
            )
            == 2
        )
        assert moved(airfield_before, airfield_after, "airfield_runs", status="Succeeded") == 2
        assert airfield_after.value("airfield_prompts_open") == airfield_before.value(
            "airfield_prompts_open"
        )
        assert airfield_after.value("process_start_time_seconds") > 0
        assert slack.rejected == []


async def test_a_slack_429_storm_is_counted_per_method(
    slack: SlackEmulator, airfield: AirfieldProcess, tmp_path: Path
) -> None:
    """Every 429 Slack answers shows as outcome=ratelimited under its method."""
    async with running_bot(slack, airfield, tmp_path) as bot:
        url = bot.ops_url
        before = await scrape(url)
        slack.rate_limit("chat.postMessage", count=4, retry_after=1)
        for name in ("a", "b", "c", "d"):
            await slack.slash_command("/airplane", f"run hello name={name}")
        await slack.wait_for(lambda: len(slack.rate_limited) == 4, timeout=20)

        async def counted() -> Scrape | None:
            now = await scrape(url)
            limited = moved(
                before,
                now,
                "airplane_bot_slack_api_calls_total",
                method="chat.postMessage",
                outcome="ratelimited",
            )
            return now if limited == 4 else None

        after = await eventually(counted, within=20)
        assert {c.method for c in slack.rate_limited} == {"chat.postMessage"}
        assert moved(before, after, "airplane_bot_runs_started_total", kind="task") == 4


async def test_an_airplane_503_storm_is_counted_and_retried(
    slack: SlackEmulator, airfield: AirfieldProcess, tmp_path: Path
) -> None:
    """Each 503 is one attempt with status 503 and one retry; the command still succeeds."""
    async with (
        outage_proxy(airfield.url) as (proxy_url, outage),
        running_bot(slack, airfield, tmp_path, airplane_api_host=proxy_url) as bot,
    ):
        url = bot.ops_url
        # The tracker's own polls may take some of the 503s: count them all, whoever got them.
        before = await scrape(url)
        outage.remaining = 3
        await slack.slash_command("/airplane", "run hello name=Outage")
        await slack.wait_for_message(GENERAL, contains="hello", timeout=30)
        after = await eventually(
            lambda: _scrape_when(url, "airplane_bot_commands_total", before, outcome="ok"),
            within=10,
        )
    failed = moved(before, after, "airplane_bot_airplane_requests_total", status="503")
    assert failed == outage.failed == 3
    assert moved(before, after, "airplane_bot_airplane_retries_total", status="503") == 3
    assert moved(before, after, "airplane_bot_commands_total", command="run", outcome="ok") == 1
    assert moved(before, after, "airplane_bot_runs_started_total", kind="task") == 1


async def _show_pending_prompt(services: Services, slug: str) -> None:
    """Wait for the bot's run of `slug` to ask its prompt, and show it as the tracker would."""
    [run] = await eventually(lambda: _parented(services, slug), within=30)
    pending = await eventually(lambda: _pending(services.airplane, run.run_id), within=30)
    assert services.approvals is not None
    tracked = Tracked(
        kind=Kind.RUN,
        id=run.run_id,
        channel=run.channel_id,
        label=slug,
        requested_by=run.requester_id,
    )
    await services.approvals.posting.on_prompts(tracked, run.parent_ts or "", pending)


async def _parented(services: Services, slug: str) -> list[SlackRun]:
    return [r for r in await services.store.runs.recent(slug=slug) if r.parent_ts]


async def _pending(airplane: AirplaneClient, run_id: str) -> list[Prompt]:
    prompts = await airplane.list_prompts(run_id)
    return [p for p in prompts if p.state is PromptState.PENDING]


def _prompts_in(slack: SlackEmulator, channel: str) -> list[Message]:
    """Prompt messages (with approval buttons) posted in `channel`."""
    return [
        m
        for m in slack.workspace.messages
        if m.channel == channel
        and any(b.get("block_id") == "prompt_buttons" for b in (m.versions[0].blocks or []))
    ]
