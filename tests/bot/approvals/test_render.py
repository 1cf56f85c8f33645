"""Prompts rendered as Block Kit: inputs by type, buttons, layouts, decided and closed messages."""

from __future__ import annotations

from typing import Any

import pytest

from airplane_api.models import Prompt
from bot.approvals import (
    ApprovalAction,
    ApprovalBlock,
    Layout,
    PromptContext,
    PromptModalMetadata,
    PromptRef,
    closed_message,
    decided_message,
    layout_of,
    pending_message,
    prompt_modal,
)

from .prompts import EVERY_TYPE, prompt

JSON = dict[str, Any]


def _blocks(p: Prompt, context: PromptContext | None = None) -> list[JSON]:
    return pending_message(p, context).block_dicts()


def _inputs(blocks: list[JSON]) -> dict[str, JSON]:
    return {b["block_id"]: b for b in blocks if b["type"] == "input"}


def _buttons(blocks: list[JSON]) -> list[JSON]:
    actions = [b for b in blocks if b["type"] == "actions"]
    return actions[0]["elements"] if actions else []


def test_every_block_passes_slack_sdk_validation() -> None:
    """The pending message of a prompt with every type validates with slack_sdk."""
    for block in pending_message(prompt(EVERY_TYPE)).blocks:
        block.validate_json()


@pytest.mark.parametrize(
    ("index", "element_type"),
    [
        (0, "plain_text_input"),
        (1, "plain_text_input"),
        (2, "number_input"),
        (3, "number_input"),
        (4, "checkboxes"),
        (5, "datepicker"),
        (6, "datetimepicker"),
        (7, "static_select"),
        (8, "multi_static_select"),
        (9, "plain_text_input"),
    ],
)
def test_parameter_types_map_to_elements(index: int, element_type: str) -> None:
    """Each parameter type gets the Slack element that fits it."""
    inputs = _inputs(_blocks(prompt(EVERY_TYPE)))
    assert inputs[f"prompt_param:{index}"]["element"]["type"] == element_type


def test_defaults_are_filled_in() -> None:
    """Defaults show as the inputs' initial values, options selected by their index."""
    inputs = _inputs(_blocks(prompt(EVERY_TYPE)))
    element = {int(k.split(":")[1]): v["element"] for k, v in inputs.items()}
    assert element[2]["initial_value"] == "3"
    assert element[2]["is_decimal_allowed"] is False
    assert element[3]["initial_value"] == "0.5"
    assert element[3]["is_decimal_allowed"] is True
    assert element[4]["initial_options"][0]["value"] == "true"
    assert element[5]["initial_date"] == "2024-01-31"
    assert element[6]["initial_date_time"] == 1706693400
    assert element[7]["initial_option"]["value"] == "1"
    assert [o["value"] for o in element[8]["initial_options"]] == ["0"]
    assert element[9]["initial_value"] == '{"a": 1}'
    assert element[1]["multiline"] is True


def test_labels_hints_and_optional_follow_the_schema() -> None:
    """The label is the name (else slug), the hint the description; optional when not required."""
    inputs = _inputs(_blocks(prompt(EVERY_TYPE)))
    reason, notes = inputs["prompt_param:0"], inputs["prompt_param:1"]
    assert reason["label"]["text"] == "Reason"
    assert reason["hint"]["text"] == "Why?"
    assert reason["optional"] is False
    assert notes["label"]["text"] == "notes"
    assert notes["optional"] is True


def test_buttons_carry_confirm_and_cancel_texts() -> None:
    """Confirm is primary; cancel is danger behind a confirmation dialog; values name the prompt."""
    p = prompt(EVERY_TYPE, confirmText="Ship it", cancelText="Stop it")
    approve, reject = _buttons(_blocks(p))
    assert (approve["action_id"], approve["style"]) == (ApprovalAction.APPROVE, "primary")
    assert approve["text"]["text"] == "Ship it"
    assert (reject["action_id"], reject["style"]) == (ApprovalAction.REJECT, "danger")
    assert reject["text"]["text"] == "Stop it"
    assert reject["confirm"]["confirm"]["text"] == "Stop it"
    assert PromptRef.model_validate_json(approve["value"]) == PromptRef(
        prompt_id="pmt1", run_id="run1"
    )


def test_missing_button_texts_fall_back() -> None:
    """Without confirmText/cancelText the buttons say Approve and Reject."""
    approve, reject = _buttons(_blocks(prompt([])))
    assert (approve["text"]["text"], reject["text"]["text"]) == ("Approve", "Reject")


def test_long_texts_are_clipped_to_slack_limits() -> None:
    """Description, button texts and labels stay within Slack's limits."""
    p = prompt(
        [{"slug": "x", "name": "N" * 2500, "desc": "D" * 2500}],
        description="d" * 5000,
        confirmText="c" * 100,
    )
    blocks = _blocks(p)
    assert len(blocks[0]["text"]["text"]) == 3000
    assert len(_buttons(blocks)[0]["text"]["text"]) == 75
    label = _inputs(blocks)["prompt_param:0"]["label"]["text"]
    assert len(label) == 2000
    assert label.endswith("…")


def test_too_many_inputs_for_a_message_move_to_a_modal() -> None:
    """Past 50 blocks the message has a Respond button instead of inputs; the modal has them."""
    params = [{"slug": f"p{i}", "type": "string"} for i in range(60)]
    p = prompt(params)
    assert layout_of(p) == Layout.MODAL
    blocks = _blocks(p)
    assert not _inputs(blocks)
    assert [b["action_id"] for b in _buttons(blocks)] == [
        ApprovalAction.RESPOND,
        ApprovalAction.REJECT,
    ]
    metadata = PromptModalMetadata(prompt_id="pmt1", channel="C1", message_ts="1.2")
    view = prompt_modal(p, metadata).to_dict()
    assert len([b for b in view["blocks"] if b["type"] == "input"]) == 60
    assert PromptModalMetadata.model_validate_json(view["private_metadata"]) == metadata


