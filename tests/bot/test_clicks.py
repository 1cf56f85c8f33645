"""Where an answer to a click goes: the clicked message's channel and thread."""

from __future__ import annotations

from bot.listeners.clicks import ClickPlace, click_place


def test_a_click_in_a_thread_is_answered_in_that_thread() -> None:
    body = {
        "channel": {"id": "C1"},
        "container": {"type": "message", "channel_id": "C1", "thread_ts": "1.0"},
        "message": {"ts": "2.0", "thread_ts": "1.0"},
    }
    assert click_place(body) == ClickPlace("C1", "1.0")


def test_the_message_says_the_thread_when_the_container_does_not() -> None:
    body = {"channel": {"id": "C1"}, "container": {}, "message": {"thread_ts": "1.0"}}
    assert click_place(body) == ClickPlace("C1", "1.0")


def test_a_click_on_a_channel_message_is_answered_in_the_channel() -> None:
    body = {"container": {"channel_id": "C2", "message_ts": "3.0"}, "message": {"ts": "3.0"}}
    assert click_place(body) == ClickPlace("C2", None)


def test_a_slash_command_or_a_modal_has_no_thread() -> None:
    assert click_place({"channel_id": "C3", "user_id": "U1"}) == ClickPlace("", None)
    assert click_place({"view": {"id": "V1"}}) == ClickPlace("", None)
