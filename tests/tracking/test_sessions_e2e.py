"""Runbook sessions to their end in Slack: approved, rejected, failed.

The whole bot (tracker + approvals, as `open_services` builds it) against a real airfield
serving `examples/` (the `release` runbook: a task step, a prompt step for the `ops` reviewers,
then another task step) and a runbook whose task step fails.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.core.kinds import Kind
from bot.tracking.model import Tracked
from bot.wiring.services import Services
from slackbox import ALICE, CAROL, GENERAL, Message, SlackEmulator
from tests.bot.harness import reviewing_bot
from tests.support.airfield import EXAMPLES, AirfieldProcess
from tests.support.eventually import eventually

from .harness import WAIT, until_parent_shows

BROKEN_RELEASE = """\
slug: broken_release
name: Broken release
steps:
  - name: announce
    task: hello
    params:
      name: broken
  - name: explode
    task: always_fails
    params:
      reason: disk full
"""


@pytest.fixture(scope="module")
def airfield(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AirfieldProcess]:
    """airfield with examples/ and a runbook whose second step fails."""
    extra = tmp_path_factory.mktemp("runbooks")
    (extra / "broken_release.runbook.yaml").write_text(BROKEN_RELEASE)
    root = tmp_path_factory.mktemp("airfield")
    with AirfieldProcess(root, tasks_dirs=[EXAMPLES, extra]) as server:
        yield server


@pytest.fixture
async def bot(
    airfield: AirfieldProcess, tmp_path: Path
) -> AsyncIterator[tuple[SlackEmulator, Services]]:
    """The bot with tracker and approvals; the `ops` reviewers are CAROL."""
    async with reviewing_bot(airfield, tmp_path, CAROL) as ready:
        yield ready


async def start_session(slack: SlackEmulator, text: str) -> tuple[str, Message]:
    """`/airplane runbook ...` as ALICE; the session ID and its parent message."""
    await slack.slash_command("/airplane", text, user=ALICE, channel=GENERAL)
    parent = await slack.wait_for(
        lambda: next((m for m in slack.messages(GENERAL) if "`ses" in m.rendered), None),
        timeout=WAIT,
    )
    session_id = parent.rendered.split("`ses", 1)[1].split("`", 1)[0]
    return "ses" + session_id, parent


async def prompt_in_thread(slack: SlackEmulator, parent: Message) -> Message:
    """The prompt message the approvals side posted in the session's thread."""
    return await slack.wait_for(
        lambda: next(
            (m for m in slack.thread(GENERAL, parent.ts) if "Release api v1.4.0" in m.rendered),
            None,
        ),
        timeout=60.0,
    )


async def finished(services: Services, session_id: str) -> None:
    """The tracker is done with the session: App Home and the store agree with the channel."""

    async def done() -> bool:
        for tracked, progress in await services.store.tracking.recent(ALICE, 10):
            if tracked.id == session_id:
                return progress.done
        return False

    await eventually(done, within=WAIT)


def step_lines(slack: SlackEmulator, parent: Message) -> list[str]:
    """The thread's step messages, as they read now."""
    return [m.text for m in slack.thread(GENERAL, parent.ts) if " Step *" in m.text]


async def test_approved_session_ends_succeeded_with_every_step(
    bot: tuple[SlackEmulator, Services],
) -> None:
    """Announce, approval by CAROL, restart: the parent ends Succeeded, all steps shown."""
    slack, services = bot
    session_id, parent = await start_session(slack, "runbook release version=v1.4.0")
    prompt = await prompt_in_thread(slack, parent)
    await slack.click("Release", user=CAROL, target=prompt)
    parent = await until_parent_shows(slack, GENERAL, session_id, "Succeeded")
    # The prompt step says who decided it, not that it "Succeeded".
    approved = f"*approve*: Approved by <@{CAROL}>"
    await slack.wait_for(
        lambda: (
            len([s for s in step_lines(slack, parent) if "Succeeded" in s]) >= 2
            and any(approved in s for s in step_lines(slack, parent))
        ),
        timeout=WAIT,
    )
    steps = step_lines(slack, parent)
    assert any("announce" in s for s in steps)
    assert any("restart" in s and "Succeeded" in s for s in steps), steps
    await finished(services, session_id)
    assert services.approvals is not None
    assert await services.approvals.pending_for(CAROL) == []
    # `status` agrees with the channel.
    await slack.slash_command("/airplane", f"status {session_id}", user=ALICE, channel=GENERAL)
    await slack.wait_for_ephemeral(ALICE, contains="Succeeded")
    assert slack.rejected == []


async def test_rejected_session_ends(bot: tuple[SlackEmulator, Services]) -> None:
    """CAROL rejects: the session ends (not Waiting for ever) and the later step never runs."""
    slack, services = bot
    session_id, parent = await start_session(slack, "runbook release version=v1.4.0")
    prompt = await prompt_in_thread(slack, parent)
    await slack.click("Abort", user=CAROL, target=prompt)

    def ended() -> Message | None:
        message = slack.message(GENERAL, parent.ts)
        return (
            message
            if any(f"*{s}*" in message.rendered for s in ("Rejected", "Failed", "Cancelled"))
            else None
        )

    shown = await slack.wait_for(ended, timeout=WAIT)
    await finished(services, session_id)
    # The parent says who rejected it, not just that it failed.
    assert f"*Rejected* by <@{CAROL}> (Abort)" in shown.rendered, shown.rendered
    assert not any("restart" in s for s in step_lines(slack, parent))
    await slack.wait_for(
        lambda: any(
            f"*approve*: Rejected by <@{CAROL}> (Abort)" in s for s in step_lines(slack, parent)
        ),
        timeout=WAIT,
    )
    assert slack.rejected == []


async def test_failed_session_ends_failed(bot: tuple[SlackEmulator, Services]) -> None:
    """A task step that fails ends the session Failed in the parent, the step shown Failed."""
    slack, services = bot
    session_id, parent = await start_session(slack, "runbook broken_release")
    parent = await until_parent_shows(slack, GENERAL, session_id, "Failed")
    await slack.wait_for(
        lambda: any("explode" in s and "Failed" in s for s in step_lines(slack, parent)),
        timeout=WAIT,
    )
    await finished(services, session_id)
    assert slack.rejected == []


def test_tracked_kind_is_session() -> None:
    """Sessions are followed as sessions (the thread's nouns and Cancel button depend on it)."""
    assert Tracked(Kind.SESSION, "ses1", GENERAL, "release").kind is Kind.SESSION
