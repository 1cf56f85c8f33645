"""One realistic session with the bot, as people read it: shared by its e2e test and by
`scripts/screens.py`, which writes it to docs/screens.md.

ALICE mistypes a command, greets someone, asks to deploy (CAROL, a reviewer, rejects it), runs a
task that fails, deploys again (her own click on the prompt is refused in its thread; Home shows
CAROL the approval waiting and ALICE the rejection; CAROL approves with a note), runs the release
runbook to its end, has #ops subscribe to hello and runs it in #general (#ops gets a copy), lists
her runs and what she may run, and starts a runbook without every value (the form asks for the
rest). Every message is read from the
Slack stand-in (slackbox) after a real bot, against a real airfield, wrote it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from slackbox import ALICE, CAROL, GENERAL, OPS, Message, SlackEmulator, ViewRecord
from slackbox.records import block_text
from tests.bot.harness import running_bot
from tests.support.airfield import EXAMPLES, AirfieldProcess

WAIT = 60.0


@dataclass(frozen=True)
class Screen:
    """What one person sees after one step: a title and the messages, as text."""

    title: str
    who: str
    messages: tuple[str, ...]


def _read(message: Message) -> str:
    return block_text(_shown(message.versions[-1].blocks)) or message.text


def _form_text(view: dict[str, Any]) -> str:
    """A modal as it opens: its title, then each input's label and what it is prefilled with
    (`[ ]` when empty), each other block's text."""
    lines = [str((view.get("title") or {}).get("text") or "")]
    for block in view.get("blocks") or []:
        if block.get("type") != "input":
            lines.append(block_text([block]))
            continue
        element = block.get("element") or {}
        initial = element.get("initial_value") or (element.get("initial_option") or {}).get("value")
        optional = " (optional)" if block.get("optional") else ""
        lines.append(f"{block['label']['text']}{optional}: [{initial or ' '}]")
        if block.get("hint"):
            lines.append(f"  {block['hint']['text']}")
    lines.append(f"[{(view.get('submit') or {}).get('text') or 'Submit'}]")
    return "\n".join(line for line in lines if line)


def _shown(node: Any) -> Any:
    """Blocks as they show before anyone clicks: a button's confirm dialog opens only then."""
    if isinstance(node, dict):
        return {key: _shown(value) for key, value in node.items() if key != "confirm"}
    if isinstance(node, list):
        return [_shown(item) for item in node]
    return node


@asynccontextmanager
async def bot_world(root: Path) -> AsyncIterator[SlackEmulator]:
    """airfield with examples/, Slack, and the whole bot (CAROL reviews for `ops`)."""
    policy = root / "policy.yaml"
    policy.write_text("reviewer_groups:\n  ops: [" + CAROL + "]\n")
    with AirfieldProcess(root / "airfield", tasks_dirs=[EXAMPLES]) as airfield:
        async with (
            SlackEmulator() as slack,
            running_bot(slack, airfield, root, bot_policy=str(policy)) as running,
        ):
            assert running.services.tracker is not None
            await running.services.tracker.start()
            yield slack


async def _say(slack: SlackEmulator, text: str) -> str:
    before = len(slack.ephemerals(ALICE))
    await slack.slash_command("/airplane", text, user=ALICE, channel=GENERAL)
    answer = await slack.wait_for(
        lambda: slack.ephemerals(ALICE)[before] if len(slack.ephemerals(ALICE)) > before else None,
        timeout=WAIT,
    )
    return block_text(answer.blocks) or answer.text


async def _start(slack: SlackEmulator, text: str, ended: str) -> Message:
    """Start a run; wait for its parent to read `ended` and its thread to settle."""
    known = {m.ts for m in slack.messages(GENERAL)}
    await slack.slash_command("/airplane", text, user=ALICE, channel=GENERAL)
    parent = await slack.wait_for(
        lambda: next((m for m in slack.messages(GENERAL) if m.ts not in known), None), timeout=WAIT
    )
    return await slack.wait_for(
        lambda: _now_reads(slack, parent.ts, ended),
        timeout=WAIT,
    )


async def _deploy_waiting(
    slack: SlackEmulator, service: str, version: str
) -> tuple[Message, Message]:
    """alice starts a deploy; its parent once it waits for approval, and the prompt in its
    thread."""
    known = {m.ts for m in slack.messages(GENERAL)}
    await slack.slash_command(
        "/airplane", f"run deploy service={service} version={version}", user=ALICE, channel=GENERAL
    )
    deploy = await slack.wait_for(
        lambda: next(
            (m for m in slack.messages(GENERAL) if m.ts not in known and "Waiting for" in _read(m)),
            None,
        ),
        timeout=WAIT,
    )
    prompt = await slack.wait_for(
        lambda: next((m for m in slack.thread(GENERAL, deploy.ts) if "Stop" in _read(m)), None),
        timeout=WAIT,
    )
    return deploy, prompt


