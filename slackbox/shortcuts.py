"""Shortcuts, select menus, external option loading and Events API, sent as Slack sends them.

Mixed into `SlackEmulator` next to `interactions.ClientSide`; same delivery options and `Reply`.
"""

from __future__ import annotations

import time
from typing import Any

from typing_extensions import Unpack

from . import payloads
from .client import Reply, SendKwargs
from .inputs import entry_for, find_field, with_ids
from .interactions import ClientSide
from .state import ALICE, JSON, Message, ViewRecord


class ShortcutsAndEvents(ClientSide):
    """Global and message shortcuts, `block_suggestion`, select actions, events."""

    async def shortcut(
        self, callback_id: str, *, user: str = ALICE, **send: Unpack[SendKwargs]
    ) -> Reply:
        """A global shortcut (`type: shortcut`) from the lightning menu."""
        payload = payloads.interaction_base(
            "shortcut", self.workspace.users[user], self.issue_trigger(user)
        )
        payload.update({"callback_id": callback_id, "action_ts": self.workspace.clock.next()})
        return await self.deliver("interactive", payload, send)

    async def message_shortcut(
        self, callback_id: str, message: Message, *, user: str = ALICE, **send: Unpack[SendKwargs]
    ) -> Reply:
        """A message shortcut (`type: message_action`) on `message`."""
        channel = self.workspace.channels[message.channel]
        payload = payloads.interaction_base(
            "message_action", self.workspace.users[user], self.issue_trigger(user)
        )
        payload.update(
            {
                "callback_id": callback_id,
                "message_ts": message.ts,
                "message": {**message.to_api(), "blocks": with_ids(message.blocks)},
                "channel": {"id": channel.id, "name": channel.name},
                "action_ts": self.workspace.clock.next(),
                "response_url": self.response_urls.issue(
                    channel=channel.id,
                    user=user,
                    message_ts=message.ts,
                    thread_ts=message.thread_ts,
                ),
            }
        )
        return await self.deliver("interactive", payload, send)

    async def load_options(
        self,
        target: Message | ViewRecord,
        key: str,
        typed: str = "",
        *,
        user: str | None = None,
        **send: Unpack[SendKwargs],
    ) -> Reply:
        """Type `typed` into an external select (named by action_id, block_id or label):
        a `block_suggestion`; `reply.json()` holds the `options`/`option_groups` answered."""
        field = find_field(target.blocks, key)
        user_id = user or (target.user if isinstance(target, ViewRecord) else ALICE)
        payload = payloads.interaction_base("block_suggestion", self.workspace.users[user_id], "")
        del payload["trigger_id"]
        payload.update(
            {
                "action_id": field.action_id,
                "block_id": field.block_id,
                "value": typed,
                "action_ts": self.workspace.clock.next(),
            }
        )
        payload.update(self._where(target))
        return await self.deliver("interactive", payload, send)

    async def choose(
        self,
        target: Message | ViewRecord,
        key: str,
        value: Any,
        *,
        user: str | None = None,
        **send: Unpack[SendKwargs],
    ) -> Reply:
        """Pick or type `value` in an element that dispatches actions (selects in actions blocks or
        sections, inputs with `dispatch_action`): fills it and sends `block_actions`."""
        field = find_field(target.blocks, key)
        entry = entry_for(field.element, value)
        target.values.setdefault(field.block_id, {})[field.action_id] = entry
        user_id = user or (target.user if isinstance(target, ViewRecord) else ALICE)
        action: JSON = {
            **entry,
            "action_id": field.action_id,
            "block_id": field.block_id,
            "action_ts": self.workspace.clock.next(),
        }
        if "placeholder" in field.element:
            action["placeholder"] = field.element["placeholder"]
        payload = self._block_actions(target, user_id, action)
        return await self.deliver("interactive", payload, send)

    def _where(self, target: Message | ViewRecord) -> JSON:
        """The `container` (and `view` or `channel`) keys for a payload about `target`."""
        if isinstance(target, ViewRecord):
            return {"container": {"type": "view", "view_id": target.id}, "view": target.to_api()}
        channel = self.workspace.channels[target.channel]
        return {
            "container": {
                "type": "message",
                "message_ts": target.ts,
                "channel_id": channel.id,
                "is_ephemeral": False,
            },
            "channel": {"id": channel.id, "name": channel.name},
        }

    async def send_event(self, event: JSON, **send: Unpack[SendKwargs]) -> Reply:
        """Deliver an Events API event (e.g. `{"type": "app_home_opened", "user": ...}`)."""
        event = {"event_ts": self.workspace.clock.next(), **event}
        event_id = self.workspace.ids.make("Ev")
        payload = payloads.event_callback(event, event_id=event_id, event_time=int(time.time()))
        return await self.deliver("events_api", payload, send)

    async def url_verification(
        self, challenge: str = "emulator-challenge", **send: Unpack[SendKwargs]
    ) -> Reply:
        """Slack's Request URL check: the app must echo `challenge` (HTTP only)."""
        payload = {
            "token": payloads.VERIFICATION_TOKEN,
            "challenge": challenge,
            "type": "url_verification",
        }
        return await self.deliver("events_api", payload, send)
