"""`build_app`: the one factory of the Bolt app, from injected services."""

from __future__ import annotations

import logging

from slack_bolt.async_app import AsyncApp

from ..listeners import register_all
from ..wiring.services import Services

__all__ = ["build_app"]

log = logging.getLogger("bot.app")


def build_app(services: Services) -> AsyncApp:
    """An `AsyncApp` using `services.slack` (so `SLACK_API_URL` holds) with every listener."""
    secret = services.settings.slack_signing_secret
    signing_secret = secret.get_secret_value() if secret else ""
    app = AsyncApp(
        client=services.slack,
        signing_secret=signing_secret,
        # Socket Mode requests are not signed; HTTP mode refuses to start without a secret.
        request_verification_enabled=bool(signing_secret),
        # Acks go out before the listener's work (ack first, Airplane calls after).
        process_before_response=False,
        logger=logging.getLogger("bot.bolt"),
    )
    register_all(app, services)
    return app
