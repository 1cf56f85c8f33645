"""The run modal: inputs built from a task's (or runbook's) parameter schema, and reading them back.

The same modal serves `/airplane run <task>` with missing values and the "Run a task" shortcut,
which adds an `external_select` task picker on top (choosing a task rebuilds the modal).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    DatePickerElement,
    ExternalDataSelectElement,
    InputBlock,
    InputInteractiveElement,
    MarkdownTextObject,
    NumberInputElement,
    Option,
    PlainTextInputElement,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from airplane_api.models.common import Component, Parameter, ParamType

from ..ids import ActionId, BlockId, CallbackId, param_block_id, param_slug
from ..params import visible_params
from .runs import truncate

__all__ = ["ModalMetadata", "read_modal_state", "run_modal", "task_option"]

MAX_INPUTS = 90  # Slack allows 100 blocks in a modal; keep room for the picker and notes.
_JSON_TYPES = frozenset({ParamType.JSON, ParamType.OBJECT, ParamType.MAP, ParamType.LIST})


class ModalMetadata(BaseModel):
    """What the modal carries in `private_metadata` (Slack's limit: 3,000 characters)."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["task", "runbook"] = "task"
    slug: str | None = None
    channel_id: str | None = None
    env: str | None = None
    # One per opened form, kept by every update of it: a submission's identity, so double
    # submissions and Slack's retries of the same form map to one run (see bot/requests.py).
    form_id: str = Field(default_factory=lambda: uuid.uuid4().hex)

    def dump(self) -> str:
        """The `private_metadata` string."""
        return self.model_dump_json(exclude_none=True)

    @classmethod
    def load(cls, text: str | None) -> ModalMetadata:
        """Read `private_metadata` back (empty means a fresh shortcut modal)."""
        return cls.model_validate_json(text) if text else cls()


def _text_of(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def task_option(slug: str, name: str = "") -> Option:
    """A task picker option: the name people know, the slug as value."""
    label = f"{name} ({slug})" if name and name != slug else slug
    return Option(text=truncate(label, 75), value=slug)


def _element(param: Parameter, initial: str | None) -> InputInteractiveElement:
    options = param.constraints.options
    action_id = str(ActionId.PARAM_INPUT)
    if options and not param.multi:
        choices = [
            Option(text=truncate(o.label or _text_of(o.value), 75), value=_text_of(o.value)[:150])
            for o in options[:100]
        ]
        chosen = next((c for c in choices if c.value == initial), None)
        return StaticSelectElement(action_id=action_id, options=choices, initial_option=chosen)
    if param.type is ParamType.BOOLEAN:
        choices = [Option(text="Yes", value="true"), Option(text="No", value="false")]
        lowered = (initial or "").lower()
        chosen = next((c for c in choices if c.value == lowered), None)
        return StaticSelectElement(action_id=action_id, options=choices, initial_option=chosen)
    if param.type in (ParamType.INTEGER, ParamType.FLOAT) and not param.multi:
        return NumberInputElement(
            action_id=action_id,
            is_decimal_allowed=param.type is ParamType.FLOAT,
            initial_value=initial or None,
        )
    if param.type is ParamType.DATE and not param.multi:
        return DatePickerElement(action_id=action_id, initial_date=initial or None)
    multiline = param.component is not Component.NONE or param.type in _JSON_TYPES
    return PlainTextInputElement(
        action_id=action_id, multiline=multiline, initial_value=initial or None
    )


def _hint(param: Parameter) -> str | None:
    notes = []
    if param.desc:
        notes.append(param.desc)
    if param.type in _JSON_TYPES:
        notes.append("JSON")
    if param.multi:
        notes.append("Several values: a JSON array or comma-separated")
    return truncate(" · ".join(notes), 2000) if notes else None


def _initial(param: Parameter, given: Mapping[str, str]) -> str | None:
    if param.slug in given:
        return given[param.slug]
    if param.default in (None, "", {}):
        return None
    return _text_of(param.default)


def run_modal(
    metadata: ModalMetadata,
    params: Sequence[Parameter] | None,
    *,
    title: str = "",
    given: Mapping[str, str] | None = None,
    with_picker: bool = False,
    note: str | None = None,
) -> dict[str, Any]:
    """The modal view: optional task picker, then one input per visible parameter."""
    blocks: list[Block] = []
    if with_picker:
        initial = task_option(metadata.slug, title) if metadata.slug else None
        blocks.append(
            InputBlock(
                block_id=BlockId.TASK_PICKER,
                label="Task",
                dispatch_action=True,
                element=ExternalDataSelectElement(
                    action_id=ActionId.TASK_PICKER,
                    placeholder="Search tasks",
                    min_query_length=0,
                    initial_option=initial,
                ),
            )
        )
    if note:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=truncate(note, 2000))]))
    shown = visible_params(params or [])
    for param in shown[:MAX_INPUTS]:
        blocks.append(
            InputBlock(
                block_id=param_block_id(param.slug),
                label=truncate(param.label, 2000),
                element=_element(param, _initial(param, given or {})),
                hint=_hint(param),
                optional=not param.required,
            )
        )
    if metadata.slug and params is not None:
        blocks.append(
            InputBlock(
                block_id=BlockId.ENV,
                label="Environment",
                element=PlainTextInputElement(
                    action_id=ActionId.PARAM_INPUT,
                    initial_value=metadata.env or None,
                    placeholder="default",
                ),
                optional=True,
            )
        )
    verb = "Run runbook" if metadata.kind == "runbook" else "Run"
    view = View(
        type="modal",
        callback_id=CallbackId.RUN_MODAL,
        title=truncate(f"{verb} {title or metadata.slug or 'a task'}", 24),
        # Slack requires submit whenever an input (the picker too) is present; submitting
        # without a task answers an inline "Pick a task".
        submit="Run",
        close="Cancel",
        private_metadata=metadata.dump(),
        blocks=blocks
        or [ContextBlock(elements=[MarkdownTextObject(text="Pick a task to see its form.")])],
    )
    return view.to_dict()


def _element_text(element: Mapping[str, Any]) -> str | None:
    kind = element.get("type")
    if kind in ("static_select", "external_select"):
        option = element.get("selected_option") or {}
        value = option.get("value")
        return str(value) if value is not None else None
    if kind == "datepicker":
        return element.get("selected_date")
    value = element.get("value")
    return str(value) if value is not None else None


def read_modal_state(
    state_values: Mapping[str, Mapping[str, Mapping[str, Any]]],
) -> tuple[dict[str, str | None], str | None, str | None]:
    """From `view.state.values`: raw parameter texts by slug, the environment, the picked task."""
    raw: dict[str, str | None] = {}
    env: str | None = None
    picked: str | None = None
    for block_id, actions in state_values.items():
        for element in actions.values():
            text = _element_text(element)
            if block_id == BlockId.ENV:
                env = (text or "").strip() or None
            elif block_id == BlockId.TASK_PICKER:
                picked = text
            elif (slug := param_slug(block_id)) is not None:
                raw[slug] = text
    return raw, env, picked
