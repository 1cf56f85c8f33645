"""The playground page in a real Chromium: the main paths a person takes, as a person takes them.

Set PLAYGROUND_SCREENSHOTS=docs/screenshots to write the README's screenshots while they run.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.blocks.runs import STATUS_EMOJI

from .process import RunningPlayground

# A run goes Queued -> Succeeded through the tracker's polling; generous for a loaded machine.
RUN_MS = 60_000


@pytest.fixture
def page(browser: Any, playground: RunningPlayground) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 760})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(playground.url)
    page.wait_for_selector("body[data-live='true']")
    yield page
    context.close()
    assert errors == [], f"the page raised: {errors}"


def shoot(page: Any, name: str) -> None:
    folder = os.environ.get("PLAYGROUND_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"))


def be(page: Any, name: str) -> None:
    """Switch person with the page's user switcher."""
    page.get_by_label("You are").select_option(label=f"{name} ({name}@example.com)")
    page.wait_for_function(
        "name => document.querySelector('#user-select').selectedOptions[0].text.startsWith(name)",
        arg=name,
    )


def go(page: Any, place: str) -> None:
    page.get_by_role("navigation").get_by_role("button", name=place, exact=True).click()


def type_command(page: Any, text: str) -> None:
    box = page.get_by_role("combobox", name=re.compile("^Message"))
    box.fill(text)
    box.press("Enter")


def test_page_says_it_is_not_slack(page: Any) -> None:
    """The notice is on the page, in a landmark a screen reader announces."""
    assert "not Slack" in page.get_by_role("note").inner_text()
    assert page.title().endswith("(not Slack)")


def test_run_hello_parent_and_thread_reach_succeeded(page: Any) -> None:
    """/airplane (completed from the subcommand list) run hello name=World: parent + thread."""
    go(page, "# general")
    box = page.get_by_role("combobox", name=re.compile("^Message"))
    box.fill("/airpl")
    listbox = page.get_by_role("listbox", name="Commands")
    assert "/airplane" in listbox.inner_text()
    box.press("Tab")
    assert box.input_value() == "/airplane "
    box.type("ru")
    assert "run <task>" in listbox.get_by_role("option").first.inner_text()
    box.press("Tab")
    box.type("hello name=World")
    box.press("Enter")
    parent = page.locator("#timeline > li", has_text="hello").last
    parent.get_by_text("Succeeded").wait_for(timeout=RUN_MS)
    parent.get_by_role("button", name=re.compile("repl(y|ies), open thread")).click()
    thread = page.get_by_role("complementary")
    thread.get_by_text("Hello, World").first.wait_for(timeout=RUN_MS)
    assert "Succeeded" in thread.inner_text()
    shoot(page, "run-succeeded")


def test_refusal_is_an_ephemeral_only_the_requester_sees(page: Any) -> None:
    """carol may not deploy: she gets an ephemeral; alice, switched to, does not see it."""
    be(page, "carol")
    go(page, "# ops")
    type_command(page, "/airplane run deploy service=api version=v1.2.3")
    refusal = page.locator("#timeline > li.ephemeral", has_text="deploy").last
    refusal.wait_for(timeout=RUN_MS)
    assert "Only visible to you" in refusal.inner_text()
    shoot(page, "refusal-ephemeral")
    be(page, "alice")
    page.wait_for_function("() => !document.querySelector('#timeline > li.ephemeral')")


def test_form_filled_and_submitted(page: Any) -> None:
    """A missing required value opens the run form; filled and submitted, the run starts."""
    be(page, "alice")
    go(page, "# general")
    type_command(page, "/airplane run deploy service=web")
    dialog = page.get_by_role("dialog")
    dialog.wait_for(timeout=RUN_MS)
    dialog.get_by_label("Version").fill("v2.0.1")
    shoot(page, "run-form")
    dialog.get_by_role("button", name=re.compile("^(Run|Submit|Start)")).click()
    dialog.wait_for(state="detached", timeout=RUN_MS)
    page.locator("#timeline > li", has_text="deploy").last.wait_for(timeout=RUN_MS)