def _now_reads(slack: SlackEmulator, ts: str, words: str) -> Message | None:
    message = slack.message(GENERAL, ts)
    return message if words in _read(message) else None


def _thread(slack: SlackEmulator, parent: Message) -> list[str]:
    return [_read(m) for m in slack.thread(GENERAL, parent.ts)]


async def session(slack: SlackEmulator) -> list[Screen]:
    """Play the session; what each person saw, step by step."""
    screens = [Screen("A typo", "alice", (await _say(slack, "deploi api"),))]

    hello = await _start(slack, "run hello name=Ada", "*Succeeded*")
    await slack.wait_for(lambda: len(_thread(slack, hello)) >= 2, timeout=WAIT)
    screens.append(
        Screen("`/airplane run hello name=Ada`", "#general", (_read(hello), *_thread(slack, hello)))
    )

    deploy, prompt = await _deploy_waiting(slack, "api", "v1.4.0")
    # The reviewer's DM copy is posted beside the thread's: wait for it too.
    dm = await slack.wait_for(
        lambda: next(
            (
                m
                for c in slack.workspace.channels.values()
                if c.id.startswith("D")
                for m in slack.messages(c.id)
                if "Stop" in _read(m)
            ),
            None,
        ),
        timeout=WAIT,
    )
    screens.append(
        Screen(
            "`/airplane run deploy service=api version=v1.4.0`, waiting",
            "#general",
            (_read(slack.message(GENERAL, deploy.ts)), *_thread(slack, deploy)),
        )
    )
    screens.append(Screen("The reviewer's DM", "carol", (_read(dm),)))
    await slack.click("Stop", user=CAROL, target=prompt)
    deploy = await slack.wait_for(
        lambda: _now_reads(slack, deploy.ts, "*Rejected*"),
        timeout=WAIT,
    )
    await slack.wait_for(
        lambda: any("*Rejected*" in t for t in _thread(slack, deploy)), timeout=WAIT
    )
    screens.append(Screen("Carol rejects it", "#general", (_read(deploy), *_thread(slack, deploy))))

    failed = await _start(slack, "run always_fails", "*Failed*")
    await slack.wait_for(lambda: any("log line" in t for t in _thread(slack, failed)), timeout=WAIT)
    screens.append(
        Screen("`/airplane run always_fails`", "#general", (_read(failed), *_thread(slack, failed)))
    )
    screens += await _approved_deploy(slack)
    screens.append(await _runbook(slack))
    screens.append(await _subscription_copy(slack))
    screens.append(
        Screen("`/airplane runs`: runbooks with their steps", "alice", (await _say(slack, "runs"),))
    )
    screens.append(Screen("`/airplane tasks`", "alice", (await _say(slack, "tasks"),)))
    screens.append(Screen("`/airplane runs nope`", "alice", (await _say(slack, "runs nope"),)))
    await slack.slash_command(
        "/airplane", "runbook release service=web", user=ALICE, channel=GENERAL
    )
    form = await slack.wait_for_view(ALICE, callback_id="run_modal", timeout=WAIT)
    screens.append(
        Screen(
            "`/airplane runbook release service=web`: the form asks for what is missing",
            "alice",
            (_form_text(form.view),),
        )
    )
    return screens


# What a reviewer types in a prompt's note: Markdown, a tag and a code span, kept as typed.
NOTE = "Ship after **standup**. <script>alert(1)</script> `code`"
DEPLOY_VALUES = {"Replicas": "3", "Canary": ["Yes"], "Window": "2026-12-01"}


def _thread_as_seen_by(slack: SlackEmulator, parent: Message, user: str) -> list[str]:
    """The thread as `user` reads it: its messages and, where they were said, what only
    they see."""
    shown: list[tuple[float, str]] = [
        (float(m.ts), _read(m)) for m in slack.thread(GENERAL, parent.ts)
    ]
    shown += [
        (float(e.ts), "(only visible to you) " + (block_text(e.blocks) or e.text))
        for e in slack.ephemerals(user, GENERAL)
        if e.thread_ts == parent.ts
    ]
    return [text for _, text in sorted(shown)]


async def _home(slack: SlackEmulator, user: str, shows: str) -> str:
    """`user` opens the app's Home tab; its text once it shows `shows`."""
    await slack.send_event({"type": "app_home_opened", "user": user, "tab": "home"})

    def shown() -> ViewRecord | None:
        view = slack.home_view(user)
        return view if view is not None and shows in block_text(view.blocks) else None

    view = await slack.wait_for(shown, timeout=WAIT)
    return block_text(_shown(view.blocks))


