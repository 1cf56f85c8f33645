"""What a person does in Slack, sent to the app: commands, clicks, typing, submitting, closing.

Mixed into `SlackEmulator`. Each action takes the delivery options of `SendKwargs` (`url`,
`signature`, `timestamp_offset`, `retry_num`, `retry_reason`, `timeout`) and returns a `Reply`.
"""

from __future__ import annotations

from typing import Any

from typing_extensions import Unpack

from . import payloads
from .client import Reply, SendKwargs, Transport
from .inputs import buttons, entry_for, find_field, state_values, with_ids
from .state import ALICE, GENERAL, JSON, Ephemeral, Message, ViewRecord
from .view_flow import apply_submission_answer

Target = Message | Ephemeral | ViewRecord


class ClientSide(Transport):
    """Slack's side of the conversation with the app."""

    async def slash_command(
        self,
        command: str,
        text: str = "",
        *,
        user: str = ALICE,
        channel: str = GENERAL,
        payload: JSON | None = None,
        **send: Unpack[SendKwargs],
    ) -> Reply:
        """Send `/command text` typed by `user` in `channel`; `payload` resends a previous one."""
        if payload is None:
            payload = payloads.slash_command(
                command=command,
                text=text,
                user=self.workspace.users[user],
                channel=self.workspace.channels[channel],
                response_url=self.response_urls.issue(channel=channel, user=user),
                trigger_id=self.issue_trigger(user),
            )
        return await self.deliver("slash_commands", payload, send)

    def fill(self, target: Message | ViewRecord, values: dict[str, Any]) -> None:
        """Type or pick values in a view or message, inputs named by action_id, block_id or label.

        Values are plain: text, an option's value or text (lists for multi-selects and checkboxes),
        user/channel IDs, `"2024-05-01"` dates; a dict with the element's `type` is used as is.
        """
        for key, value in values.items():
            field = find_field(target.blocks, key)
            target.values.setdefault(field.block_id, {})[field.action_id] = entry_for(
                field.element, value
            )

    def find_button(
        self,
        text: str | None = None,
        *,
        user: str = ALICE,
        action_id: str | None = None,
        target: Target | None = None,
        channel: str | None = None,
    ) -> tuple[Target, JSON, JSON]:
        """The (target, block, button) a click would hit: by button text or action_id.

        Without `target` it looks where the user would: their open modals (top first), their App
        Home, their ephemerals (newest first), then channel messages (newest first).
        """
        if text is None and action_id is None:
            raise ValueError("name the button by text or action_id")
        candidates: list[Target] = (
            [target] if target is not None else self._visible_to(user, channel)
        )
        seen: list[str] = []
        for candidate in candidates:
            blocks = (
                candidate.blocks if not isinstance(candidate, Ephemeral) else candidate.all_blocks
            )
            for block, button in buttons(blocks):
                label = button["text"]["text"]
                seen.append(label)
                if (text is None or label == text) and (
                    action_id is None or button["action_id"] == action_id
                ):
                    return candidate, block, button
        raise LookupError(
            f"no button {text or action_id!r} visible to {user}; buttons seen: {seen}"
        )

    def _visible_to(self, user: str, channel: str | None) -> list[Target]:
        workspace = self.workspace
        found: list[Target] = list(reversed(workspace.open_views(user)))
        home = workspace.home_views.get(user)
        if home is not None:
            found.append(home)
        found.extend(reversed(workspace.ephemerals_for(user, channel)))
        found.extend(
            m
            for m in reversed(workspace.messages)
            if not m.deleted and (channel is None or m.channel == channel)
        )
        return found

    async def click(
        self,
        text: str | None = None,
        *,
        user: str = ALICE,
        action_id: str | None = None,
        target: Target | None = None,
        channel: str | None = None,
        **send: Unpack[SendKwargs],
    ) -> Reply:
        """Click a button (found by its text or action_id) as `user`: a `block_actions` payload."""
        found, block, button = self.find_button(
            text, user=user, action_id=action_id, target=target, channel=channel
        )
        action = payloads.button_action(block, button, self.workspace.clock.next())
        return await self.deliver("interactive", self._block_actions(found, user, action), send)

    async def send_action(
        self, target: Target, action: JSON, *, user: str, **send: Unpack[SendKwargs]
    ) -> Reply:
        """`block_actions` for an `actions[0]` entry already built (the playground's clicks)."""
        return await self.deliver("interactive", self._block_actions(target, user, action), send)

    def _block_actions(self, target: Target, user_id: str, action: JSON) -> JSON:
        user = self.workspace.users[user_id]
        trigger_id = self.issue_trigger(user_id)
        if isinstance(target, ViewRecord):
            view = target.to_api()
            return payloads.block_actions(
                user=user,
                trigger_id=trigger_id,
                action=action,
                container={"type": "view", "view_id": target.id},
                state_values=view["state"]["values"],
                view=view,
            )
        channel = self.workspace.channels[target.channel]
        is_ephemeral = isinstance(target, Ephemeral)
        blocks = target.all_blocks if isinstance(target, Ephemeral) else target.blocks
        container: JSON = {
            "type": "message",
            "message_ts": target.ts,
            "channel_id": channel.id,
            "is_ephemeral": is_ephemeral,
        }
        if target.thread_ts:
            container["thread_ts"] = target.thread_ts
        message = None
        if isinstance(target, Message):
            message = {**target.to_api(), "blocks": with_ids(blocks)}
        return payloads.block_actions(
            user=user,
            trigger_id=trigger_id,
            action=action,
            container=container,
            state_values=state_values(blocks, target.values if isinstance(target, Message) else {}),
            channel=channel,
            message=message,
            response_url=self.response_urls.issue(
                channel=channel.id,
                user=user_id,
                message_ts=target.ts,
                thread_ts=target.thread_ts,
                is_ephemeral=is_ephemeral,
            ),
        )

    def top_view(self, user: str | None = None) -> ViewRecord:
        """The modal on top of `user`'s stack (of the only user with one open, when None)."""
        open_views = self.workspace.open_views(user)
        if not open_views or (user is None and len({v.user for v in open_views}) > 1):
            raise LookupError(f"no single open modal (user={user}): {[v.id for v in open_views]}")
        return open_views[-1]

    async def submit_view(
        self,
        view: ViewRecord | None = None,
        *,
        user: str | None = None,
        values: dict[str, Any] | None = None,
        **send: Unpack[SendKwargs],
    ) -> Reply:
        """Submit a modal (default: the top one) after filling `values`; apply the app's answer.

        The answer (HTTP body or ack payload) acts as in Slack: nothing closes the view,
        `response_action` errors/update/push/clear show errors, replace, stack or close all.
        """
        record = view or self.top_view(user)
        if values:
            self.fill(record, values)
        payload = payloads.view_submission(
            user=self.workspace.users[record.user],
            trigger_id=self.issue_trigger(record.user),
            view=record.to_api(),
        )
        reply = await self.deliver("interactive", payload, send)
        if reply.ok:
            apply_submission_answer(self.workspace, record, reply.json())
            await self.workspace.touch()
        return reply

    async def close_view(
        self, view: ViewRecord | None = None, *, user: str | None = None, **send: Unpack[SendKwargs]
    ) -> Reply | None:
        """Close a modal (its Cancel button); sends `view_closed` if it has `notify_on_close`."""
        record = view or self.top_view(user)
        record.closed = True
        await self.workspace.touch()
        if not record.view.get("notify_on_close"):
            return None
        payload = payloads.view_closed(user=self.workspace.users[record.user], view=record.to_api())
        return await self.deliver("interactive", payload, send)
