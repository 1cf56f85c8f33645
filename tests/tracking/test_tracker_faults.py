"""The tracker when things go wrong, on fakes driven cycle by cycle: no timing, no servers.

A 404 on one run's outputs, a run that keeps failing, a channel Slack refuses, a prompt that
only `prompts/list` shows: each stays local to its item, backs off, and ends or is found.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

import pytest
from slack_sdk.errors import SlackApiError

from airplane_api.errors import NotFoundError, ServerError
from airplane_api.models import GetLogsResponse, Prompt, Run, Session
from bot.core.kinds import Kind
from bot.slack.queueing import Queueing, current
from bot.slack.scheduler import SlackScheduler
from bot.tracking.model import Tracked
from bot.tracking.render import FileBody, Message
from bot.tracking.tracker import Tracker, TrackerSettings
from foundation.slack_limits import Tier
from tests.support.eventually import eventually
from tests.support.slack_errors import slack_api_error
from tests.support.tracking import MemoryTrackingStore, cycles_pass

T0 = datetime(2026, 1, 1, tzinfo=UTC).timestamp()
T = TypeVar("T")


class Clock:
    """Time that moves only when the test says so."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now


def run(run_id: str, status: str) -> Run:
    """A run object with only the documented fields (no updatedAt)."""
    return Run.model_validate(
        {"id": run_id, "status": status, "taskID": "tsk1", "createdAt": "2026-01-01T00:00:00Z"}
    )


def prompt(prompt_id: str, run_id: str) -> Prompt:
    """A pending prompt of a run."""
    return Prompt.model_validate(
        {
            "id": prompt_id,
            "runID": run_id,
            "description": "Ship it?",
            "schema": {"parameters": []},
            "createdAt": "2026-01-01T00:00:01Z",
        }
    )


class FakeAirplane:
    """An AirplaneSource over dicts; `listed` is what the next runs/list answers."""

    def __init__(self) -> None:
        self.runs: dict[str, Run] = {}
        self.prompts: dict[str, list[Prompt]] = {}
        self.listed: list[Run] = []
        self.overlap: list[Run] = []
        self.calls: list[tuple[str, str]] = []
        self.broken_outputs: dict[str, Exception] = {}
        self.broken_runs: dict[str, Exception] = {}

    async def get_run(self, run_id: str) -> Run:
        self.calls.append(("runs/get", run_id))
        if run_id in self.broken_runs:
            raise self.broken_runs[run_id]
        if run_id not in self.runs:
            raise NotFoundError(status=404, error="no such run", method="GET", path="/runs/get")
        return self.runs[run_id]

    async def get_run_outputs(self, run_id: str) -> Any:
        self.calls.append(("runs/getOutputs", run_id))
        if run_id in self.broken_outputs:
            raise self.broken_outputs[run_id]
        return {"answer": 42}

    async def get_run_logs(
        self, run_id: str, *, prev_token: str | None = None, next_token: str | None = None
    ) -> GetLogsResponse:
        self.calls.append(("runs/getLogs", run_id))
        return GetLogsResponse.model_validate({"logs": [], "runID": run_id})

    async def list_runs(self, *, until: datetime | None = None, **_: Any) -> list[Run]:
        self.calls.append(("runs/list", ""))
        if until is not None:
            overlap, self.overlap = self.overlap, []  # the feed's overlap window
            return overlap
        listed, self.listed = self.listed, []
        return listed

    async def get_session(self, session_id: str) -> Session:
        raise NotImplementedError

    async def list_sessions(self, **_: Any) -> list[Session]:
        return []

    async def list_prompts(self, run_id: str) -> list[Prompt]:
        self.calls.append(("prompts/list", run_id))
        return self.prompts.get(run_id, [])

    async def get_prompt(self, prompt_id: str) -> Prompt:
        raise NotImplementedError

    def count(self, endpoint: str, ident: str) -> int:
        return self.calls.count((endpoint, ident))


