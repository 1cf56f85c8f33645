"""Property: any prompt schema built from the OpenAPI parameter types renders to Block Kit that
the emulator's validator accepts (slack_sdk's models plus Slack's documented limits), and
whatever Slack then reports checks without crashing."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from airplane_api.models import ParamType, Prompt
from bot.approvals import (
    PromptModalMetadata,
    check_values,
    closed_message,
    decided_message,
    pending_message,
    prompt_modal,
)
from slackbox import validate_blocks, validate_view

from .slack_state import untouched_state

JSON = dict[str, Any]


_text = st.text(min_size=0, max_size=40) | st.text(min_size=2990, max_size=4100)
_short = st.text(min_size=0, max_size=40)
_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=5,
)
_defaults: dict[ParamType, st.SearchStrategy[Any]] = {
    ParamType.STRING: _text,
    ParamType.INTEGER: st.integers(-(10**12), 10**12),
    ParamType.FLOAT: st.floats(allow_nan=False, allow_infinity=False, width=32),
    ParamType.BOOLEAN: st.booleans(),
    ParamType.DATE: st.dates().map(lambda d: d.isoformat()),
    ParamType.DATETIME: st.datetimes().map(lambda d: d.isoformat() + "Z"),
}


@st.composite
def _parameter(draw: st.DrawFn) -> JSON:
    kind = draw(st.sampled_from(list(ParamType)))
    param: JSON = {
        "slug": draw(st.from_regex(r"[a-z][a-z0-9_]{0,30}", fullmatch=True)),
        "name": draw(_short | st.text(min_size=1990, max_size=2100)),
        "desc": draw(_text),
        "type": kind.value,
        "component": draw(st.sampled_from(["", "textarea", "editor-sql", None])),
        "multi": draw(st.booleans()),
        "constraints": {
            "optional": draw(st.booleans()),
            "regex": draw(st.sampled_from(["", ".*"])),
        },
    }
    values = _defaults.get(kind, _json)
    if draw(st.booleans()):
        options = draw(st.lists(values, max_size=draw(st.sampled_from([3, 120]))))
        param["constraints"]["options"] = [
            {"label": draw(_short), "value": value} for value in options
        ]
    if draw(st.booleans()):
        param["default"] = draw(values)
    return param


@st.composite
def _prompt(draw: st.DrawFn) -> Prompt:
    count = draw(st.sampled_from([0, 1, 5, 20, 48, 60, 120]))
    parameters = draw(st.lists(_parameter(), min_size=min(count, 5), max_size=count))
    if count > 5:  # large schemas: repeat drawn parameters rather than draw hundreds
        parameters = (
            (parameters * (count // max(len(parameters), 1) + 1))[:count] if parameters else []
        )
    return Prompt.model_validate(
        {
            "id": "pmt1",
            "runID": "run1",
            "description": draw(_text),
            "confirmText": draw(_text),
            "cancelText": draw(_text),
            "schema": {"parameters": parameters},
            "reviewers": {"users": draw(st.lists(st.emails(), max_size=3))},
        }
    )


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(_prompt())
def test_any_prompt_renders_to_block_kit_slack_accepts(prompt: Prompt) -> None:
    """Pending message, modal, decided and closed messages all pass Slack's validation."""
    pending = pending_message(prompt).block_dicts()
    assert validate_blocks(pending) == []
    view = prompt_modal(prompt, PromptModalMetadata(prompt_id=prompt.id)).to_dict()
    assert validate_view(view) == []
    decided = prompt.model_copy(
        update={"submitted_at": prompt.created_at, "submitted_by": "slack:U1"}
    )
    assert validate_blocks(decided_message(decided).block_dicts()) == []
    assert validate_blocks(closed_message(prompt, "the run ended").block_dicts()) == []
    checked = check_values(prompt.schema_, untouched_state(view["blocks"]))
    answered = set(checked.values) | {prompt.schema_.parameters[i].slug for i in checked.errors}
    assert answered >= {p.slug for p in prompt.schema_.parameters if p.required}


_scalar_defaults: dict[ParamType, st.SearchStrategy[Any]] = {
    ParamType.STRING: st.text(max_size=50).map(str.strip) | st.text(min_size=3001, max_size=3100),
    ParamType.INTEGER: st.integers(-(10**15), 10**15),
    ParamType.FLOAT: st.floats(allow_nan=False, allow_infinity=False),
    ParamType.BOOLEAN: st.booleans(),
    ParamType.DATE: st.dates().map(lambda d: d.isoformat()),
    ParamType.DATETIME: st.datetimes(min_value=datetime(1970, 1, 2)).map(
        lambda d: d.replace(microsecond=0).isoformat() + "Z"
    ),
}


@st.composite
def _defaulted_parameter(draw: st.DrawFn) -> JSON:
    kind = draw(st.sampled_from(sorted(_scalar_defaults)))
    default = draw(_scalar_defaults[kind])
    param: JSON = {
        "slug": f"p{draw(st.integers(0, 10**6))}",
        "type": kind.value,
        "default": default,
    }
    if kind is not ParamType.BOOLEAN and draw(st.booleans()):
        others = draw(st.lists(_scalar_defaults[kind], max_size=5))
        param["constraints"] = {"options": [*others, default]}
    return param


@settings(max_examples=80, suppress_health_check=[HealthCheck.too_slow])
@given(_defaulted_parameter())
def test_untouched_inputs_give_the_defaults_back(param: JSON) -> None:
    """Submitting a prompt as shown answers every parameter with its default (Slack-typed)."""
    prompt = Prompt.model_validate({"id": "pmt1", "schema": {"parameters": [param]}})
    blocks = pending_message(prompt).block_dicts()
    checked = check_values(prompt.schema_, untouched_state(blocks))
    assert checked.ok, checked.errors
    [value] = checked.values.values()
    expected = param["default"]
    if param["type"] == "datetime":
        expected = expected.replace("+00:00", "")
    assert value == expected
