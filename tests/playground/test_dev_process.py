"""`airplane-bot dev` without Slack tokens is a usable playground: a real process, end to end."""

from __future__ import annotations

import time
from pathlib import Path

import httpx

from slackbox.playground.routes import TOKEN_HEADER, page_token

from .process import playground_process

RUN_SECONDS = 60.0


def test_dev_without_tokens_serves_the_playground_and_runs_a_command(tmp_path: Path) -> None:
    """The page is served on PORT at 127.0.0.1, and a command typed there runs to Succeeded."""
    with playground_process(tmp_path) as playground:
        output = playground.output()
        assert f"open {playground.url}" in output
        assert "not Slack" in output
        page = httpx.get(playground.url, timeout=10)
        assert page.status_code == 200
        assert "not Slack" in page.text
        assert httpx.get(f"{playground.url}static/app.js", timeout=10).status_code == 200

        sent = httpx.post(
            f"{playground.url}ui/send",
            headers={TOKEN_HEADER: page_token(page.text)},
            json={
                "user": "U0ALICE",
                "channel": "C0GENERAL",
                "text": "/airplane run hello name=World",
            },
            timeout=30,
        )
        assert sent.json() == {"ok": True, "app_status": 200}
        deadline = time.monotonic() + RUN_SECONDS
        while time.monotonic() < deadline:
            messages = playground.state()["messages"]
            parents = [m for m in messages if m["thread_ts"] is None]
            replies = [m for m in messages if m["thread_ts"] is not None]
            greeted = any("Hello, World" in str(m["blocks"]) for m in replies)
            if parents and "Succeeded" in parents[0]["text"] and greeted:
                break
            time.sleep(0.2)
        else:
            raise AssertionError(f"no Succeeded run: {playground.state()}\n{playground.output()}")
        assert playground.state()["refusals"] == []


def test_start_up_prints_the_playgrounds_address_last(tmp_path: Path) -> None:
    """At the default level the start-up is short: no line per migration step, and the
    address comes after every start-up line, so it is what the screen shows."""
    with playground_process(tmp_path, log_level="INFO") as playground:
        deadline = time.monotonic() + 10
        while "Local playground" not in playground.output() and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(1.0)  # anything logged after the banner would be in by now
        output = playground.output()
    assert "migrated" not in output
    before, banner, after = output.partition("Local playground")
    assert banner, output
    assert "serving Slack over Socket Mode" in before
    assert "serving /metrics" in before
    assert "(Ctrl-C stops)" in after
    tail = after.split("in .env (see README).", 1)[1]
    # Only what stopping the process (at the end of the `with`) logs follows the banner.
    assert all("stop" in line for line in tail.strip().splitlines()), tail