def refused(error: str) -> SlackApiError:
    """A SlackApiError as slack_sdk raises it for a refused channel."""
    return slack_api_error(error, method="chat.postMessage")


class FakeSlack:
    """A SlackWriter that records; channels in `gone` refuse every write."""

    def __init__(self) -> None:
        self.posts: list[tuple[str, str | None, str]] = []
        self.edits: list[tuple[str, str, str]] = []
        self.dms: list[tuple[str, str]] = []
        self.gone: dict[str, str] = {}
        self.attempts: Counter[str] = Counter()

    async def post(self, channel: str, thread_ts: str | None, body: Message, key: str) -> str:
        self.attempts[channel] += 1
        if channel in self.gone:
            raise refused(self.gone[channel])
        self.posts.append((channel, thread_ts, body.text + str(body.blocks)))
        return f"{len(self.posts)}.0"

    async def update(self, channel: str, ts: str, body: Message) -> None:
        self.attempts[channel] += 1
        if channel in self.gone:
            raise refused(self.gone[channel])
        self.edits.append((channel, ts, str(body.blocks)))

    async def upload(self, channel: str, thread_ts: str | None, body: FileBody, key: str) -> str:
        return "F1"

    async def find(self, channel: str, thread_ts: str | None, key: str) -> str | None:
        return None

    async def direct_message(self, user_id: str, body: Message) -> None:
        self.dms.append((user_id, body.text))


class FakeSink:
    """A PromptSink that remembers which prompts it was shown."""

    def __init__(self) -> None:
        self.shown: list[str] = []

    async def on_prompts(self, tracked: Tracked, thread_ts: str, prompts: Sequence[Prompt]) -> None:
        self.shown += [p.id for p in prompts]


def build(
    airplane: FakeAirplane, slack: FakeSlack, clock: Clock, **settings: Any
) -> tuple[Tracker, FakeSink]:
    sink = FakeSink()
    tracker = Tracker(
        airplane,
        MemoryTrackingStore(),
        slack,
        TrackerSettings(requests_per_second=1000.0, **settings),
        prompt_sink=sink,
        clock=clock,
    )
    return tracker, sink


async def settle(tracker: Tracker) -> None:
    """Let every worker the last cycle started finish."""
    while tracker.shared.workers:
        await asyncio.gather(*list(tracker.shared.workers))
        await asyncio.sleep(0)  # let their done-callbacks run


async def cycles(tracker: Tracker, clock: Clock, count: int, step: float = 1.0) -> None:
    for _ in range(count):
        await tracker.cycle()
        await settle(tracker)
        clock.now += step


def watched(run_id: str, channel: str = "C1") -> Tracked:
    return Tracked(Kind.RUN, run_id, channel, "deploy", requested_by="U0ALICE")


async def test_a_404_on_outputs_ends_the_run_and_asks_once() -> None:
    """The parent shows Succeeded and the run is done; its outputs are not asked again."""
    airplane, slack, clock = FakeAirplane(), FakeSlack(), Clock()
    airplane.runs = {"run_a": run("run_a", "Succeeded"), "run_b": run("run_b", "Succeeded")}
    airplane.broken_outputs["run_a"] = NotFoundError(
        status=404, error="not found", method="GET", path="/runs/getOutputs"
    )
    tracker, _ = build(airplane, slack, clock)
    await tracker.watch(watched("run_a"))
    await tracker.watch(watched("run_b"))
    await cycles(tracker, clock, 5)
    assert tracker.following == 0
    assert airplane.count("runs/getOutputs", "run_a") == 1
    assert any("answer" in text for _, thread, text in slack.posts if thread)


