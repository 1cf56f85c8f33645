"""The bounds bench/tracking.py measures the bot against: Slack's budgets, computed right."""

from __future__ import annotations

import pytest

from bench.tracking import ideal_prompts


def test_a_lone_prompt_is_shown_at_once_parent_first() -> None:
    """With the budget full, a prompt's parent and the prompt itself go within one step."""
    delays, unseen = ideal_prompts([], [(10.0, 30.0, "C1", "run_1")])
    assert unseen == 0
    assert delays == [pytest.approx(0.01, abs=0.011)]


def test_a_surge_of_prompts_waits_for_chat_post_messages_budget() -> None:
    """40 prompts opening at once in 40 channels need 80 posts: 30 from the burst at once,
    the other 50 at 5 a second, so the last prompt is shown about 10 s later."""
    surge = [(0.0, 60.0, f"C{n}", f"run_{n}") for n in range(40)]
    delays, unseen = ideal_prompts([], surge)
    assert unseen == 0
    assert max(delays) == pytest.approx(10.0, abs=0.5)


def test_a_prompt_answered_before_its_turn_is_unseen_and_costs_nothing() -> None:
    """Answered 1 s after opening, behind a surge: never posted, counted unseen."""
    surge = [(0.0, 60.0, f"C{n}", f"run_{n}") for n in range(40)]
    late = (0.5, 1.5, "C99", "run_99")
    delays, unseen = ideal_prompts([], [*surge, late])
    assert unseen == 1
    assert len(delays) == 40


def test_parents_in_order_of_creation_take_only_what_prompts_leave() -> None:
    """Parents created before the prompt spend the burst; the prompt then waits its turn."""
    parents = [(0.0, f"C{n}", f"run_{n}") for n in range(100)]
    alone, _ = ideal_prompts([], [(2.0, 60.0, "C5", "run_5")])
    crowded, _ = ideal_prompts(parents, [(2.0, 60.0, "C5", "run_5")])
    assert crowded[0] > alone[0] + 0.1
