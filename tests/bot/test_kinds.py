"""`Kind`: one enum for run versus session, reading both spellings the bot has stored."""

from __future__ import annotations

import pytest

from bot.blocks.modal import ModalMetadata
from bot.blocks.runs import run_link
from bot.core.kinds import Kind


@pytest.mark.parametrize(
    ("text", "kind"),
    [("run", Kind.RUN), ("task", Kind.RUN), ("session", Kind.SESSION), ("runbook", Kind.SESSION)],
)
def test_either_stored_spelling_reads_as_one_kind(text: str, kind: Kind) -> None:
    """The tracker's tables say run/session; slack_runs, audit and metrics say task/runbook."""
    assert Kind(text) is kind


def test_unknown_spelling_is_refused() -> None:
    """A typo is not quietly a run."""
    with pytest.raises(ValueError, match="workflow"):
        Kind("workflow")


def test_each_kind_names_its_target_and_path() -> None:
    """What is started (policy, audit, metric labels) and where Airplane shows it."""
    assert [(k.value, k.target, k.path) for k in Kind] == [
        ("run", "task", "runs"),
        ("session", "runbook", "sessions"),
    ]
    assert run_link("https://app.example/", "ses1", Kind.SESSION) == (
        "https://app.example/sessions/ses1"
    )


@pytest.mark.parametrize("kind", list(Kind))
def test_modal_metadata_keeps_the_older_spelling(kind: Kind) -> None:
    """A form opened by an older bot (task/runbook) submits to this one, and the other way."""
    text = ModalMetadata(kind=kind, slug="s").dump()
    assert f'"kind":"{kind.target}"' in text
    assert ModalMetadata.load(text).kind is kind
    assert ModalMetadata.load(f'{{"kind": "{kind.target}"}}').kind is kind