async def test_a_failing_item_backs_off_and_says_so_once() -> None:
    """A run whose fetch keeps failing is retried 1, 2, 4, ... s apart and noted once."""
    airplane, slack, clock = FakeAirplane(), FakeSlack(), Clock()
    airplane.runs = {"run_ok": run("run_ok", "Active")}
    airplane.broken_runs["run_bad"] = ServerError(
        status=503, error="unavailable", method="GET", path="/runs/get"
    )
    tracker, _ = build(airplane, slack, clock, trouble_after=3, command="/ops")
    await tracker.watch(watched("run_ok"), initial_status="Queued")
    await tracker.watch(watched("run_bad"), initial_status="Queued")
    await cycles(tracker, clock, 60)
    fetches = airplane.count("runs/get", "run_bad")
    # Once a second for a minute would be 60; doubling backoff gives about log2(60) + 1.
    assert 5 <= fetches <= 8, fetches
    notes = [text for _, thread, text in slack.posts if thread and "keep failing" in text]
    assert len(notes) == 1
    assert "503" in notes[0]
    assert "`/ops status run_bad` asks Airplane directly" in notes[0]  # BOT_COMMAND's name
    assert tracker.following == 2  # still followed: it may come back


async def test_a_refused_channel_is_dropped_and_the_requester_told_once() -> None:
    """not_in_channel: no more writes there, one DM per run, other channels go on."""
    airplane, slack, clock = FakeAirplane(), FakeSlack(), Clock()
    airplane.runs = {"run_a": run("run_a", "Active"), "run_b": run("run_b", "Active")}
    slack.gone["C_GONE"] = "not_in_channel"
    tracker, _ = build(airplane, slack, clock, command="/ops")
    await tracker.watch(watched("run_a", "C_GONE"), initial_status="Queued")
    await tracker.watch(watched("run_b", "C_OK"), initial_status="Queued")
    await cycles(tracker, clock, 3)
    refused_writes = slack.attempts["C_GONE"]
    assert refused_writes == 1
    airplane.runs["run_b"] = run("run_b", "Succeeded")
    airplane.runs["run_a"] = run("run_a", "Succeeded")
    airplane.listed = [airplane.runs["run_a"], airplane.runs["run_b"]]
    await cycles(tracker, clock, 10)
    assert slack.dms == [("U0ALICE", slack.dms[0][1])]
    assert "not_in_channel" in slack.dms[0][1]
    assert "`/ops watch run_a`" in slack.dms[0][1]  # the command as BOT_COMMAND names it
    assert all(channel == "C_OK" for channel, _, _ in slack.posts)
    assert slack.attempts["C_GONE"] == refused_writes  # never tried again
    assert any("Succeeded" in blocks for channel, _, blocks in slack.edits if channel == "C_OK")
    assert tracker.following == 0


async def test_a_run_listed_again_unchanged_has_its_prompts_checked() -> None:
    """On the documented API a relisted run with nothing visible changed gets prompts/list."""
    airplane, slack, clock = FakeAirplane(), FakeSlack(), Clock()
    active = run("run_p", "Active")
    airplane.runs = {"run_p": active, "run_q": run("run_q", "Active")}
    tracker, sink = build(airplane, slack, clock, prompt_safety_interval=1e9)
    await tracker.watch(watched("run_p"))
    await tracker.watch(watched("run_q"))
    await cycles(tracker, clock, 5)
    # Asked once on first sight (it may already wait), then not again: nothing said it changed.
    assert airplane.count("prompts/list", "run_p") == 1
    airplane.prompts["run_p"] = [prompt("pmt1", "run_p")]
    airplane.listed = [active]  # the feed lists it: it was updated, though it looks the same
    await cycles(tracker, clock, 2)
    assert airplane.count("prompts/list", "run_p") == 2
    assert airplane.count("prompts/list", "run_q") == 1
    assert sink.shown == ["pmt1"]


