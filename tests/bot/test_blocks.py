"""Block Kit builders produce what they promise, and slack_sdk accepts it."""

from __future__ import annotations

import re
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from airfield.ids import new_id
from airplane_api.models import Runbook, Task
from airplane_api.models.common import Parameter
from bot.blocks.help import EXAMPLES, help_message
from bot.blocks.ids import ActionId
from bot.blocks.modal import ModalMetadata, read_modal_state, read_modal_values, run_modal
from bot.blocks.runs import RunSummary, logs_message, run_link, run_message, runs_list_message
from bot.blocks.tasks import MAX_ITEMS, matches, tasks_message
from bot.core.kinds import Kind


def assert_valid_blocks(blocks: list[dict[str, Any]]) -> None:
    """slack_sdk parses and validates every block."""
    for raw in blocks:
        block = Block.parse(raw)
        assert block is not None
        block.validate_json()


def params() -> list[Parameter]:
    """A schema with one parameter of each kind the modal renders differently."""
    raw = [
        {"slug": "name", "name": "Name", "type": "string", "default": "World"},
        {"slug": "shout", "name": "Shout", "type": "boolean"},
        {"slug": "count", "name": "Count", "type": "integer", "constraints": {"optional": True}},
        {"slug": "ratio", "name": "Ratio", "type": "float"},
        {"slug": "day", "name": "Day", "type": "date"},
        {"slug": "config", "name": "Config", "type": "json", "desc": "Settings"},
        {
            "slug": "service",
            "name": "Service",
            "type": "string",
            "constraints": {"options": ["api", "web"]},
        },
        {"slug": "secret", "name": "Secret", "type": "string", "hidden": True},
    ]
    return [Parameter.model_validate(item) for item in raw]


def test_run_message_shows_everything_and_cancel() -> None:
    """Task, status, requester, env, params, link and a Cancel button carrying the run ID."""
    summary = RunSummary(
        run_id="run1",
        slug="hello",
        name="Hello",
        status="Queued",
        requester_id="U1",
        env="prod",
        params={"name": "Ada", "n": 3},
        link=run_link("https://app.example/", "run1"),
    )
    message = run_message(summary)
    assert_valid_blocks(message["blocks"])
    rendered = str(message["blocks"])
    for fragment in (
        "Hello",
        "hello",
        "Queued",
        "<@U1>",
        "prod",
        "name = `Ada`",
        "n = `3`",
        "https://app.example/runs/run1",
    ):
        assert fragment in rendered
    [actions] = [b for b in message["blocks"] if b["type"] == "actions"]
    cancel = next(e for e in actions["elements"] if e["action_id"] == ActionId.CANCEL_RUN)
    assert cancel["value"] == "run1"
    # Ending a run is destructive: the dialog's confirm button is red, as the button is.
    assert cancel["style"] == "danger"
    assert cancel["confirm"]["style"] == "danger"
    assert cancel["confirm"]["confirm"]["text"] == "Cancel run"


def test_finished_runs_and_runbooks_have_no_cancel() -> None:
    """No Cancel button once a run ended, nor for a runbook session."""
    done = run_message(RunSummary(run_id="r", slug="s", status="Succeeded"))
    session = run_message(RunSummary(run_id="s", slug="rb", status="Active", kind=Kind.SESSION))
    assert "cancel_run" not in str(done["blocks"]) + str(session["blocks"])


@given(st.lists(st.text(max_size=400), max_size=40))
def test_logs_always_fit(lines: list[str]) -> None:
    """Any log lines make a valid message within Slack's section limit."""
    message = logs_message("run1", lines, more=False)
    assert_valid_blocks(message["blocks"])
    assert all(len(b["text"]["text"]) <= 3000 for b in message["blocks"] if b["type"] == "section")


@given(st.dictionaries(st.text(min_size=1, max_size=30), st.text(max_size=300), max_size=30))
def test_any_params_make_a_valid_run_message(values: dict[str, str]) -> None:
    """Long or odd parameter values still make a valid parent message."""
    assert_valid_blocks(run_message(RunSummary("run1", "t", "Active", params=values))["blocks"])