def test_prompt_answered_by_switching_to_the_reviewer(page: Any) -> None:
    """alice's deploy waits for a reviewer; bob (ops) answers it; the run succeeds."""
    be(page, "alice")
    go(page, "# ops")
    type_command(page, "/airplane run deploy service=api version=v1.2.3")
    parent = page.locator("#timeline > li", has_text="deploy").last
    parent.get_by_role("button", name=re.compile("repl(y|ies), open thread")).wait_for(
        timeout=RUN_MS
    )
    # The waiting parent says when the run started as a Slack date, shown relative, not as
    # the raw token nor an elapsed time that freezes between edits.
    parent.get_by_text("Waiting for approval").wait_for(timeout=RUN_MS)
    started = parent.locator("time", has_text="ago").first
    assert re.fullmatch(r"(a few seconds|a minute|\d+ minutes) ago", started.inner_text())
    assert "<!date" not in parent.inner_text()
    be(page, "bob")
    go(page, "# ops")
    parent = page.locator("#timeline > li", has_text="deploy").last
    parent.get_by_role("button", name=re.compile("repl(y|ies), open thread")).click()
    thread = page.get_by_role("complementary")
    prompt = thread.locator("li", has_text="Ship it").last
    prompt.wait_for(timeout=RUN_MS)
    shoot(page, "prompt-for-reviewer")
    prompt.get_by_label("Replicas").fill("3")
    prompt.get_by_label("Yes").check()
    prompt.get_by_label("Window").fill("2026-12-01")
    prompt.get_by_label("Note").fill("after the freeze")
    prompt.get_by_role("button", name="Ship it").click()
    page.locator("#thread-timeline", has_text="Succeeded").wait_for(timeout=RUN_MS)
    shoot(page, "prompt-approved")


@pytest.fixture
def tokyo(browser: Any, playground: RunningPlayground) -> Iterator[Any]:
    """The page for a viewer in Tokyo (UTC+9, en-US), on a clock the test can move on."""
    context = browser.new_context(timezone_id="Asia/Tokyo", locale="en-US")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.clock.install()
    page.goto(playground.url)
    page.wait_for_selector("body[data-live='true']")
    yield page
    context.close()
    assert errors == [], f"the page raised: {errors}"


# 2026-11-27 20:03:46 UTC: 2026-11-28 05:03:46 in Tokyo.
MOMENT = 1795809826
RENDER = """async (texts) => {
  const { mrkdwn } = await import("/static/mrkdwn.js");
  const names = { users: {}, channels: {} };
  return texts.map((text) => {
    const div = document.createElement("div");
    div.innerHTML = mrkdwn(text, names);
    return { text: div.textContent, html: div.innerHTML };
  });
}"""


def test_slack_dates_show_in_the_viewers_time_zone_or_their_fallback(tokyo: Any) -> None:
    """Each format token is written in the viewer's zone; an unknown token or time shows the
    fallback, as Slack does; only the first `|` ends the format."""
    fallback = "2026-11-27 20:03 UTC"
    shown = tokyo.evaluate(
        RENDER,
        [
            f"<!date^{MOMENT}^{{date_num}} {{time_secs}}|{fallback}>",
            f"<!date^{MOMENT}^{{date_short}} at {{time}}|{fallback}>",
            f"<!date^{MOMENT}^{{date_long}}|{fallback}>",
            f"started <!date^{MOMENT}^{{weekday}}|{fallback}>",
            f"<!date^soon^{{time}}|{fallback}>",
            f"<!date^{MOMENT}^{{nope}}|a | b &gt; c>",
            f"<!date^{MOMENT}^{{date_num}}^https://app.airplane.test/runs/run_1|{fallback}>",
        ],
    )
    assert shown[0]["text"] == "2026-11-28 5:03:46 AM"
    assert 'datetime="2026-11-27T20:03:46.000Z"' in shown[0]["html"]
    assert shown[1]["text"] == "Nov 28, 2026 at 5:03 AM"
    assert shown[2]["text"] == "Saturday, November 28, 2026"
    assert shown[3]["text"] == f"started {fallback}"
    assert shown[4]["text"] == fallback
    assert shown[5]["text"] == "a | b > c"
    assert shown[6]["text"] == "2026-11-28"
    assert 'href="https://app.airplane.test/runs/run_1"' in shown[6]["html"]


