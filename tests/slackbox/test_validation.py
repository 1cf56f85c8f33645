"""Block Kit validation: Slack's documented limits, unknown properties, and no false refusals."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from slackbox import validate_blocks, validate_view


def text(value: str, kind: str = "plain_text") -> dict[str, Any]:
    return {"type": kind, "text": value}


def button(label: str = "Go", action_id: str = "go", value: str = "v") -> dict[str, Any]:
    return {"type": "button", "text": text(label), "action_id": action_id, "value": value}


def section(value: str) -> dict[str, Any]:
    return {"type": "section", "text": text(value, "mrkdwn")}


def select(options: int) -> dict[str, Any]:
    return {
        "type": "static_select",
        "action_id": "pick",
        "placeholder": text("Pick"),
        "options": [{"text": text(f"o{i}"), "value": f"v{i}"} for i in range(options)],
    }


def modal(title: str = "Run", blocks: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "type": "modal",
        "title": text(title),
        "submit": text("Run"),
        "blocks": blocks or [section("x")],
    }


BROKEN = {
    "51 blocks in a message": ([section("x")] * 51, "/blocks"),
    "section text over 3000": ([section("x" * 3001)], "/blocks/0/text/text"),
    "header over 150": ([{"type": "header", "text": text("h" * 151)}], "/blocks/0/text/text"),
    "button text over 75": (
        [{"type": "actions", "elements": [button("b" * 76)]}],
        "/blocks/0/elements/0/text/text",
    ),
    "button value over 2000": (
        [{"type": "actions", "elements": [button(value="v" * 2001)]}],
        "/elements/0/value",
    ),
    "action_id over 255": (
        [{"type": "actions", "elements": [button(action_id="a" * 256)]}],
        "/action_id",
    ),
    "block_id over 255": ([{**section("x"), "block_id": "b" * 256}], "/blocks/0/block_id"),
    "101 select options": ([{"type": "actions", "elements": [select(101)]}], "/elements/0/options"),
    "empty mrkdwn": ([section("")], "/blocks/0/text/text"),
    "duplicate block_id": (
        [{**section("x"), "block_id": "a"}, {**section("y"), "block_id": "a"}],
        "/blocks/1",
    ),
    "duplicate action_id": (
        [{"type": "actions", "elements": [button(), button()]}],
        "/elements/1/action_id",
    ),
    "unknown block type": ([{"type": "sparkles"}], "/blocks/0"),
    "typo in a property": ([{**section("x"), "acessory": button()}], "/blocks/0/acessory"),
    "11 section fields": ([{"type": "section", "fields": [text("f", "mrkdwn")] * 11}], "/blocks/0"),
}


@pytest.mark.parametrize(("blocks", "pointer"), BROKEN.values(), ids=BROKEN.keys())
def test_each_documented_limit_is_refused(blocks: list[dict[str, Any]], pointer: str) -> None:
    """Every broken limit is reported, pointing at the offending place."""
    errors = validate_blocks(blocks)
    assert errors
    assert any(pointer in error for error in errors), errors


def test_limits_at_the_edge_are_accepted() -> None:
    """Exactly at each limit Slack still accepts the blocks."""
    blocks = [
        section("x" * 3000),
        {"type": "header", "text": text("h" * 150)},
        {
            "type": "actions",
            "block_id": "b" * 255,
            "elements": [button("b" * 75, "a" * 255, "v" * 2000), select(100)],
        },
    ]
    assert validate_blocks(blocks) == []
    assert validate_blocks([section("x")] * 50) == []


def test_modal_limits() -> None:
    """Modals hold 100 blocks, titles 24 characters, and need submit when they have inputs."""
    field = {
        "type": "input",
        "label": text("L"),
        "element": {"type": "plain_text_input", "action_id": "v"},
    }
    assert validate_view(modal(blocks=[section("x")] * 100)) == []
    assert validate_view(modal(blocks=[section("x")] * 101))
    assert validate_view(modal(title="t" * 24)) == []
    assert any("/view/title" in e for e in validate_view(modal(title="t" * 25)))
    assert any(
        "/view/submit" in e for e in validate_view({**modal(blocks=[field]), "submit": None})
    )
    assert validate_view({"type": "home", "blocks": [section("x")] * 100}) == []
    assert validate_view({"type": "dialog"})
    assert validate_view({**modal(), "private_metadata": "m" * 3001})


def test_slack_sdk_builders_output_is_accepted() -> None:
    """Blocks built with slack_sdk.models (as the bot builds them) pass unchanged."""
    blocks = [
        HeaderBlock(text="Run deploy"),
        SectionBlock(
            text=MarkdownTextObject(text="*Status*: running"),
            fields=[MarkdownTextObject(text="env")],
        ),
        DividerBlock(),
        ContextBlock(elements=[MarkdownTextObject(text="by <@U0ALICE>")]),
        ActionsBlock(
            elements=[
                ButtonElement(text="Cancel", action_id="cancel", value="run1", style="danger")
            ]
        ),
    ]
    view = View(
        type="modal",
        title="Run deploy",
        submit="Run",
        blocks=[
            InputBlock(
                label="Env",
                block_id="env",
                element=StaticSelectElement(
                    action_id="v", options=[Option(value="prod", text="Production")]
                ),
            ),
            InputBlock(label="Note", element=PlainTextInputElement(action_id="n"), optional=True),
        ],
    )
    assert validate_blocks([b.to_dict() for b in blocks]) == []
    assert validate_view(view.to_dict()) == []


@given(st.integers(min_value=0, max_value=200))
def test_header_length_property(length: int) -> None:
    """A header is accepted exactly when its text has 1 to 150 characters."""
    errors = validate_blocks([{"type": "header", "text": text("h" * length)}])
    assert (errors == []) == (1 <= length <= 150)


@given(st.text(min_size=1, max_size=120), st.text(min_size=1, max_size=120))
def test_button_label_property(label: str, value: str) -> None:
    """Any button label up to 75 characters and value up to 2000 is accepted; longer are not."""
    errors = validate_blocks([{"type": "actions", "elements": [button(label, "go", value)]}])
    assert (errors == []) == (len(label) <= 75)