async def test_the_safety_poll_finds_a_prompt_nobody_announced() -> None:
    """A server that does not count prompts as updates: found within the safety interval."""
    airplane, slack, clock = FakeAirplane(), FakeSlack(), Clock()
    airplane.runs = {"run_p": run("run_p", "Active")}
    tracker, sink = build(airplane, slack, clock, prompt_safety_interval=30.0)
    await tracker.watch(watched("run_p"))
    await cycles(tracker, clock, 2)
    airplane.prompts["run_p"] = [prompt("pmt1", "run_p")]
    await cycles(tracker, clock, 31)
    assert sink.shown == ["pmt1"]
    assert airplane.count("prompts/list", "run_p") == 2  # first sight, then 30 s later


async def test_a_repeat_from_the_overlap_window_is_not_a_new_prompt() -> None:
    """Listed again only because the feed's window overlaps the last: no prompts/list."""
    airplane, slack, clock = FakeAirplane(), FakeSlack(), Clock()
    active = run("run_p", "Active")
    airplane.runs = {"run_p": active}
    tracker, _ = build(airplane, slack, clock, prompt_safety_interval=1e9)
    await tracker.watch(watched("run_p"))
    await cycles(tracker, clock, 3)
    asked = airplane.count("prompts/list", "run_p")
    airplane.overlap = [active]
    await cycles(tracker, clock, 2)
    assert airplane.count("prompts/list", "run_p") == asked
    airplane.listed = [active]
    await cycles(tracker, clock, 2)
    assert airplane.count("prompts/list", "run_p") == asked + 1


async def test_a_prompt_opened_in_the_window_its_run_went_live_in_is_found() -> None:
    """Queued at the last listing, Active and already waiting at the next: the listing names
    the run once (its status change), so the start itself must be followed by a look."""
    airplane, slack, clock = FakeAirplane(), FakeSlack(), Clock()
    queued = run("run_p", "Queued")
    airplane.runs = {"run_p": queued}
    tracker, sink = build(airplane, slack, clock, prompt_safety_interval=1e9)
    await tracker.watch(watched("run_p"), initial_status="Queued")
    airplane.listed = [queued]
    await cycles(tracker, clock, 2)
    assert airplane.count("prompts/list", "run_p") == 0  # a queued run has no prompt
    airplane.runs["run_p"] = run("run_p", "Active")
    airplane.prompts["run_p"] = [prompt("pmt1", "run_p")]
    airplane.listed = [airplane.runs["run_p"]]
    await cycles(tracker, clock, 2)
    assert airplane.count("prompts/list", "run_p") == 1
    assert sink.shown == ["pmt1"]


class ManualTime:
    """Time that moves only when the test says so, for code that sleeps on it: a sleeper wakes
    once `advance` takes the time past its deadline."""

    def __init__(self) -> None:
        self.now = 0.0
        self._sleepers: list[tuple[float, asyncio.Future[None]]] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        woken = asyncio.get_running_loop().create_future()
        self._sleepers.append((self.now + seconds, woken))
        await woken

    def advance(self, seconds: float) -> None:
        self.now += seconds
        for deadline, woken in self._sleepers:
            if deadline <= self.now and not woken.done():
                woken.set_result(None)
        self._sleepers = [(d, w) for d, w in self._sleepers if not w.done()]


class PacedSlack(FakeSlack):
    """FakeSlack behind a workspace scheduler that allows one edit every half second of `time`."""

    def __init__(self, time: ManualTime) -> None:
        super().__init__()
        self.scheduler = SlackScheduler(
            tiers=lambda method: Tier("test", 120, 2), clock=time, sleep=time.sleep
        )

    async def post(self, channel: str, thread_ts: str | None, body: Message, key: str) -> str:
        async def call() -> str:
            return await FakeSlack.post(self, channel, thread_ts, body, key)

        answer: str = await self.scheduler.call(
            "chat.postMessage", call, channel=channel, queueing=current()
        )
        return answer

    async def update(self, channel: str, ts: str, body: Message) -> None:
        async def call() -> None:
            await FakeSlack.update(self, channel, ts, body)

        await self.scheduler.call("chat.update", call, channel=channel, queueing=current())


