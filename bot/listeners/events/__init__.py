"""Listeners for Slack events."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from ...wiring.services import Services
from . import home

__all__ = ["register"]


def register(app: AsyncApp, services: Services) -> None:
    """Register the events listeners."""
    home.register(app, services)