def test_a_slack_ago_date_keeps_itself_current(tokyo: Any) -> None:
    """`{ago}` reads "a few seconds ago", then, with no new message, "5 minutes ago"."""
    tokyo.evaluate(
        """async () => {
          const { mrkdwn } = await import("/static/mrkdwn.js");
          const now = Math.floor(Date.now() / 1000);
          const div = document.createElement("div");
          div.id = "ago-probe";
          div.innerHTML = mrkdwn(`started <!date^${now}^{ago}|then>`, { users: {}, channels: {} });
          document.body.append(div);
        }"""
    )
    probe = tokyo.locator("#ago-probe")
    assert probe.inner_text() == "started a few seconds ago"
    tokyo.clock.run_for(5 * 60 * 1000)
    tokyo.wait_for_function(
        "() => document.querySelector('#ago-probe').textContent === 'started 5 minutes ago'"
    )


def _overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


def test_command_hints_list_every_subcommand_without_backticks(page: Any) -> None:
    """`/airpl` names all ten subcommands; `/airplane ` shows each of them at once, fully in
    view, with code as code rather than literal backticks."""
    box = page.get_by_role("combobox", name=re.compile("^Message"))
    box.fill("/airpl")
    listbox = page.get_by_role("listbox", name="Commands")
    names = ("run", "runbook", "tasks", "status", "logs", "cancel", "runs", "watch", "subscribe")
    hint = listbox.inner_text()
    assert all(re.search(rf"\b{name}\b", hint) for name in (*names, "help")), hint
    box.fill("/airplane ")
    options = listbox.get_by_role("option")
    assert options.count() == 10
    shown = listbox.bounding_box()
    for index in range(10):
        option = options.nth(index).bounding_box()
        assert shown["y"] <= option["y"]
        assert option["y"] + option["height"] <= shown["y"] + shown["height"] + 1
    assert "`" not in listbox.inner_text()
    assert listbox.locator("code", has_text="--form").count() >= 1


def test_live_is_not_under_the_send_button(page: Any) -> None:
    """The connection state ("Live") is readable: nothing covers it."""
    status = page.get_by_role("status")
    assert status.inner_text() == "Live"
    send = page.get_by_role("button", name="Send")
    assert not _overlap(status.bounding_box(), send.bounding_box())


def test_a_long_value_wraps_in_the_thread_panel(page: Any) -> None:
    """A 5,000-character name stays inside the thread panel: wrapped, no sideways scroll."""
    go(page, "# general")
    type_command(page, "/airplane run hello name=" + "x" * 5000)
    # This run's parent (its value, shortened), not an earlier hello's in the shared channel.
    parent = page.locator("#timeline > li", has_text="x" * 40).last
    parent.get_by_role("button", name=re.compile("repl(y|ies), open thread")).click(timeout=RUN_MS)
    thread = page.locator("#thread-timeline")
    thread.get_by_text(re.compile("Hello, x+")).first.wait_for(timeout=RUN_MS)
    panel = page.get_by_role("complementary")
    assert panel.evaluate("e => e.scrollWidth <= e.clientWidth")
    assert thread.evaluate("e => e.scrollWidth <= e.clientWidth")


def test_a_prompt_arriving_in_the_dm_marks_it_unread(page: Any) -> None:
    """bob reads his DM and goes to #ops; alice's deploy asks ops (bob) by DM: bob's sidebar
    shows the DM unread (bold, a count) until he opens it."""
    be(page, "bob")
    dm = page.locator("#dms button", has_text="Airplane")
    dm.click()
    go(page, "# ops")
    assert dm.get_attribute("class") in (None, "")
    be(page, "alice")
    go(page, "# ops")
    type_command(page, "/airplane run deploy service=api version=v9.9.9")
    parent = page.locator("#timeline > li", has_text="v9.9.9").last
    parent.get_by_text("Waiting for approval").wait_for(timeout=RUN_MS)
    be(page, "bob")
    unread = page.locator("#dms button.unread", has_text="Airplane")
    unread.wait_for(timeout=RUN_MS)
    assert unread.evaluate("e => Number(getComputedStyle(e).fontWeight)") >= 700
    assert int(unread.locator(".unread-count").inner_text()) >= 1
    assert "unread" in (unread.get_attribute("aria-description") or "")
    shoot(page, "dm-unread")
    unread.click()
    page.locator("#timeline > li", has_text="v9.9.9").last.wait_for(timeout=RUN_MS)
    page.wait_for_function("() => !document.querySelector('#dms button.unread')")


