"""Slack input state checked against a prompt's schema: typed values or per-input errors."""

from __future__ import annotations

from typing import Any

import pytest

from airplane_api.models import ParameterSchema
from bot.approvals import check_values, modal_errors, pending_message

from .prompts import EVERY_TYPE, prompt
from .slack_state import untouched_state, with_entry

JSON = dict[str, Any]


def _state(parameters: list[JSON]) -> dict[str, dict[str, JSON]]:
    return untouched_state(pending_message(prompt(parameters)).block_dicts())


def _schema(parameters: list[JSON]) -> ParameterSchema:
    return prompt(parameters).schema_


def test_untouched_defaults_come_back_typed() -> None:
    """Submitting the defaults as shown gives Airplane's typed values back."""
    state = with_entry(_state(EVERY_TYPE), "prompt_param:0", {"value": "looks good"})
    checked = check_values(_schema(EVERY_TYPE), state)
    assert checked.ok, checked.errors
    assert checked.values == {
        "reason": "looks good",
        "count": 3,
        "ratio": 0.5,
        "force": True,
        "day": "2024-01-31",
        "at": "2024-01-31T09:30:00Z",
        "env": "dev",
        "regions": ["eu"],
        "extra": {"a": 1},
    }


def test_required_empty_input_is_an_error_keyed_by_block() -> None:
    """An empty required input gives `Is required.` under its own block ID."""
    checked = check_values(_schema(EVERY_TYPE), _state(EVERY_TYPE))
    assert checked.errors == {0: "Is required."}
    assert modal_errors(checked) == {"prompt_param:0": "Is required."}


def test_unticked_boolean_is_false() -> None:
    """A boolean whose box is unticked is false, not missing."""
    params = [{"slug": "force", "type": "boolean"}]
    state = with_entry(_state(params), "prompt_param:0", {"selected_options": []})
    assert check_values(_schema(params), state).values == {"force": False}


@pytest.mark.parametrize(
    ("param", "entry", "error"),
    [
        ({"type": "integer"}, {"value": "2.5"}, 'Must be a whole number, got "2.5".'),
        ({"type": "float"}, {"value": "abc"}, "Must be a number"),
        ({"type": "list"}, {"value": '{"a": 1}'}, "Must be a JSON list, like [1, 2]"),
        ({"type": "string", "constraints": {"regex": "[a-z]+"}}, {"value": "ABC"}, "Must match"),
        ({"type": "string", "multi": True}, {"value": ""}, "Is required."),
        ({"type": "integer", "multi": True}, {"value": "1\nx"}, 'Must be a whole number, got "x"'),
        (
            {"type": "string", "constraints": {"options": ["a"]}},
            {"selected_option": {"value": "7"}},
            "Must be one of the listed options.",
        ),
    ],
)
def test_invalid_values_get_a_message(param: JSON, entry: JSON, error: str) -> None:
    """Wrong type, regex or option gives a message that says what to enter."""
    params = [{"slug": "x", **param}]
    state = with_entry(_state(params), "prompt_param:0", entry)
    checked = check_values(_schema(params), state)
    assert not checked.ok
    assert checked.errors[0].startswith(error)


@pytest.mark.parametrize(
    ("param", "entry", "value"),
    [
        ({"type": "integer"}, {"value": "-12"}, -12),
        ({"type": "float"}, {"value": "2.5"}, 2.5),
        ({"type": "string", "constraints": {"regex": "[a-z]+"}}, {"value": "abc"}, "abc"),
        # A json value that is not JSON is text, as airfield and Airplane store it.
        ({"type": "json"}, {"value": "{nope"}, "{nope"),
        ({"type": "integer", "multi": True}, {"value": "1\n\n2\n"}, [1, 2]),
        ({"type": "date"}, {"selected_date": "2024-02-29"}, "2024-02-29"),
        ({"type": "datetime"}, {"selected_date_time": 0}, "1970-01-01T00:00:00Z"),
        ({"type": "map"}, {"value": '{"k": [1]}'}, {"k": [1]}),
        (
            {"type": "integer", "constraints": {"options": [{"label": "one", "value": 1}]}},
            {"selected_option": {"value": "0"}},
            1,
        ),
        (
            {"type": "string", "multi": True, "constraints": {"options": ["a", "b", "c"]}},
            {"selected_options": [{"value": "2"}, {"value": "0"}]},
            ["c", "a"],
        ),
    ],
)
def test_valid_values_are_typed(param: JSON, entry: JSON, value: Any) -> None:
    """Valid input becomes the JSON value Airplane expects for the type."""
    params = [{"slug": "x", **param}]
    state = with_entry(_state(params), "prompt_param:0", entry)
    checked = check_values(_schema(params), state)
    assert checked.ok, checked.errors
    assert checked.values == {"x": value}


def test_options_beyond_a_select_are_typed_and_checked() -> None:
    """With more options than a select holds, typed text must be one of the option values."""
    options = [{"label": f"L{i}", "value": f"v{i}"} for i in range(150)]
    params = [{"slug": "x", "constraints": {"options": options}}]
    blocks = pending_message(prompt(params)).block_dicts()
    assert blocks[2]["element"]["type"] == "plain_text_input"
    state = untouched_state(blocks)
    typed = check_values(_schema(params), with_entry(state, "prompt_param:0", {"value": "v7"}))
    assert typed.values == {"x": "v7"}
    label = check_values(_schema(params), with_entry(state, "prompt_param:0", {"value": "L7"}))
    assert label.errors[0].startswith('Must be one of "v0", "v1"')


def test_default_too_long_to_show_is_kept_when_left_empty() -> None:
    """A default longer than Slack's 3,000 characters is not shown; an empty input keeps it."""
    params = [{"slug": "x", "default": "y" * 4000}]
    blocks = pending_message(prompt(params)).block_dicts()
    assert "initial_value" not in blocks[2]["element"]
    assert "can't be shown here" in blocks[2]["hint"]["text"]
    assert check_values(_schema(params), untouched_state(blocks)).values == {"x": "y" * 4000}


def test_absent_input_uses_the_default_or_is_required() -> None:
    """A parameter with no input in the state takes its default, else it is required."""
    params = [{"slug": "a", "default": "d"}, {"slug": "b"}]
    checked = check_values(_schema(params), {})
    assert checked.values == {"a": "d"}
    assert checked.errors == {1: "Is required."}
