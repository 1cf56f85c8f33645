"""A bot (its Bolt app and `Approvals`) between the Slack emulator and a real airfield."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from airplane_api import AirplaneClient
from airplane_api.models import Prompt, PromptState, Run
from bot.approvals.service import Approvals
from bot.people.policy import Policy
from bot.process.app import build_app
from bot.store import Store
from bot.wiring.config import Settings
from bot.wiring.services import Services, slack_client
from slackbox import ALICE, CAROL, GENERAL, Message, SlackEmulator
from tests.support.airfield import AirfieldProcess
from tests.support.bolt_server import serve_bolt
from tests.support.eventually import eventually

TASKS = Path(__file__).with_name("tasks")
REVIEWER_GROUPS = {"ops": frozenset({CAROL})}
DEADLINE = 60.0


@dataclass(frozen=True)
class TrackedRun:
    """What tracking hands approvals about a run (its `Tracked` has these fields)."""

    id: str
    channel: str
    requested_by: str = ""
    link: str = ""
    label: str = "deploy"
    name: str = ""
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class Bot:
    """The pieces a test drives and reads."""

    slack: SlackEmulator
    airfield: AirfieldProcess
    services: Services
    approvals: Approvals

    @property
    def airplane(self) -> AirplaneClient:
        """The bot's Airplane client."""
        return self.services.airplane

    async def start_run(self, *, requester: str = ALICE) -> tuple[str, Prompt, Message]:
        """Start `release_gate` as `requester`, show its prompt; (run ID, prompt, thread copy)."""
        run_id = await self.airplane.execute_task(
            "release_gate", param_values={"service": "api"}, acting_for=f"slack:{requester}"
        )
        parent = await self.services.slack.chat_postMessage(channel=GENERAL, text="release_gate")
        prompt = await self.pending_prompt(run_id)
        tracked = TrackedRun(id=run_id, channel=GENERAL, requested_by=requester)
        await self.approvals.posting.on_prompts(tracked, str(parent["ts"]), [prompt])
        message = await self.slack.wait_for_message(
            GENERAL, thread_ts=str(parent["ts"]), contains="Release"
        )
        return run_id, prompt, message

    async def pending_prompt(self, run_id: str) -> Prompt:
        """The run's first prompt once it has asked it."""

        async def pending() -> list[Prompt]:
            prompts = await self.airplane.list_prompts(run_id)
            return [p for p in prompts if p.state is PromptState.PENDING]

        return (await eventually(pending, within=DEADLINE, every=0.05))[0]

    async def finished_run(self, run_id: str) -> Run:
        """The run once it has ended."""

        async def ended() -> Run | None:
            run = await self.airplane.get_run(run_id)
            return run if run.status.is_terminal else None

        return await eventually(ended, within=DEADLINE, every=0.05)

    def copies(self) -> list[Message]:
        """Every message showing a prompt (thread and DMs)."""
        return [
            m
            for m in self.slack.workspace.messages
            if any(
                b.get("block_id") in ("prompt_buttons", "prompt_outcome")
                for b in (m.versions[0].blocks or [])
            )
        ]

    async def audit(self, run_id: str) -> list[tuple[str, str]]:
        """(action, actor) of the run's audit entries, oldest first."""
        entries = await self.services.store.audit.entries(run_id=run_id)
        return [(str(e.action), e.actor) for e in reversed(entries)]


@asynccontextmanager
async def running_bot(tmp_path: Path, airfield: AirfieldProcess) -> AsyncIterator[Bot]:
    """A fresh Slack emulator and bot (own database) in front of `airfield` (serving TASKS)."""
    async with SlackEmulator() as slack:
        settings = Settings(
            slack_bot_token=SecretStr(slack.bot_token),
            slack_signing_secret=SecretStr(slack.signing_secret),
            slack_api_url=slack.api_url,
            airplane_api_key=SecretStr(airfield.api_key),
            airplane_api_host=airfield.url,
            bot_db=str(tmp_path / "bot.db"),
        )
        store = await Store.open(settings.bot_db)
        airplane = AirplaneClient(airfield.api_key, host=airfield.url)
        web = slack_client(settings)
        approvals = Approvals(
            store=store,
            airplane=airplane,
            slack=web,
            reviewer_groups=REVIEWER_GROUPS,
        )
        services = Services(
            settings=settings,
            airplane=airplane,
            store=store,
            slack=web,
            policy=Policy(reviewer_groups=REVIEWER_GROUPS),
            approvals=approvals,
        )
        try:
            async with serve_bolt(build_app(services)) as url:
                slack.events_url = url
                yield Bot(slack, airfield, services, approvals)
        finally:
            await services.aclose()


def outcome_text(message: Message) -> str:
    """The decided message's first line (its outcome), or '' while pending."""
    blocks: list[dict[str, Any]] = message.blocks or []
    for block in blocks:
        if block.get("block_id") == "prompt_outcome":
            return str(block["text"]["text"])
    return ""