async def test_the_end_shows_before_the_worker_gets_through_its_queued_writes() -> None:
    """A run ends while its worker waits for its Active edit behind the workspace's chat.update
    budget: the parent's next edit shows the end, not Active first and the end a token later."""
    time = ManualTime()
    airplane, slack, clock = FakeAirplane(), PacedSlack(time), Clock()
    airplane.runs = {"run_e": run("run_e", "Queued")}
    tracker = Tracker(
        airplane,
        MemoryTrackingStore(),
        slack,
        TrackerSettings(requests_per_second=1000.0),
        scheduler=slack.scheduler,
        clock=clock,
    )
    await tracker.watch(watched("run_e"), initial_status="Queued")
    await eventually(lambda: _async(len(slack.posts) == 1))  # the parent is posted

    async def elsewhere() -> None:
        await FakeSlack.update(slack, "C_OTHER", "1.0", Message(text="other"))

    # Another run's edit takes the only chat.update token (the next comes 0.5 s later, when
    # the test moves the scheduler's time).
    await slack.scheduler.call("chat.update", elsewhere, channel="C_OTHER", queueing=Queueing())
    airplane.runs["run_e"] = run("run_e", "Active")
    airplane.listed = [airplane.runs["run_e"]]
    await tracker.cycle()
    # The Active edit queues for the next token.
    await eventually(lambda: _async(slack.scheduler.pending() == 1))
    airplane.runs["run_e"] = run("run_e", "Succeeded")
    airplane.listed = [airplane.runs["run_e"]]
    await tracker.cycle()  # the worker still waits for its Active edit
    # The end's edit of the parent reaches the scheduler, and folds into the queued one.
    await eventually(lambda: _async(slack.scheduler.folded == 1))
    time.advance(0.5)  # one token later
    edits = await eventually(lambda: _async([edit for edit in slack.edits if edit[0] != "C_OTHER"]))
    assert "Succeeded" in edits[0][2]  # the first edit already shows the end

    async def finished() -> bool:
        time.advance(0.5)  # a token for each write still queued (the thread's lines)
        return not tracker.shared.workers

    await eventually(finished)
    await slack.scheduler.aclose()


# -- the tracker's own loops outlive any error, log it once and back off ------------------------


class FakeTime:
    """A clock that moves only when the tracker sleeps."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.slept: list[float] = []

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.clock.now += seconds
        await asyncio.sleep(0)


class BrokenListAirplane(FakeAirplane):
    """runs/list fails with a bug (not an Airplane error) `broken` times, then works."""

    def __init__(self, broken: int) -> None:
        super().__init__()
        self.broken = broken

    async def list_runs(self, *, until: datetime | None = None, **kwargs: Any) -> list[Run]:
        if self.broken:
            self.broken -= 1
            raise KeyError("updatedAt")
        return await super().list_runs(until=until, **kwargs)


def warnings_about(caplog: pytest.LogCaptureFixture, what: str) -> list[logging.LogRecord]:
    return [
        r
        for r in caplog.records
        if r.levelno >= logging.WARNING and r.getMessage().startswith(what)
    ]


async def test_the_cycle_loop_survives_a_bug_logs_it_once_and_backs_off(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Five cycles fail on a KeyError: one warning with its trace, pauses doubling, then the
    feed works again and the run's end is shown."""
    airplane, slack, clock = BrokenListAirplane(broken=5), FakeSlack(), Clock()
    time = FakeTime(clock)
    airplane.runs = {"run_a": run("run_a", "Active")}
    tracker = Tracker(
        airplane,
        MemoryTrackingStore(),
        slack,
        TrackerSettings(requests_per_second=1000.0, max_backoff=30.0),
        clock=clock,
        sleep=time.sleep,
    )
    await tracker.watch(watched("run_a"), initial_status="Queued")
    with caplog.at_level(logging.DEBUG, logger="bot.tracking.tracker"):
        await tracker.start()
        try:
            await cycles_pass(tracker, 6)
            airplane.runs["run_a"] = run("run_a", "Succeeded")
            airplane.listed = [airplane.runs["run_a"]]
            await eventually(lambda: _async(tracker.following == 0), within=10)
        finally:
            await tracker.stop()
    failed = warnings_about(caplog, "tracker cycle failed")
    assert len(failed) == 1
    assert failed[0].exc_info is not None  # a bug: its trace is logged
    assert "KeyError" in failed[0].getMessage()
    assert any(s >= 16.0 for s in time.slept)  # backed off (1 s doubling), not every second
    assert any("works again" in r.getMessage() for r in caplog.records)