async def _approved_deploy(slack: SlackEmulator) -> list[Screen]:
    """A second deploy: alice clicks her own prompt (refused, in the thread); Home as carol
    (the approval waiting) and alice (the first deploy rejected); carol approves with a note."""
    deploy, prompt = await _deploy_waiting(slack, "web", "v1.5.0")
    slack.fill(prompt, DEPLOY_VALUES)
    await slack.click("Ship it", user=ALICE, target=prompt)
    await slack.wait_for_ephemeral(ALICE, contains="self-approval", timeout=WAIT)
    refused = Screen(
        "alice clicks Ship it on her own run: refused in the thread",
        "alice",
        (_read(slack.message(GENERAL, deploy.ts)), *_thread_as_seen_by(slack, deploy, ALICE)),
    )
    homes = [
        Screen("App Home: an approval waiting", "carol", (await _home(slack, CAROL, "v1.5.0"),)),
        Screen("App Home: a rejected run", "alice", (await _home(slack, ALICE, "Rejected"),)),
    ]
    slack.fill(prompt, {**DEPLOY_VALUES, "Note": NOTE})
    await slack.click("Ship it", user=CAROL, target=prompt)
    deploy = await slack.wait_for(lambda: _now_reads(slack, deploy.ts, "Approved by"), timeout=WAIT)
    await slack.wait_for(lambda: _now_reads(slack, deploy.ts, "*Succeeded*"), timeout=WAIT)
    await slack.wait_for(
        lambda: any("Output of" in t for t in _thread(slack, deploy)), timeout=WAIT
    )
    approved = Screen(
        "Carol approves, with a note: the parent credits her",
        "#general",
        (_read(slack.message(GENERAL, deploy.ts)), *_thread(slack, deploy)),
    )
    return [refused, *homes, approved]


async def _runbook(slack: SlackEmulator) -> Screen:
    """The release runbook to its end: carol approves its prompt step."""
    release = await _start(slack, "runbook release version=v2.0.0", "Waiting for")
    prompt = await slack.wait_for(
        lambda: next((m for m in slack.thread(GENERAL, release.ts) if "Abort" in _read(m)), None),
        timeout=WAIT,
    )
    await slack.click("Release", user=CAROL, target=prompt)
    await slack.wait_for(lambda: _now_reads(slack, release.ts, "*Succeeded*"), timeout=WAIT)
    await slack.wait_for(
        lambda: (
            sum(" Step *" in t for t in _thread(slack, release)) >= 3
            and any("*restart*" in t and "Succeeded" in t for t in _thread(slack, release))
            and any("Approved by" in t and "*approve*" in t for t in _thread(slack, release))
            and any(t.startswith(":white_check_mark: *Succeeded*") for t in _thread(slack, release))
        ),
        timeout=WAIT,
    )
    return Screen(
        "`/airplane runbook release version=v2.0.0`, approved by carol",
        "#general",
        (_read(slack.message(GENERAL, release.ts)), *_thread(slack, release)),
    )


async def _subscription_copy(slack: SlackEmulator) -> Screen:
    """#ops subscribes to hello; alice's run of it in #general is copied to #ops."""
    before = len(slack.ephemerals(ALICE))
    await slack.slash_command("/airplane", "subscribe hello", user=ALICE, channel=OPS)
    await slack.wait_for(lambda: len(slack.ephemerals(ALICE)) > before, timeout=WAIT)
    await _start(slack, "run hello name=FromGeneral", "*Succeeded*")
    copy = await slack.wait_for(
        lambda: next(
            (
                m
                for m in slack.messages(OPS)
                if "FromGeneral" in _read(m) and "*Succeeded*" in _read(m)
            ),
            None,
        ),
        timeout=WAIT,
    )

    def thread() -> list[str]:
        return [_read(m) for m in slack.thread(OPS, copy.ts)]

    await slack.wait_for(lambda: any("Output of" in t for t in thread()), timeout=WAIT)
    return Screen(
        "`/airplane subscribe hello` in #ops, then alice runs hello in #general: the copy",
        "#ops",
        (_read(slack.message(OPS, copy.ts)), *thread()),
    )


def markdown(screens: list[Screen]) -> str:
    """The session as docs/screens.md shows it."""
    out = [
        "# What people see in Slack",
        "",
        "One session, written by `scripts/screens.py` from a real run of the bot against airfield",
        "(`examples/`) and slackbox. Messages are shown as Slack's mrkdwn source: `*bold*`,",
        "`<@U…>` mentions, `<!date^…>` times that Slack shows in each reader's time zone.",
        "",
    ]
    for screen in screens:
        out += [f"## {screen.title}", "", f"_seen by {screen.who}_", ""]
        for message in screen.messages:
            out += ["````text", message.strip(), "````", ""]  # messages hold ``` fences
    return "\n".join(out)