def test_runs_list_and_help_are_valid() -> None:
    """The run list and help messages validate."""
    runs = [RunSummary(f"run{i}", "hello", "Failed", requester_id="U1") for i in range(30)]
    assert_valid_blocks(runs_list_message("Recent runs", runs)["blocks"])
    assert_valid_blocks(help_message("/airplane", "unknown subcommand `x`")["blocks"])


def test_a_mistake_names_the_problem_and_one_usage_without_nested_brackets() -> None:
    """A bad value is answered with what was wrong and the usage of that subcommand alone,
    not its description in brackets inside brackets."""
    answer = help_message("/airplane", "`shout`: must be true or false", "run")
    assert answer["text"] == (
        ":warning: `shout`: must be true or false\n"
        "Usage: `/airplane run <task> [key=value ...] [--env ENV] [--form]`"
    )
    status = help_message("/airplane", "there is no run `x`", "status")["text"]
    assert status.endswith("Usage: `/airplane status <run or session ID>`")


def test_modal_has_one_input_per_visible_param_and_round_trips() -> None:
    """The modal renders each visible parameter and reads its state back by slug."""
    meta = ModalMetadata(slug="hello", channel_id="C1", env="prod")
    view = run_modal(meta, params(), title="Hello", values={"count": 3})
    View(**view).validate_json()
    ids = [b.get("block_id") for b in view["blocks"]]
    assert "param:secret" not in ids
    assert ids[:7] == [
        "param:name",
        "param:shout",
        "param:count",
        "param:ratio",
        "param:day",
        "param:config",
        "param:service",
    ]
    assert ModalMetadata.load(view["private_metadata"]) == meta
    state = {
        "param:name": {"param_value": {"type": "plain_text_input", "value": "Ada"}},
        "param:shout": {
            "param_value": {"type": "checkboxes", "selected_options": [{"value": "true"}]}
        },
        "param:ratio": {"param_value": {"type": "number_input", "value": "2.5"}},
        "param:config": {"param_value": {"type": "plain_text_input", "value": '{"a": 1}'}},
        "param:day": {"param_value": {"type": "datepicker", "selected_date": "2024-01-02"}},
        "param:count": {"param_value": {"type": "number_input", "value": None}},
        "param:service": {
            "param_value": {"type": "static_select", "selected_option": {"value": "1"}}
        },
        "env": {"param_value": {"type": "plain_text_input", "value": " stage "}},
    }
    count = next(b for b in view["blocks"] if b.get("block_id") == "param:count")
    assert count["element"]["initial_value"] == "3"
    checked = read_modal_values(params(), state)
    assert checked.ok, checked.errors
    assert checked.values == {
        "name": "Ada",
        "shout": True,
        "ratio": 2.5,
        "config": {"a": 1},
        "day": "2024-01-02",
        "service": "web",
    }
    assert read_modal_state(state) == ("stage", None)


def test_shortcut_modal_starts_with_a_picker_and_no_submit() -> None:
    """Before a task is chosen the modal shows only the picker (Slack still wants a submit)."""
    view = run_modal(ModalMetadata(), None, with_picker=True)
    View(**view).validate_json()
    assert view["blocks"][0]["element"]["type"] == "external_select"
    assert len(view["blocks"]) == 1
    assert view["submit"]["text"] == "Run"


def _task(slug: str, name: str = "", description: str = "") -> Task:
    return Task(id=f"tsk_{slug}", slug=slug, name=name, description=description)


def _runbook(slug: str, name: str = "", description: str = "") -> Runbook:
    return Runbook(id=f"rbk_{slug}", slug=slug, name=name, description=description)


def test_tasks_message_lists_runbooks_with_their_own_command() -> None:
    """A task reads `run <slug>`, a runbook `runbook <slug>` and says it is one."""
    message = tasks_message(
        "/ops",
        [_task("hello", "Say hello", "Greets\n someone")],
        runbooks=[_runbook("release", "Release", "Ships it")],
    )
    text = str(message["blocks"])
    assert message["text"] == "Tasks and runbooks you may run"
    assert "*Say hello* `/ops run hello`\\nGreets someone" in text
    assert "*Release* (runbook) `/ops runbook release`\\nShips it" in text
    assert "run release" not in text
    assert "could not be listed" not in text
    assert_valid_blocks(message["blocks"])


