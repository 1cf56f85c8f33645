"""From Airplane objects to observations: pure, tolerant of fields a server leaves out."""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum

from airplane_api.models import Prompt, PromptState, Run, RunStatus, Session

from .model import Observation, PromptFact, Step


def run_fingerprint(run: Run) -> str:
    """What must differ for a run to count as changed (status, children, last update)."""
    updated = run.updated_at.isoformat() if run.updated_at else ""
    return f"{run.status.value}|{updated}|{','.join(run.child_run_ids)}"


def session_fingerprint(session: Session) -> str:
    """What must differ for a session to count as changed."""
    steps = "|".join(f"{s.run_id}:{s.status}" for s in session_steps(session))
    updated = session.updated_at.isoformat() if session.updated_at else ""
    return f"{session.status.value}|{updated}|{steps}"


class PromptCheck(Enum):
    """Whether a run just seen may have a prompt the tracker has not seen, and how urgently."""

    NONE = "none"
    # Changed in a way only its prompts can show: ask at once.
    NOW = "now"
    # Seen live for the first time (first sight, or Queued before): a prompt may have opened
    # between its start and this sight, in the same feed window, and no later listing will
    # show it. Ask every such run; those live longest before this sight first.
    WENT_LIVE = "went live"


LIVE = frozenset({RunStatus.ACTIVE})


def prompt_check(before: Run | None, after: Run, fingerprint_changed: bool) -> PromptCheck:
    """Whether a run the change feed (or a first fetch) shows may have a new prompt.

    The feed lists a run when it was updated, and a prompt counts as an update, but a run
    object does not show its prompts. So a live run listed with nothing visible changed (the
    documented API: no `updatedAt`), or with only its `updatedAt` moved (airfield), has changed
    in a way only its prompts can show. A run that went live since the last sight may have
    opened a prompt in the same window: airfield's `updatedAt` says whether anything happened
    after `activeAt`; the documented API cannot say, so each such run is asked once. A status
    change between live statuses explains itself; queued and ended runs have no open prompt;
    a run listed again with the same `updatedAt` is the feed's overlap repeating an update.
    """
    if after.status not in LIVE:
        return PromptCheck.NONE
    if before is None or before.status not in LIVE:
        if after.updated_at is not None and after.active_at is not None:
            return PromptCheck.NOW if after.updated_at > after.active_at else PromptCheck.NONE
        return PromptCheck.WENT_LIVE
    if not fingerprint_changed:
        return PromptCheck.NOW if after.updated_at is None else PromptCheck.NONE
    return PromptCheck.NOW if before.status == after.status else PromptCheck.NONE


def live_for(run: Run, now: float) -> float:
    """Seconds since `run` went live, by its `activeAt` (0 when unknown)."""
    return max(0.0, now - run.active_at.timestamp()) if run.active_at else 0.0


def observe_run(run: Run, children: Mapping[str, Run]) -> Observation:
    """A run's observation; child runs known from the feed show with their status."""
    steps = tuple(
        Step(child_id, _task_label(children[child_id]), children[child_id].status.value)
        for child_id in run.child_run_ids
        if child_id in children
    )
    return Observation(
        status=run.status.value,
        started_at=run.active_at or run.created_at,
        ended_at=run.ended_at,
        created_by=run.created_by,
        steps=steps,
        cancelled_by=run.cancelled_by if run.status.value == "Cancelled" else "",
    )


def prompt_fact(prompt: Prompt) -> PromptFact:
    """What the parent and thread tell of a prompt: its state, reviewers, who decided and how."""
    state = prompt.state
    reviewers = (*prompt.reviewers.users, *(f"group:{g}" for g in prompt.reviewers.groups))
    if state is PromptState.SUBMITTED:
        return PromptFact(
            prompt.id,
            state.value,
            reviewers,
            prompt.submitted_by,
            prompt.confirm_text or "Approve",
            values=dict(prompt.values),
        )
    if state is PromptState.CANCELLED:
        return PromptFact(
            prompt.id, state.value, reviewers, prompt.cancelled_by, prompt.cancel_text or "Reject"
        )
    return PromptFact(prompt.id, state.value, reviewers)


def people_of(observation: Observation, requested_by: str) -> set[str]:
    """Every label the messages of this observation name (to resolve them before rendering)."""
    labels = {requested_by or observation.created_by, observation.cancelled_by}
    for prompt in observation.prompts:
        labels.update(prompt.reviewers)
        labels.add(prompt.decided_by)
    labels.discard("")
    return labels


def observe_session(session: Session) -> Observation:
    """A session's observation; airfield lists its steps (other servers may not)."""
    ended = session.updated_at if session.status.is_terminal else None
    return Observation(
        status=session.status.value,
        started_at=session.created_at,
        ended_at=ended,
        created_by=session.created_by,
        steps=session_steps(session),
    )


def session_steps(session: Session) -> tuple[Step, ...]:
    """Steps that have started (a run or a prompt), from the `steps` extra field."""
    raw = (session.model_extra or {}).get("steps")
    if not isinstance(raw, list):
        return ()
    steps = []
    for index, step in enumerate(raw):
        if not isinstance(step, dict) or step.get("status") in (None, "Pending"):
            continue
        prompt_id = "" if step.get("runID") else str(step.get("promptID") or "")
        ident = str(step.get("runID") or prompt_id or f"step{index}")
        name = str(step.get("name") or f"step {index + 1}")
        steps.append(Step(ident, name, str(step["status"]), prompt_id=prompt_id))
    return tuple(steps)


def waiting_prompt_ids(session: Session) -> list[str]:
    """Prompt IDs of the session's steps that wait on people."""
    raw = (session.model_extra or {}).get("steps")
    if not isinstance(raw, list):
        return []
    return [
        str(step["promptID"])
        for step in raw
        if isinstance(step, dict) and step.get("promptID") and step.get("status") == "Waiting"
    ]


def _task_label(run: Run) -> str:
    return run.task_slug or run.task_id or "task"