def test_prompt_too_big_for_a_modal_can_only_be_rejected() -> None:
    """Past a modal's 100 blocks the message says to answer in Airplane and keeps Reject."""
    p = prompt([{"slug": f"p{i}"} for i in range(150)])
    assert layout_of(p) == Layout.AIRPLANE
    blocks = _blocks(p)
    assert [b["action_id"] for b in _buttons(blocks)] == [ApprovalAction.REJECT]
    notice = next(b for b in blocks if b.get("block_id") == ApprovalBlock.NOTICE)
    assert "Airplane" in notice["text"]["text"]


def test_errors_and_entered_values_show_in_the_inputs() -> None:
    """A validation error leads the input's hint; the value entered is shown again."""
    context = PromptContext(shown={2: 7}, errors={0: "Required."})
    inputs = _inputs(_blocks(prompt(EVERY_TYPE), context))
    assert inputs["prompt_param:0"]["hint"]["text"].startswith(":warning: Required.")
    assert inputs["prompt_param:2"]["element"]["initial_value"] == "7"


def test_reviewers_are_listed_with_the_self_approval_rule() -> None:
    """The details line names reviewers and says when the requester may not approve."""
    p = prompt([], reviewers={"users": ["a@x.io"], "groups": ["ops"], "allowSelfApprovals": False})
    details = next(b for b in _blocks(p) if b.get("block_id") == ApprovalBlock.DETAILS)
    text = details["elements"][0]["text"]
    assert "a@x.io" in text
    assert "group `ops`" in text
    assert "not whoever started the run" in text


def test_submitted_prompt_shows_decision_who_when_and_values() -> None:
    """An approved prompt: confirm text, a mention of the Slack user, a date, values, no buttons."""
    p = prompt(
        EVERY_TYPE,
        confirmText="Ship it",
        submittedAt="2024-01-02T04:00:00Z",
        submittedBy="slack:U0ALICE",
        values={"reason": "tested", "count": 4},
    )
    blocks = decided_message(p).block_dicts()
    assert not [b for b in blocks if b["type"] in ("actions", "input")]
    outcome = blocks[0]["text"]["text"]
    assert "*Approved* by <@U0ALICE> (Ship it)" in outcome
    assert "<!date^1704168000^" in outcome
    values = next(b for b in blocks if b.get("block_id") == ApprovalBlock.VALUES)
    assert "*Reason*: tested" in values["text"]["text"]
    assert "*count*: 4" in values["text"]["text"]


def test_prompt_decided_elsewhere_names_the_outside_actor() -> None:
    """A prompt cancelled outside Slack shows the cancel text and the API's actor label."""
    p = prompt([], cancelledAt="2024-01-02T04:00:00Z", cancelledBy="usr123")
    blocks = decided_message(p).block_dicts()
    assert ":no_entry: *Rejected* by `usr123`" in blocks[0]["text"]["text"]


def test_a_rejected_prompt_does_not_repeat_the_runs_ending_to_its_requester() -> None:
    """The run's ending line in the thread tells the requester of a rejection; the decided
    prompt says who rejected and mentions no one else (one notice per event)."""
    p = prompt([], cancelledAt="2024-01-02T04:00:00Z", cancelledBy="slack:U0BOB")
    context = PromptContext(requester="slack:U0ALICE", task="deploy")
    message = decided_message(p, context)
    outcome = message.block_dicts()[0]["text"]["text"]
    assert outcome.startswith(":no_entry: *Rejected* by <@U0BOB>")
    assert "U0ALICE" not in outcome
    assert "U0ALICE" not in message.text


def test_closed_prompt_says_why_and_has_no_buttons() -> None:
    """A prompt whose run ended shows the reason and no buttons."""
    blocks = closed_message(prompt(EVERY_TYPE), "the run failed").block_dicts()
    assert "the run failed" in blocks[0]["text"]["text"]
    assert not [b for b in blocks if b["type"] in ("actions", "input")]


def test_a_prompt_says_who_asked_which_task_its_parameters_and_where() -> None:
    """Reviewers read who asked, the task, its parameters (secrets hidden), the prompt as
    mrkdwn, a link to the thread, and reviewers as mentions when Slack knows them."""
    p = prompt(
        [],
        description="Deploy **api** v1.2.3? See [notes](https://x.test/n)",
        reviewers={"users": ["carol@example.com", "dan@example.com"], "groups": ["ops"]},
    )
    context = PromptContext(
        requester="slack:U0ALICE",
        task="deploy",
        task_name="Deploy service",
        params={"service": "api", "db_password": "hunter2"},
        thread_url="https://slack.test/archives/C1/p1",
        reviewer_users={"carol@example.com": "U0CAROL"},
    )
    message = pending_message(p, context)
    text = str(message.block_dicts())
    assert "Deploy *api* v1.2.3? See <https://x.test/n|notes>" in text
    assert "**" not in text
    assert "*Deploy service* (`deploy`) · asked by <@U0ALICE>" in text
    assert "service = `api`" in text
    assert "hunter2" not in text
    assert "<https://slack.test/archives/C1/p1|Open the thread>" in text
    assert "Reviewers: <@U0CAROL>, dan@example.com, group `ops`" in text
    assert message.text.startswith(":double_vertical_bar: `deploy` (started by <@U0ALICE>)")
