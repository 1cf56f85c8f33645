"""What answers on a port: HTTP mode's public port (`/slack/events`, `/healthz`) behind
its edge guard, and the operators' port (`/metrics`, `/readyz`, `/healthz`)."""
