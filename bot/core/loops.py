"""Keeping a background loop alive: catch every error, log once per reason, back off.

A loop that runs for the life of the bot (the tracker's cycle, its lease rounds, an outbox
channel's worker, the request budget's dispatcher) must outlive whatever goes wrong in one
turn, Airplane's errors or a bug alike, and must not flood the log while the same thing keeps
going wrong. `Troubles` is that rule, once: `failed(error)` logs the first failure of each
distinct reason (with its trace when the error is not one the bot knows: a bug) and later repeats
at DEBUG, and says how long to pause (doubling up to a cap); `recovered()` logs the return to
normal once. No clock and no sleeping here: the loop sleeps as it always does.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from airplane_api import AirplaneError

from .errors import BotError

__all__ = ["Troubles", "one_line"]


def one_line(error: BaseException) -> str:
    """One line saying what went wrong (never a traceback: the log keeps one line per event)."""
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


class Troubles:
    """The failures of one loop (`what` names it in the log), for its logging and backoff."""

    def __init__(
        self, log: logging.Logger, what: str, *, base: float = 1.0, cap: float = 30.0
    ) -> None:
        self._log = log
        self._what = what
        self._base = base
        self._cap = cap
        self.failures = 0
        self.last_reason = ""  # the latest reason, for a note that says what keeps failing
        self._failing: frozenset[str] = frozenset()

    def failed(self, error: BaseException) -> float:
        """Count a failed turn; log it if its reason is new; the pause before the next turn."""
        return self.failed_for({one_line(error): error})

    def failed_for(self, problems: Mapping[str, BaseException | None]) -> float:
        """Count a turn that failed for each of `problems` (a reason, and the error behind it
        when there is one): log the reasons that were not failing the turn before, and return
        the pause before the next turn. A turn of several steps (approvals' upkeep) fails for
        several reasons at once; each is logged once while it lasts."""
        self.failures += 1
        for why in sorted(problems):
            if why in self._failing:
                self._log.debug("%s failed again (%s)", self._what, why)
                continue
            error = problems[why]
            # An error the bot knows (Airplane or Slack down, the store away) is one line; any
            # other is a bug, and its trace is what finds it.
            known = error is None or isinstance(error, BotError | AirplaneError)
            self._log.warning(
                "%s failed (%s); carrying on with backoff",
                self._what,
                why,
                exc_info=None if known else error,
            )
        self._failing = frozenset(problems)
        self.last_reason = min(problems, default="")
        return self.pause(self._base)

    def pause(self, normal: float) -> float:
        """`normal`, doubled for each failure in a row, at most the cap (but never less)."""
        if not self.failures:
            return normal
        # The exponent stops growing long before a float would overflow (2.0**1024 does).
        return max(normal, min(self._cap, normal * 2.0 ** min(self.failures, 32)))

    def recovered(self) -> None:
        """A turn went well: say so once if it had been failing, and forget the failures."""
        if self.failures:
            self._log.info("%s works again after %d failures", self._what, self.failures)
        self.failures = 0
        self.last_reason = ""
        self._failing = frozenset()