class FailingLeasing:
    """A Leasing whose renewals fail `broken` times with a bug, then work."""

    ttl = 6.0

    def __init__(self, broken: int) -> None:
        self.broken = broken
        self.renewals = 0

    async def claim(self, items: Any) -> set[Any]:
        return {(t.kind, t.id, t.channel) for t in items}

    async def renew(self) -> set[Any]:
        self.renewals += 1
        if self.broken:
            self.broken -= 1
            raise RuntimeError("lease table locked")
        return set()

    async def release(self, tracked: Tracked) -> None:
        return None

    async def holds(self, tracked: Tracked) -> bool:
        return True

    async def replicas(self) -> int:
        return 1


async def test_the_lease_loop_survives_failing_rounds_and_logs_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Renewals keep failing: the loop goes on renewing, one warning, a growing pause."""
    airplane, slack, clock = FakeAirplane(), FakeSlack(), Clock()
    time = FakeTime(clock)
    leasing = FailingLeasing(broken=4)
    tracker = Tracker(
        airplane,
        MemoryTrackingStore(),
        slack,
        TrackerSettings(requests_per_second=1000.0),
        leasing=leasing,
        clock=clock,
        sleep=time.sleep,
    )
    with caplog.at_level(logging.DEBUG, logger="bot.tracking.tracker"):
        await tracker.start()
        try:
            await eventually(lambda: _async(leasing.renewals >= 6), within=10)
        finally:
            await tracker.stop()
    assert len(warnings_about(caplog, "lease round failed")) == 1
    # Rounds are ttl / 6 = 1 s apart; failing ones 2 s, 4 s, ... (the idle cycle sleeps 5 s+).
    assert {2.0, 4.0} <= set(time.slept)


class ForgetfulStore(MemoryTrackingStore):
    """A store whose `save_progress` fails (a bug) while `broken`."""

    broken = True

    async def save_progress(self, tracked: Tracked, progress: Any) -> None:
        if self.broken:
            raise RuntimeError("disk I/O error")
        await super().save_progress(tracked, progress)


async def test_a_job_whose_failure_escapes_is_logged_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A run vanishes and recording that fails: the escaped error is logged (once), not lost
    as an unretrieved task exception, and the tracker goes on."""
    airplane, slack, clock = FakeAirplane(), FakeSlack(), Clock()
    store = ForgetfulStore()
    tracker = Tracker(
        airplane,
        store,
        slack,
        TrackerSettings(requests_per_second=1000.0),
        clock=clock,
    )
    store.broken = False
    await tracker.watch(watched("run_gone"))
    store.broken = True
    with caplog.at_level(logging.DEBUG, logger="bot.tracking.tracker"):
        for _ in range(3):
            await tracker.cycle()
            # The jobs' errors are the tracker's to log: the test only waits for them.
            await asyncio.gather(*list(tracker.shared.workers), return_exceptions=True)
            await asyncio.sleep(0)
            clock.now += 10.0
    escaped = warnings_about(caplog, "tracker job failed")
    assert airplane.count("runs/get", "run_gone") >= 2  # the job ran (and failed) again
    assert len(escaped) == 1
    assert "disk I/O error" in escaped[0].getMessage()


async def _async(value: T) -> T:
    return value
