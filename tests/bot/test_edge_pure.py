"""The pure rules of the bot's edge and of clipping texts to Slack's limits."""

from __future__ import annotations

from bot.slack.clip import clip_blocks, clip_message, clip_payload
from bot.web.edge import payload_problem, signature_problem
from foundation.slack_limits import DATA_LIMITS
from slackbox.payloads import signature
from slackbox.validation import validate_blocks

SECRET = "shh"


def test_signature_problems() -> None:
    body = b"payload=%7B%7D"
    good = {
        "x-slack-request-timestamp": "1000",
        "x-slack-signature": signature(SECRET, "1000", body),
    }
    assert signature_problem(SECRET, good, body, 1000.0) is None
    assert signature_problem(SECRET, good, body + b"x", 1000.0) == (
        401,
        "X-Slack-Signature does not match",
    )
    assert signature_problem(SECRET, good, body, 1000.0 + 301)[0] == 401
    assert (
        signature_problem(SECRET, {**good, "x-slack-request-timestamp": "1e3"}, body, 1000.0)[0]
        == 400
    )
    assert signature_problem(SECRET, {}, body, 1000.0)[0] == 401
    # Not UTF-8: checked on the raw bytes, no decoding.
    raw = b"\xff\xfe"
    signed = {"x-slack-request-timestamp": "1000", "x-slack-signature": "v0=00"}
    assert signature_problem(SECRET, signed, raw, 1000.0)[0] == 401


def test_payload_problems() -> None:
    assert payload_problem({"type": "block_actions", "actions": [{"action_id": "a"}]})
    assert payload_problem({"type": "block_actions", "user": {"id": "U"}, "actions": []})
    assert payload_problem({"type": "view_submission", "user": {"id": "U"}, "view": {}})
    assert payload_problem(
        {
            "type": "view_submission",
            "user": {"id": "U"},
            "view": {"callback_id": "c", "private_metadata": 5},
        }
    )
    assert (
        payload_problem(
            {
                "type": "block_actions",
                "user": {"id": "U"},
                "trigger_id": "t",
                "actions": [{"action_id": "a"}],
            }
        )
        is None
    )
    assert payload_problem({"type": "event_callback"}) is None
    # Slack sends a trigger_id with each of these; its listeners open modals with it.
    for kind in ("block_actions", "view_submission", "shortcut", "message_action"):
        assert "without trigger_id" in str(payload_problem({"type": kind, "user": {"id": "U"}}))


def test_clipped_blocks_pass_the_emulators_slack_rules() -> None:
    long = "x" * 5000
    blocks = [
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": long},
            "fields": [{"type": "mrkdwn", "text": long}],
        },
        {"type": "header", "text": {"type": "plain_text", "text": long}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": long}]},
        {
            "type": "actions",
            "elements": [
                {
                    "type": "button",
                    "action_id": "a",
                    "value": "v",
                    "text": {"type": "plain_text", "text": long},
                    "confirm": {
                        "title": {"type": "plain_text", "text": long},
                        "text": {"type": "plain_text", "text": long},
                        "confirm": {"type": "plain_text", "text": long},
                        "deny": {"type": "plain_text", "text": long},
                    },
                }
            ],
        },
    ] + [{"type": "divider"}] * 60
    assert validate_blocks(blocks)  # Slack would refuse these
    clipped = clip_blocks(blocks)
    assert validate_blocks(clipped) == []
    assert clipped[0]["text"]["text"].endswith("…")
    assert len(clip_message({"text": "y" * 50_000})["text"]) == 40_000


def test_views_are_clipped_and_ids_left_alone() -> None:
    view = {
        "type": "modal",
        "title": {"type": "plain_text", "text": "A very long modal title indeed"},
        "private_metadata": "m" * 10,
        "blocks": [],
    }
    clipped = clip_payload("views.open", {"trigger_id": "t", "view": view})
    assert len(clipped["view"]["title"]["text"]) == 24
    assert clipped["view"]["private_metadata"] == "m" * 10
    assert clip_payload("conversations.open", {"users": "U" * 5000}) == {"users": "U" * 5000}


def test_data_is_refused_rather_than_clipped() -> None:
    """A button's value is data: the bot never cuts it, and the local Slack refuses it whole,
    from the one table of limits both read (`foundation/slack_limits.py`)."""
    too_long = "v" * (DATA_LIMITS[("button", "value")] + 1)
    blocks = [
        {
            "type": "actions",
            "elements": [
                {
                    "type": "button",
                    "action_id": "a",
                    "text": {"type": "plain_text", "text": "Go"},
                    "value": too_long,
                }
            ],
        }
    ]
    assert clip_blocks(blocks) == blocks
    assert "must be at most 2000 characters [json-pointer:/blocks/0/elements/0/value]" in (
        validate_blocks(blocks)
    )
