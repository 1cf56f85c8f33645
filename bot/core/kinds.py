"""Run or session: the one word for what the bot starts, follows, stores and links to.

A task's run and a runbook's session are started, followed and linked to differently, and the
bot names the difference with `Kind` everywhere (policy, launch, the store, the tracker, the
blocks). Two spellings of it are kept because they are already stored and counted:

- the value (`run`, `session`): the tracker's tables (`tracked`, `tracked_posts`), its lease
  names (`tracked:<kind>:...`) and the `kind` label of the tracker's metrics;
- `target` (`task`, `runbook`), what was started: `slack_runs.kind`, audit details, the
  `kind` label of `runs_started_total` and `policy_refusals_total`, and modal metadata.

`Kind(...)` reads either spelling, so every stored row, old or new, reads back as the same
member; writers keep the spelling their column always had, so a replica still running older
code reads what a newer one wrote.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["Kind"]


class Kind(StrEnum):
    """A task run or a runbook session."""

    RUN = "run"
    SESSION = "session"

    @classmethod
    def _missing_(cls, value: object) -> Kind | None:
        # The other stored spelling: what was started (see the module docstring).
        for kind in cls:
            if kind.target == value:
                return kind
        return None

    @property
    def target(self) -> str:
        """What is started: `task` for a run, `runbook` for a session."""
        return "task" if self is Kind.RUN else "runbook"

    @property
    def path(self) -> str:
        """Its collection in Airplane's web app and API paths: `runs` or `sessions`."""
        return f"{self.value}s"
