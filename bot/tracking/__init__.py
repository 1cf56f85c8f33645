"""Run tracking: live Slack threads for Airplane runs and sessions, exactly once, at scale."""
