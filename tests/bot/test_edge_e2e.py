"""Hostile requests to the bot's real HTTP server: 400/401 with one log line, never a 500 or a
traceback; odd signed payloads are answered; long answers are clipped, never refused."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest

from bot.blocks.ids import ApprovalAction, ApprovalCallback, CallbackId
from slackbox import ALICE, SlackEmulator
from slackbox.payloads import signature
from tests.support.airfield import AirfieldProcess

from .harness import running_bot

FORM = "application/x-www-form-urlencoded"


def _signed(secret: str, body: bytes, content_type: str = FORM) -> dict[str, str]:
    stamp = str(int(time.time()))
    return {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": signature(secret, stamp, body),
    }


def _form(payload: object) -> bytes:
    return urlencode({"payload": json.dumps(payload)}).encode()


DEEP = "[" * 5000 + "]" * 5000


@pytest.mark.parametrize(
    ("name", "body", "content_type", "expected"),
    [
        ("not utf-8", b"payload=\xff\xfe", FORM, 400),
        ("json array", b"[1,2]", "application/json", 400),
        ("payload=null", b"payload=null", FORM, 400),
        ("deep nesting", urlencode({"payload": DEEP}).encode(), FORM, 400),
        (
            "no user.id",
            _form({"type": "block_actions", "actions": [{"action_id": "x"}]}),
            FORM,
            400,
        ),
        (
            "no actions",
            _form({"type": "block_actions", "user": {"id": ALICE}, "actions": []}),
            FORM,
            400,
        ),
        (
            "a slash command without trigger_id",
            urlencode(
                {
                    "command": "/airplane",
                    "text": "run hello",
                    "user_id": ALICE,
                    "channel_id": "C0GENERAL",
                    "team_id": "T0",
                    "response_url": "",
                }
            ).encode(),
            FORM,
            400,
        ),
        (
            "block_actions without trigger_id",
            _form(
                {
                    "type": "block_actions",
                    "user": {"id": ALICE},
                    "actions": [{"action_id": "approve_prompt", "value": "{}"}],
                }
            ),
            FORM,
            400,
        ),
        (
            "a shortcut without trigger_id",
            _form({"type": "shortcut", "callback_id": "run_task", "user": {"id": ALICE}}),
            FORM,
            400,
        ),
        (
            "view_submission without trigger_id",
            _form(
                {
                    "type": "view_submission",
                    "user": {"id": ALICE},
                    "view": {"callback_id": "run_modal", "private_metadata": ""},
                }
            ),
            FORM,
            400,
        ),
    ],
)
async def test_malformed_signed_requests_are_400_with_one_line(
    slack: SlackEmulator,
    airfield: AirfieldProcess,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    name: str,
    body: bytes,
    content_type: str,
    expected: int,
) -> None:
    """Each is answered 4xx with one warning line and no traceback anywhere in the log."""
    caplog.set_level(logging.INFO)
    async with running_bot(slack, airfield, tmp_path) as bot, httpx.AsyncClient() as client:
        caplog.clear()
        reply = await client.post(
            f"{bot.url}/slack/events",
            content=body,
            headers=_signed(slack.signing_secret, body, content_type),
        )
        records = list(caplog.records)
    assert reply.status_code == expected, (name, reply.text)
    assert [r for r in records if r.exc_info or r.levelno >= logging.ERROR] == []
    assert len([r for r in records if r.name == "bot.edge"]) == 1


async def test_unsigned_garbage_is_refused_before_parsing(
    slack: SlackEmulator,
    airfield: AirfieldProcess,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Unsigned bodies (any bytes) get 401, a non-integer timestamp 400; 200 such requests log
    200 single lines and no traceback."""
    caplog.set_level(logging.INFO)
    async with running_bot(slack, airfield, tmp_path) as bot, httpx.AsyncClient() as client:
        caplog.clear()
        statuses = []
        for n in range(100):
            unsigned = await client.post(
                f"{bot.url}/slack/events",
                content=b"\xff" * n + b"payload=null",
                headers={
                    "X-Slack-Request-Timestamp": str(int(time.time())),
                    "X-Slack-Signature": "v0=0",
                },
            )
            odd_stamp = await client.post(
                f"{bot.url}/slack/events",
                content=b"payload=%7B%7D",
                headers={"X-Slack-Request-Timestamp": "1e9", "X-Slack-Signature": "v0=0"},
            )
            statuses += [unsigned.status_code, odd_stamp.status_code]
        records = list(caplog.records)
    assert set(statuses[0::2]) == {401}
    assert set(statuses[1::2]) == {400}
    assert [r for r in records if r.exc_info or r.levelno >= logging.ERROR] == []
    assert len([r for r in records if r.name == "bot.edge"]) == 200


