"""The run modal: inputs built from a task's (or runbook's) parameter schema, and reading them back.

The same modal serves `/airplane run <task>` with missing values and the "Run a task" shortcut,
which adds an `external_select` task picker on top (choosing a task rebuilds the modal).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer
from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    ExternalDataSelectElement,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
)
from slack_sdk.models.views import View

from airplane_api.models.common import Parameter
from airplane_api.params import Checked, visible_params
from foundation.slack_limits import CONTEXT_TEXT, MAX_BLOCKS, TEXT_LIMITS, VIEW_TEXT

from ..core.kinds import Kind
from ..slack.clip import clip
from .ids import ActionId, BlockId, CallbackId, param_block_id
from .param_inputs import param_input, read_state

__all__ = ["ModalMetadata", "read_modal_state", "read_modal_values", "run_modal", "task_option"]

MAX_INPUTS = MAX_BLOCKS["modal"] - 10  # room left for the picker and notes


class ModalMetadata(BaseModel):
    """What the modal carries in `private_metadata` (Slack's limit: 3,000 characters)."""

    model_config = ConfigDict(frozen=True)

    # Written `task`/`runbook`, as older bots wrote and read it: a form one replica opened
    # may be submitted to another.
    kind: Annotated[Kind, PlainSerializer(lambda kind: kind.target, return_type=str)] = Kind.RUN
    slug: str | None = None
    channel_id: str | None = None
    env: str | None = None
    # One per opened form, kept by every update of it: a submission's identity, so double
    # submissions and Slack's retries of the same form map to one run (see bot/slack/requests.py).
    form_id: str = Field(default_factory=lambda: uuid.uuid4().hex)

    def dump(self) -> str:
        """The `private_metadata` string."""
        return self.model_dump_json(exclude_none=True)

    @classmethod
    def load(cls, text: str | None) -> ModalMetadata:
        """Read `private_metadata` back (empty means a fresh shortcut modal)."""
        return cls.model_validate_json(text) if text else cls()


def task_option(slug: str, name: str = "") -> Option:
    """A task picker option: the name people know, the slug as value."""
    label = f"{name} ({slug})" if name and name != slug else slug
    return Option(text=clip(label, TEXT_LIMITS[("option", "text")]), value=slug)


def run_modal(
    metadata: ModalMetadata,
    params: Sequence[Parameter] | None,
    *,
    title: str = "",
    values: Mapping[str, Any] | None = None,
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
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=clip(note, CONTEXT_TEXT))]))
    shown = visible_params(params or [])
    for param in shown[:MAX_INPUTS]:
        blocks.append(
            param_input(
                param,
                block_id=param_block_id(param.slug),
                action_id=ActionId.PARAM_INPUT,
                value=(values or {}).get(param.slug),
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
    verb = "Run runbook" if metadata.kind is Kind.SESSION else "Run"
    view = View(
        type="modal",
        callback_id=CallbackId.RUN_MODAL,
        title=clip(f"{verb} {title or metadata.slug or 'a task'}", VIEW_TEXT["title"]),
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
    option = element.get("selected_option")
    value = option.get("value") if isinstance(option, Mapping) else element.get("value")
    return str(value) if value is not None else None


def read_modal_state(
    state_values: Mapping[str, Mapping[str, Mapping[str, Any]]],
) -> tuple[str | None, str | None]:
    """From `view.state.values`: the environment and the picked task."""
    env: str | None = None
    picked: str | None = None
    for block_id, actions in state_values.items():
        for element in actions.values():
            if block_id == BlockId.ENV:
                env = (_element_text(element) or "").strip() or None
            elif block_id == BlockId.TASK_PICKER:
                picked = _element_text(element)
    return env, picked


def read_modal_values(
    params: Sequence[Parameter], state_values: Mapping[str, Mapping[str, Mapping[str, Any]]]
) -> Checked:
    """The visible parameters' inputs read back and checked (the rule of `airplane_api.params`).

    Hidden parameters have no input; Airplane fills their defaults.
    """
    shown = visible_params(params)
    return read_state(shown, state_values, lambda _index, param: param_block_id(param.slug))
