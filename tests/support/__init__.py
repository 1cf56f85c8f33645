"""Shared test support: real peers (airfield, the Slack emulator) and reference material."""