@pytest.mark.parametrize(
    ("name", "view"),
    [
        (
            "unreadable prompt metadata",
            {"callback_id": ApprovalCallback.MODAL.value, "private_metadata": "{oops"},
        ),
        (
            "unknown prompt",
            {
                "callback_id": ApprovalCallback.MODAL.value,
                "private_metadata": json.dumps({"prompt_id": "pmt20200101zmissing00"}),
            },
        ),
        (
            "unreadable run metadata",
            {"callback_id": CallbackId.RUN_MODAL.value, "private_metadata": "[1]"},
        ),
    ],
)
async def test_odd_view_submissions_are_answered(
    slack: SlackEmulator,
    airfield: AirfieldProcess,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    name: str,
    view: dict[str, object],
) -> None:
    """A signed view_submission the bot cannot use is acknowledged (200), one line, no trace."""
    payload = {
        "type": "view_submission",
        "user": {"id": ALICE},
        "trigger_id": "1.2.3",
        "view": {"type": "modal", "state": {"values": {}}, **view},
    }
    body = _form(payload)
    caplog.set_level(logging.INFO)
    async with running_bot(slack, airfield, tmp_path) as bot, httpx.AsyncClient() as client:
        reply = await client.post(
            f"{bot.url}/slack/events", content=body, headers=_signed(slack.signing_secret, body)
        )
        records = list(caplog.records)
    assert reply.status_code == 200, (name, reply.text)
    assert [r for r in records if r.exc_info or r.levelno >= logging.ERROR] == []


async def test_button_with_a_forged_value_is_acknowledged(
    slack: SlackEmulator,
    airfield: AirfieldProcess,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """An Approve click whose value is not a prompt reference: 200 at once, one line, no trace."""
    payload = {
        "type": "block_actions",
        "user": {"id": ALICE},
        "trigger_id": "1.2.3",
        "actions": [{"action_id": ApprovalAction.APPROVE.value, "value": "not json"}],
    }
    body = _form(payload)
    caplog.set_level(logging.INFO)
    async with running_bot(slack, airfield, tmp_path) as bot, httpx.AsyncClient() as client:
        reply = await client.post(
            f"{bot.url}/slack/events", content=body, headers=_signed(slack.signing_secret, body)
        )
        records = list(caplog.records)
    assert reply.status_code == 200
    assert [r for r in records if r.exc_info or r.levelno >= logging.ERROR] == []


async def test_a_huge_usage_answer_is_clipped_not_lost(
    slack: SlackEmulator, airfield: AirfieldProcess, tmp_path: Path
) -> None:
    """`/airplane run hello` with 100 unknown arguments still gets its usage answer."""
    args = " ".join(f"unknown_argument_{n}=some-long-value-{n}" for n in range(100))
    async with running_bot(slack, airfield, tmp_path):
        await slack.slash_command("/airplane", f"run hello {args}")
        note = await slack.wait_for_ephemeral(ALICE, contains="is unknown")
    assert "…" in note.blocks[0]["text"]["text"]
