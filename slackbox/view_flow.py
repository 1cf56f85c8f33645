"""What Slack does with the app's answer to a `view_submission` (`response_action`).

No answer (or an empty one) closes the submitted view; `errors` keeps it open with messages
under the named blocks; `update` replaces it; `push` stacks a new one; `clear` closes them all.
An invalid `update`/`push` view is refused as Slack does (the modal stays as it was) and
recorded in `slack.rejected`.
"""

from __future__ import annotations

from typing import Any

from .state import ApiCall, ViewRecord, Workspace
from .validation import validate_view


def apply_submission_answer(workspace: Workspace, record: ViewRecord, answer: Any) -> None:
    """Change the view stack as Slack would after the app answered a submission."""
    action = answer.get("response_action") if isinstance(answer, dict) else None
    if action is None:
        record.closed = True
        return
    if action == "errors":
        errors = answer.get("errors") or {}
        record.errors = {str(k): str(v) for k, v in errors.items()}
        return
    if action == "clear":
        for view in workspace.open_views(record.user):
            view.closed = True
        return
    view = answer.get("view")
    problems = validate_view(view)
    if problems:
        workspace.rejected.append(
            ApiCall(
                f"view_submission:{action}",
                dict(answer),
                None,
                200,
                {"ok": False, "errors": problems},
            )
        )
        return
    if action == "update":
        record.versions.append(view)
        record.hash = workspace.clock.next()
        record.errors = {}
    elif action == "push":
        pushed_id = workspace.ids.make("V")
        workspace.views[pushed_id] = ViewRecord(
            id=pushed_id,
            user=record.user,
            type="modal",
            versions=[view],
            hash=workspace.clock.next(),
            root_view_id=record.root_view_id,
            previous_view_id=record.id,
        )
