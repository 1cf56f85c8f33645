"""Every front end of a parameter value agrees: slash command, run modal, approval form, airfield.

airfield checks values with `airplane_api.params.check_values`; the slash command reads typed
text with `read_texts`; the run modal and approval forms build their inputs with
`bot.blocks.param_inputs` and read Slack's state back with it. For any schema and value these accept
and reject alike, and what a front end accepts is what airfield stores, unchanged.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from airplane_api.models import Parameter, ParamType
from airplane_api.params import Checked, ParamError, collect, read_texts
from bot.approvals import check_values as approval_check
from bot.approvals import pending_message
from bot.blocks.modal import ModalMetadata, read_modal_values, run_modal

from .approvals.prompts import prompt
from .approvals.slack_state import untouched_state

JSON = dict[str, Any]

_json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner),
    max_leaves=6,
)
_moments = st.datetimes(
    min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.just(UTC)
)
_texts = st.one_of(
    st.text(max_size=12),
    st.integers(-(2**66), 2**66).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["true", "No", " on ", "y", "maybe", "1e3", "4.0", "inf", "1_0", "[1,2]"]),
    st.dates().map(lambda d: d.isoformat()),
    _moments.map(lambda m: m.isoformat()),
    _json_values.map(json.dumps),
    st.lists(st.text(max_size=4), max_size=3).map(", ".join),
    st.lists(st.text(max_size=4), max_size=3).map("\n".join),
    st.text(alphabet="ab", min_size=140, max_size=200),  # past Slack's 150-character values
)
_REGEXES = ["", "[a-z]+", r"\d{1,3}", "(unclosed"]


@st.composite
def _parameter(draw: st.DrawFn) -> Parameter:
    kind = draw(st.sampled_from(list(ParamType)))
    constraints: JSON = {"optional": draw(st.booleans()), "regex": draw(st.sampled_from(_REGEXES))}
    if draw(st.integers(0, 3)) == 0:
        values = draw(st.lists(_texts | _json_values, min_size=1, max_size=4, unique_by=json.dumps))
        labelled = draw(st.booleans())
        constraints["options"] = [
            {"label": f"Choice {i}", "value": value} if labelled else value
            for i, value in enumerate(values)
        ]
    body: JSON = {
        "slug": "p",
        "name": "P",
        "type": kind.value,
        "multi": draw(st.booleans()),
        "constraints": constraints,
    }
    if draw(st.booleans()):
        body["default"] = draw(_texts | _json_values)
    return Parameter.model_validate(body)


def _wire(param: Parameter) -> JSON:
    return param.to_wire()


def _outcome(checked: Checked) -> tuple[dict[str, Any], set[str]]:
    return checked.values, set(checked.errors)


def _airfield(param: Parameter, value: Any) -> Checked:
    """What airfield does with `{"p": value}` in tasks/execute or prompts/submit."""
    return collect([param], {"p": value})


def _run_modal_block(param: Parameter, value: Any) -> JSON:
    view = run_modal(ModalMetadata(slug="t"), [param], title="T", values={"p": value})
    return next(b for b in view["blocks"] if b.get("block_id") == "param:p")


def _approval_block(param: Parameter, value: Any) -> JSON:
    body = _wire(param)
    if value is not None:
        body["default"] = value
    blocks = pending_message(prompt([body])).block_dicts()
    return next(b for b in blocks if b.get("block_id") == "prompt_param:0")


def _typed_state(block: JSON, text: str) -> dict[str, Any]:
    element = block["element"]
    return {block["block_id"]: {element["action_id"]: {"type": element["type"], "value": text}}}


def _approval_outcome(param: Parameter, state: dict[str, Any]) -> tuple[dict[str, Any], set[str]]:
    checked = approval_check(prompt([_wire(param)]).schema_, state)
    return checked.values, {"p"} if checked.errors else set()


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(_parameter(), _texts)
def test_typed_text_means_the_same_everywhere(param: Parameter, text: str) -> None:
    """The same typed text: slash command, run modal and approval input agree with airfield."""
    slash = _outcome(read_texts([param], {"p": text}))
    values, _errors = slash
    if values:
        # What the bot would send is stored unchanged by airfield.
        assert _outcome(_airfield(param, values["p"])) == (values, set())
    if not param.multi and text.strip():
        # A JSON client sending the same text as a string gets the same answer.
        assert _outcome(_airfield(param, text)) == slash
    for block in (_run_modal_block(param, None), _approval_block(param, None)):
        if block["element"]["type"] not in ("plain_text_input", "number_input"):
            continue  # a select or a picker: nothing is typed
        state = _typed_state(block, text)
        if block["block_id"] == "param:p":
            assert _outcome(read_modal_values([param], state)) == slash
        else:
            assert _approval_outcome(param, state) == slash


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(_parameter(), st.data())
def test_a_value_shown_in_a_form_comes_back_as_airfield_stores_it(
    param: Parameter, data: st.DataObject
) -> None:
    """Any value airfield accepts, shown in either form and submitted untouched, comes back."""
    choices = [option.value for option in param.constraints.options or []]
    one = st.sampled_from(choices) if choices else _texts | _json_values
    # A multi select picks each option at most once.
    picks = st.lists(one, max_size=3, unique_by=json.dumps)
    value = data.draw(picks if param.multi and choices else one)
    stored = _airfield(param, value)
    if stored.errors or "p" not in stored.values:
        return
    expected = stored.values["p"]
    for block in (_run_modal_block(param, expected), _approval_block(param, expected)):
        shown = any(key.startswith("initial_") for key in block["element"])
        if not shown and block["element"]["type"] != "checkboxes":
            continue  # the form says it cannot show the value; nothing to round-trip
        state = untouched_state([block])
        if block["block_id"] == "param:p":
            back = read_modal_values([param], state)
        else:
            checked = approval_check(prompt([_wire(param)]).schema_, state)
            back = Checked(
                values=checked.values,
                errors={"p": ParamError("p", e)} if (e := checked.errors.get(0)) else {},
            )
        assert _outcome(back) == ({"p": expected}, set()), block
