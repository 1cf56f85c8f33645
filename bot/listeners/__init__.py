"""Thin Slack listeners: ack, parse, call, render. Each kind has a `register(app, services)`."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from ..wiring.services import Services
from . import actions, commands, errors, events, shortcuts, views

__all__ = ["register_all"]


def register_all(app: AsyncApp, services: Services) -> None:
    """Register every listener kind on `app`."""
    for kind in (commands, actions, views, shortcuts, events, errors):
        kind.register(app, services)
