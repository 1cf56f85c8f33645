"""The Airplane REST API v0: wire-format models and an async client."""
