"""The /v0 endpoints, one module per group; `ENDPOINTS` lists them all."""

from __future__ import annotations

from ..pipeline import Endpoint
from . import account, prompts, resources, runbooks, runs, sleeps, tasks

ENDPOINTS: tuple[Endpoint, ...] = (
    *tasks.ENDPOINTS,
    *runs.ENDPOINTS,
    *prompts.ENDPOINTS,
    *runbooks.ENDPOINTS,
    *resources.ENDPOINTS,
    *account.ENDPOINTS,
    *sleeps.ENDPOINTS,
)