def test_tasks_message_says_why_runbooks_are_missing() -> None:
    """Runbooks that could not be listed: the tasks show, with one note saying why."""
    message = tasks_message("/ops", [_task("hello")], runbooks_unlisted="no runbooks/list here")
    text = str(message["blocks"])
    assert message["text"] == "Tasks you may run"
    assert "`/ops run hello`" in text
    assert ":warning: Runbooks could not be listed: no runbooks/list here." in text
    assert_valid_blocks(message["blocks"])


def test_tasks_message_counts_runbooks_past_the_limit() -> None:
    """Past MAX_ITEMS the rest is counted, runbooks included."""
    tasks = [_task(f"t{i:02d}") for i in range(MAX_ITEMS)]
    message = tasks_message("/ops", tasks, runbooks=[_runbook("rb1"), _runbook("rb2")])
    text = str(message["blocks"])
    assert "2 more: narrow it with `/ops tasks <filter>`." in text
    assert "rb1" not in text.split("more:")[0]


def test_filter_matches_slug_name_or_description_of_either_kind() -> None:
    """The same filter for tasks and runbooks, case-insensitive."""
    assert matches("REL", _runbook("release"))
    assert matches("ships", _runbook("x", description="Ships it"))
    assert matches("hello", _task("x", name="Say Hello"))
    assert not matches("deploy", _task("hello", "Say hello", "Greets"))


def test_rejected_reads_rejected_unless_someone_cancelled_the_run() -> None:
    """A run that failed because a reviewer rejected reads Rejected, in a list and on its own;
    a run someone cancelled reads Cancelled even if a prompt of it was rejected."""
    rejected = RunSummary(run_id="run1", slug="deploy", status="Failed", rejected_by="<@U0C>")
    assert rejected.shown_status == "Rejected"
    line = runs_list_message("Recent runs", [rejected])["blocks"][1]["text"]["text"]
    assert ":no_entry: *deploy* `run1` Rejected by <@U0C> · started by someone in Airplane" in line
    assert "*Rejected* by <@U0C>" in str(run_message(rejected)["blocks"])
    cancelled = RunSummary(
        run_id="run2",
        slug="deploy",
        status="Cancelled",
        rejected_by="<@U0C>",
        cancelled_by="<@U0A>",
    )
    assert cancelled.shown_status == "Cancelled"
    assert "*Cancelled* by <@U0A>" in str(run_message(cancelled)["blocks"])
    listed = runs_list_message("Recent runs", [cancelled])["blocks"][1]["text"]["text"]
    assert "`run2` Cancelled by <@U0A> · started by" in listed
    unattributed = RunSummary(run_id="run3", slug="d", status="Cancelled", rejected_by="<@U0C>")
    assert unattributed.shown_status == "Rejected"
    assert RunSummary(run_id="run4", slug="d", status="Failed").shown_status == "Failed"


def test_a_running_run_says_how_long_ago_it_started_without_an_elapsed_time() -> None:
    """Lists and status replies stay in the channel: a running run's time is a Slack date
    that each client keeps current ("3 minutes ago"), never a "running for" that freezes."""
    running = RunSummary("run1", "deploy", "Active", started_at=1_767_000_000.0)
    message = run_message(running)
    assert "*Active* · started <!date^1767000000^{ago}|2025-12-29 09:20 UTC>" in str(message)
    listed = runs_list_message("Recent runs", [running])["blocks"][1]["text"]["text"]
    assert "<!date^1767000000^{ago}|" in listed
    ended = RunSummary("run2", "deploy", "Succeeded", started_at=1_767_000_000.0, duration="4s")
    assert "{ago}" not in str(run_message(ended))
    assert "*Succeeded* in 4s" in str(run_message(ended))
    assert "running for" not in str([message, listed])


def test_help_examples_use_run_ids_shaped_as_airplane_makes_them() -> None:
    """An example a person copies must look like the IDs they will meet: airfield's
    `new_id` shape (prefix, UTC date, `z`, ten lowercase letters or digits)."""
    shape = re.compile(r"run\d{8}z[a-z0-9]{10}")
    assert shape.fullmatch(new_id("run"))
    ids = [word for example in EXAMPLES for word in example.split() if word.startswith("run")]
    ids = [word for word in ids if word not in ("run", "runs", "runbook")]
    assert ids
    assert all(shape.fullmatch(word) for word in ids), ids
