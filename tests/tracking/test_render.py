"""Pure rendering helpers of the tracking messages."""

from __future__ import annotations

from bot.core.kinds import Kind
from bot.tracking.model import PromptFact, Step
from bot.tracking.render import step_message, step_prompt, who


def test_requesters_render_as_mentions_when_they_are_slack_users() -> None:
    """Slack user IDs (bare or as acting-for labels) become mentions; other labels stay."""
    assert who("U0ALICE") == "<@U0ALICE>"
    assert who("slack:U0ALICE") == "<@U0ALICE>"
    assert who("ci-key") == "ci-key"


def test_a_decided_prompt_step_says_who_decided_it() -> None:
    """A runbook's prompt step reads "Approved by @bob" with what bob chose, or who rejected
    it and how, instead of the bare "Step approve: Succeeded"."""
    step = Step("pmt_1", "approve", "Succeeded", prompt_id="pmt_1")
    approved = PromptFact(
        "pmt_1", "submitted", decided_by="slack:U0BOB", verdict="Release", values={"reason": "ok"}
    )
    text = step_message(step, Kind.SESSION, prompt=approved).text
    assert text == ":white_check_mark: Step *approve*: Approved by <@U0BOB> (reason = `ok`)"
    assert "Succeeded" not in text
    rejected = PromptFact("pmt_1", "cancelled", decided_by="bob@example.com", verdict="Abort")
    cancelled = Step("pmt_1", "approve", "Cancelled", prompt_id="pmt_1")
    names = {"bob@example.com": "<@U0BOB>"}
    text = step_message(cancelled, Kind.SESSION, prompt=rejected, names=names).text
    assert text == ":no_entry: Step *approve*: Rejected by <@U0BOB> (Abort)"


def test_a_prompt_step_without_a_decision_reads_its_status() -> None:
    """Waiting, or decided by nobody known: the status, as any step."""
    step = Step("pmt_1", "approve", "Waiting", prompt_id="pmt_1")
    pending = PromptFact("pmt_1", "pending")
    assert step_message(step, Kind.SESSION, prompt=pending).text.endswith("*approve*: Waiting")
    assert step_prompt(step, [pending]) is pending
    assert step_prompt(Step("run_1", "build", "Active"), [pending]) is None


def test_a_decided_prompt_steps_foreign_text_is_escaped() -> None:
    """A label, a verdict and chosen values come from Airplane: shown as typed, inert."""
    step = Step("pmt_1", "<!here> *x*", "Succeeded", prompt_id="pmt_1")
    fact = PromptFact("pmt_1", "submitted", decided_by="<!channel>", values={"<a>": "<@U1>"})
    text = step_message(step, Kind.SESSION, prompt=fact).text
    assert "<!" not in text
    assert "<@U1>" not in text
    assert "&lt;!channel&gt;" in text
    assert "`&lt;@U1&gt;`" in text
