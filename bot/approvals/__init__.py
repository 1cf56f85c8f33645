"""Prompts become approvals in Slack: rendering, value checks and reviewer decisions (pure)."""

from __future__ import annotations

from ..blocks.ids import (
    ApprovalAction,
    ApprovalBlock,
    ApprovalCallback,
    PromptModalMetadata,
    PromptRef,
    prompt_param_block_id,
)
from .render import (
    ApprovalMessage,
    Layout,
    PromptContext,
    closed_message,
    decided_message,
    layout_of,
    pending_message,
    prompt_modal,
)
from .reviewers import (
    Clicker,
    Intent,
    ReviewDecision,
    may_decide,
    requester_of,
    reviewer_emails,
    reviewer_slack_users,
)
from .validate import CheckedValues, check_values, modal_errors

__all__ = [
    "ApprovalAction",
    "ApprovalBlock",
    "ApprovalCallback",
    "ApprovalMessage",
    "CheckedValues",
    "Clicker",
    "Intent",
    "Layout",
    "PromptContext",
    "PromptModalMetadata",
    "PromptRef",
    "ReviewDecision",
    "check_values",
    "closed_message",
    "decided_message",
    "layout_of",
    "may_decide",
    "modal_errors",
    "pending_message",
    "prompt_modal",
    "prompt_param_block_id",
    "requester_of",
    "reviewer_emails",
    "reviewer_slack_users",
]
