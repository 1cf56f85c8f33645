"""Every domain's migrations, listed here by hand: adding a domain means adding it to this list
(nothing registers itself as a module is imported). Sorted by domain name, so the order in which
they are applied is stable."""

from __future__ import annotations

from . import approvals, audit, budgets, forms, leases, runs, tracking
from .db import Migrations

MIGRATIONS: tuple[Migrations, ...] = (
    approvals.MIGRATIONS,
    audit.MIGRATIONS,
    budgets.MIGRATIONS,
    forms.MIGRATIONS,
    leases.MIGRATIONS,
    runs.MIGRATIONS,
    tracking.MIGRATIONS,
)
