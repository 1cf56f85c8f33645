"""The executor on a real scheduler with a fake Slack: what reaches Slack when a run ends
while its parent still waits for chat.postMessage's budget."""

from __future__ import annotations

import asyncio

from bot.core.kinds import Kind
from bot.slack.queueing import Priority, current
from bot.slack.scheduler import SlackScheduler
from bot.tracking.executor import Executor
from bot.tracking.model import Progress, Tracked
from bot.tracking.plan import PARENT_KEY, Edit, Plan, Post
from bot.tracking.render import FileBody, Message
from tests.support.tracking import MemoryTrackingStore


class ScheduledSlack:
    """A SlackWriter whose calls wait in the scheduler's queues, as SlackWebWriter's do."""

    def __init__(self, scheduler: SlackScheduler) -> None:
        self.scheduler = scheduler
        self.calls: list[tuple[str, str]] = []  # (method, text)

    async def _call(self, method: str, channel: str, text: str) -> str:
        async def made() -> str:
            self.calls.append((method, text))
            return f"{len(self.calls)}.0"

        ts: str = await self.scheduler.call(method, made, channel=channel, queueing=current())
        return ts

    async def post(self, channel: str, thread_ts: str | None, body: Message, key: str) -> str:
        return await self._call("chat.postMessage", channel, body.text)

    async def update(self, channel: str, ts: str, body: Message) -> None:
        await self._call("chat.update", channel, body.text)

    async def upload(self, channel: str, thread_ts: str | None, body: FileBody, key: str) -> str:
        raise AssertionError("no uploads here")

    async def find(self, channel: str, thread_ts: str | None, key: str) -> str | None:
        return None

    async def direct_message(self, user_id: str, body: Message) -> None:
        raise AssertionError("no DMs here")


def final_edits(slack: ScheduledSlack) -> list[str]:
    """The runs' parent edits, in the order Slack got them (others' edits left out)."""
    return [text for method, text in slack.calls if method == "chat.update" and text != "other"]


async def two_active_runs(executor: Executor) -> tuple[Tracked, Tracked]:
    """Runs A and B, in two channels, their parents posted showing Active."""
    a, b = (
        Tracked(Kind.RUN, name, channel, name) for name, channel in (("runA", "C1"), ("runB", "D1"))
    )
    for run in (a, b):
        posted = Post(PARENT_KEY, Message(f"{run.id}: Active"), in_thread=False)
        await executor.apply(run, Plan((posted,), Progress()))
    return a, b


async def test_a_run_that_ends_before_its_parent_is_posted_is_posted_ended() -> None:
    """No parent posted as Queued and edited at once after: one post showing the end, and
    the plan's own final edit (the same text) is not sent."""
    scheduler = SlackScheduler()
    slack = ScheduledSlack(scheduler)
    executor = Executor(MemoryTrackingStore(), slack)
    run = Tracked(Kind.RUN, "run1", "C1", "hello")
    # Other channels' messages spend chat.postMessage's burst: the parent must wait its turn.
    others = [
        asyncio.ensure_future(slack.post(f"C{n + 2}", None, Message("other"), "k"))
        for n in range(40)
    ]
    queued = Message("hello: Queued")
    posting = asyncio.ensure_future(
        executor.apply(
            run,
            Plan(
                (Post(PARENT_KEY, queued, in_thread=False, priority=Priority.STATUS),), Progress()
            ),
        )
    )
    for _ in range(5):
        await asyncio.sleep(0)
    assert ("chat.postMessage", queued.text) not in slack.calls
    ended = Message("hello: Succeeded in 3s")
    await executor.edit(run, Edit(PARENT_KEY, ended, Priority.FINAL))
    await posting
    await executor.apply(run, Plan((Edit(PARENT_KEY, ended, Priority.FINAL),), Progress()))
    mine = [call for call in slack.calls if call[1] != "other"]
    assert mine == [("chat.postMessage", ended.text)]
    await asyncio.gather(*others)
    await scheduler.aclose()


async def test_an_end_after_the_parent_was_posted_edits_it() -> None:
    """Once the parent is posted, the end is an edit as usual (a fold-only post is not made)."""
    scheduler = SlackScheduler()
    slack = ScheduledSlack(scheduler)
    executor = Executor(MemoryTrackingStore(), slack)
    run = Tracked(Kind.RUN, "run1", "C1", "hello")
    queued, ended = Message("hello: Queued"), Message("hello: Succeeded in 3s")
    plan = Plan((Post(PARENT_KEY, queued, in_thread=False, priority=Priority.STATUS),), Progress())
    await executor.apply(run, plan)
    await executor.edit(run, Edit(PARENT_KEY, ended, Priority.FINAL))
    assert slack.calls == [("chat.postMessage", queued.text), ("chat.update", ended.text)]
    await scheduler.aclose()