def _emoji_font_missing() -> str | None:
    """Why no colour emoji font is installed (None when one is): fontconfig's word, or the
    file scripts/bootstrap.sh installs."""
    if shutil.which("fc-list"):
        families = subprocess.run(
            ["fc-list", ":", "family"], capture_output=True, text=True, check=False
        ).stdout
        if "emoji" in families.lower():
            return None
    elif glob.glob("/usr/share/fonts/**/*[Ee]moji*", recursive=True):
        return None
    return "no emoji font (scripts/bootstrap.sh installs fonts-noto-color-emoji with chromium)"


# Draws a text in the page's emoji span's font on a canvas: its width, its pixels, and how
# many of them are coloured. A code point no font has is drawn as the same box (tofu) whatever
# it is, so an emoji drawn exactly like one is missing.
GLYPHS = """
([texts, family]) => {
  const canvas = document.createElement("canvas");
  canvas.width = 64;
  canvas.height = 64;
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  return texts.map((text) => {
    ctx.clearRect(0, 0, 64, 64);
    ctx.font = `40px ${family}`;
    ctx.fillStyle = "#000";
    ctx.textBaseline = "top";
    ctx.fillText(text, 4, 4);
    const data = ctx.getImageData(0, 0, 64, 64).data;
    let inked = 0;
    let coloured = 0;
    for (let i = 0; i < data.length; i += 4) {
      if (data[i + 3] === 0) continue;
      inked += 1;
      const [r, g, b] = [data[i], data[i + 1], data[i + 2]];
      if (Math.max(r, g, b) - Math.min(r, g, b) > 60) coloured += 1;
    }
    const width = ctx.measureText(text).width;
    return { text, width, pixels: Array.from(data).join(","), inked, coloured };
  });
}
"""


def test_status_emoji_render_as_emoji_not_empty_boxes(page: Any) -> None:
    """Every status emoji the bot sends shows as a glyph of its own, in colour where the emoji
    has colour, not as the box a missing character gets (no emoji font: a skip, under CI a
    failure)."""
    missing = _emoji_font_missing()
    if missing is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"status emoji would show as empty boxes under CI: {missing}")
        pytest.skip(missing)
    go(page, "# general")
    codes = sorted(set(STATUS_EMOJI.values()))
    type_command(page, "emoji check " + " ".join(codes))
    message = page.locator("#timeline > li", has_text="emoji check").last
    spans = message.locator("span[role=img]")
    spans.first.wait_for(timeout=RUN_MS)
    assert spans.count() == len(codes), message.inner_text()
    texts = spans.evaluate_all("spans => spans.map((s) => s.textContent)")
    family = spans.first.evaluate("s => getComputedStyle(s).fontFamily")
    # Two code points no font has (unassigned): the same box, or this way of telling is void.
    tofu, other_tofu, *glyphs = page.evaluate(GLYPHS, [["\u0378", "\u0379", *texts], family])
    assert tofu["pixels"] == other_tofu["pixels"]
    assert tofu["inked"] > 0
    for glyph in glyphs:
        assert glyph["width"] > 0, glyph["text"]
        assert glyph["pixels"] != tofu["pixels"], f"{glyph['text']} is drawn as an empty box"
    coloured = {g["text"]: g["coloured"] for g in glyphs}
    # Those with colour in every emoji font that has colour (green, red).
    for colourful in ("\u2705", "\u274c", "\u26d4"):
        assert coloured[colourful] > 20, f"{colourful} is drawn without colour: {coloured}"
