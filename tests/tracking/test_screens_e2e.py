"""The session of docs/screens.md, read as people read it: who, what, when and why."""

from __future__ import annotations

from pathlib import Path

from .screens import bot_world, session


async def test_a_session_reads_well(tmp_path: Path) -> None:
    async with bot_world(tmp_path) as slack:
        screens = {screen.title: "\n".join(screen.messages) for screen in await session(slack)}
        assert slack.rejected == []
    typo = screens["A typo"]
    assert "did you mean `deploy`" not in typo  # not a subcommand: it suggests `run`
    assert "`run deploi api`" in typo
    assert "*Usage*" not in typo  # one line of what to do, not the whole usage
    hello = screens["`/airplane run hello name=Ada`"]
    assert "*Hello* (`hello`)" in hello
    assert "Started by <@U0ALICE>" in hello
    assert "*Succeeded* in" in hello
    assert "Output of `hello`" in hello
    waiting = screens["`/airplane run deploy service=api version=v1.4.0`, waiting"]
    assert "*Waiting for approval* from" in waiting
    assert "*Waiting for approval* from lead@example.com, <@U0CAROL>" in waiting  # ops's member
    # When it started, as a Slack date each client keeps current: no elapsed time that freezes.
    assert "<@U0CAROL> · started <!date^" in waiting
    assert "^{ago}|" in waiting
    assert "Reviewers: lead@example.com, <@U0CAROL> (group `ops`)" in waiting
    dm = screens["The reviewer's DM"]
    assert "Deploy *api* v1.4.0?" in dm  # Airplane's Markdown as mrkdwn
    assert "asked by <@U0ALICE>" in dm
    assert "service = `api`" in dm
    assert "Open the thread" in dm
    rejected = screens["Carol rejects it"]
    assert "*Rejected* by <@U0CAROL> (Stop)" in rejected
    assert "PromptCancelledError" not in rejected
    failed = screens["`/airplane run always_fails`"]
    assert "*Failed* after" in failed
    assert ": the disk is full" in failed
    assert "task_shim" not in failed
    listed = screens["`/airplane runs`: runbooks with their steps"]
    assert "Failed · started by <@U0ALICE> · <!date^" in listed
    assert "Rejected by <@U0CAROL> · started by <@U0ALICE> · <!date^" in listed
    # Item 10: a runbook is listed once, its steps under it, not as runs alice started.
    assert "*release* (runbook) `ses" in listed
    assert "\u21b3 :white_check_mark: restart_service `run" in listed
    assert "*restart_service* `run" not in listed
    # Item 1: a refusal of a click is said in the thread where the click was.
    refused = screens["alice clicks Ship it on her own run: refused in the thread"]
    assert "(only visible to you) You can't answer this prompt: you started this run" in refused
    # Items 2 and 4: Home names the rejection as the parent does; the prompt reads as mrkdwn,
    # where it was asked and by whom.
    waiting_home = screens["App Home: an approval waiting"]
    assert "Deploy *web* v1.5.0? · run `run" in waiting_home
    assert "· in <#C0GENERAL> · asked by <@U0ALICE>" in waiting_home
    assert "**" not in waiting_home
    assert "Rejected by <@U0CAROL> · started" in screens["App Home: a rejected run"]
    # Items 3 and 8: the approver credited on the parent; the note kept as typed, escaped.
    approved = screens["Carol approves, with a note: the parent credits her"]
    assert "Approved by <@U0CAROL> (canary = `true`, note = `Ship after **standup**." in approved
    assert (
        "*Note*: Ship after **standup**. &lt;script&gt;alert(1)&lt;/script&gt; `code`" in approved
    )
    assert "<script>" not in approved
    # A runbook's prompt step says who decided it; the parent credits them too.
    runbook = screens["`/airplane runbook release version=v2.0.0`, approved by carol"]
    assert ":white_check_mark: Step *approve*: Approved by <@U0CAROL>" in runbook
    assert "Step *approve*: Succeeded" not in runbook
    assert "· Approved by <@U0CAROL>" in runbook
    # Item 6: the copy shows the run's own values and mentions nobody in its thread.
    copy = screens[
        "`/airplane subscribe hello` in #ops, then alice runs hello in #general: the copy"
    ]
    assert "name = `FromGeneral`" in copy
    assert "_no parameters_" not in copy
    assert "· <@U0ALICE>" not in copy
    listing = screens["`/airplane tasks`"]
    assert "*Deploy service* `/airplane run deploy`" in listing
    assert "*Release* (runbook) `/airplane runbook release`" in listing
    form = screens["`/airplane runbook release service=web`: the form asks for what is missing"]
    assert "Run runbook Release" in form
    assert "Service (optional): [web]" in form  # what was typed is kept (it has a default)
    assert "Version: [ ]" in form  # what is missing is asked for
    assert "There is no task `nope`" in screens["`/airplane runs nope`"]