async def test_the_second_sign_of_an_end_steps_behind_other_runs_first_signs() -> None:
    """Run A's ending line is out: its final edit, still queued, goes after run B's, whose
    end Slack does not show yet (chat.update's budget is what is short here)."""
    scheduler = SlackScheduler()
    slack = ScheduledSlack(scheduler)
    executor = Executor(MemoryTrackingStore(), slack, scheduler=scheduler)
    a, b = await two_active_runs(executor)
    # Other messages' edits spend chat.update's burst: the final edits must queue.
    others = [
        asyncio.ensure_future(slack.update(f"E{n}", "1.0", Message("other"))) for n in range(9)
    ]
    for _ in range(3):
        await asyncio.sleep(0)
    ended_a = Plan(
        (
            Edit(PARENT_KEY, Message("runA: Succeeded"), Priority.FINAL),
            Post("status:1:Succeeded", Message("runA ended"), priority=Priority.ENDING),
        ),
        Progress(),
    )
    ending_a = asyncio.ensure_future(executor.apply(a, ended_a))
    for _ in range(20):  # A's line goes at once (chat.postMessage has budget)
        await asyncio.sleep(0.01)
    assert ("chat.postMessage", "runA ended") in slack.calls
    ended_b = Plan((Edit(PARENT_KEY, Message("runB: Failed"), Priority.FINAL),), Progress())
    await asyncio.gather(ending_a, executor.apply(b, ended_b), *others)
    assert final_edits(slack) == ["runB: Failed", "runA: Succeeded"]
    await scheduler.aclose()


async def test_a_second_sign_queued_after_the_end_showed_goes_behind_first_signs() -> None:
    """Run A's ending line is out before its final edit is even queued (a real store's write
    came first): that edit goes behind run B's final edit, queued later, whose end Slack does
    not show yet, as if it had been queued in time to be lowered."""
    scheduler = SlackScheduler()
    slack = ScheduledSlack(scheduler)
    executor = Executor(MemoryTrackingStore(), slack, scheduler=scheduler)
    a, b = await two_active_runs(executor)
    line = Post("status:1:Succeeded", Message("runA ended"), priority=Priority.ENDING)
    await executor.apply(a, Plan((line,), Progress()))
    others = [
        asyncio.ensure_future(slack.update(f"E{n}", "1.0", Message("other"))) for n in range(9)
    ]
    for _ in range(3):
        await asyncio.sleep(0)
    ended_a = Plan((Edit(PARENT_KEY, Message("runA: Succeeded"), Priority.FINAL),), Progress())
    ending_a = asyncio.ensure_future(executor.apply(a, ended_a))
    for _ in range(3):
        await asyncio.sleep(0)
    ended_b = Plan((Edit(PARENT_KEY, Message("runB: Failed"), Priority.FINAL),), Progress())
    await asyncio.gather(ending_a, executor.apply(b, ended_b), *others)
    assert final_edits(slack) == ["runB: Failed", "runA: Succeeded"]
    await scheduler.aclose()


async def test_a_prompt_waits_for_its_queued_parent_instead_of_asking_again() -> None:
    """`parent_posted` answers once the queued parent is posted, or None when it is not in
    time (the prompt check then looks again later)."""
    scheduler = SlackScheduler()
    slack = ScheduledSlack(scheduler)
    executor = Executor(MemoryTrackingStore(), slack)
    run = Tracked(Kind.RUN, "run1", "C1", "hello")
    others = [
        asyncio.ensure_future(slack.post(f"C{n + 2}", None, Message("other"), "k"))
        for n in range(40)
    ]
    plan = Plan((Post(PARENT_KEY, Message("Queued"), in_thread=False),), Progress())
    posting = asyncio.ensure_future(executor.apply(run, plan))
    assert await executor.parent_posted(run, 0.01) is None
    ts = await executor.parent_posted(run, 30.0)
    await posting
    assert ts is not None
    assert ts == (await executor.store.posts(run))[PARENT_KEY]
    assert await executor.parent_posted(run, 0.0) == ts
    await asyncio.gather(*others)
    await scheduler.aclose()
