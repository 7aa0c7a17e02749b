"""Rule-based grading against a JSON table of cases, plus the API's edge behaviour."""

from __future__ import annotations

import json
import threading

import pytest

from reward_signal.rewards import Grade, extract_answer, grade, grade_many, same_answer
from tests.conftest import ASSETS

CASES = json.loads((ASSETS / "rewards" / "grading_cases.json").read_text())


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_grade_case(case: dict) -> None:
    verdict = grade(case["solution"], case["gold"])
    assert isinstance(verdict, Grade)
    assert verdict.correct is case["correct"]
    assert verdict.format_ok is case["format_ok"]
    assert not verdict.timed_out
    if "pred" in case:
        assert verdict.pred == case["pred"]


def test_grade_many_matches_grade() -> None:
    solutions = [c["solution"] for c in CASES]
    golds = [c["gold"] for c in CASES]
    assert [g.correct for g in grade_many(solutions, golds)] == [c["correct"] for c in CASES]


def test_grade_many_rejects_mismatched_lengths() -> None:
    with pytest.raises(ValueError, match="2 solutions but 1"):
        grade_many(["a", "b"], ["1"])


def test_grade_from_non_main_thread_scores_correct_answers() -> None:
    """math-verify's signal timeout fails off the main thread; ours must still pay 1 for right answers."""
    results: list[Grade] = []
    # Inputs seen nowhere else in the tests, so each goes through the worker pool (no remembered verdict).
    cases = [
        ("\\boxed{3\\sqrt{3}}", "\\sqrt{27}"),
        ("so we get $x = \\frac{7}{8}$", "0.875"),
        ("\\boxed{\\frac{\\pi}{4}}", "\\frac{1}{4}\\pi"),
    ]
    thread = threading.Thread(target=lambda: results.extend(grade(s, g) for s, g in cases))
    thread.start()
    thread.join(timeout=60)
    assert [r.correct for r in results] == [True, True, True]


def test_extract_answer() -> None:
    assert extract_answer("a \\boxed{1} b \\boxed{x^2}") == "x^2"
    assert extract_answer("<think>\\boxed{1}") is None
    assert extract_answer("so the result is 17") == "17"
    assert extract_answer("") is None


def test_same_answer() -> None:
    assert same_answer("\\frac{1}{2}", "0.5")
    assert same_answer("2\\sqrt{2}", "\\sqrt{8}")
    assert not same_answer("3", "4")
    assert not same_answer("x+1", "x+2")


# One case per answer rule (docs/rewards.md, "Answer rules"): (response, gold, verdict).
RULES = {
    "boxes-combined-for-multi-part-gold": ("The integers are \\boxed{-2} and \\boxed{1}.", "1,-2", True),
    "labelled-boxes-for-ordered-pair": ("So $\\boxed{x=2}$ and $\\boxed{y=3}$.", "(2,3)", True),
    "ordered-pair-keeps-order": ("So $\\boxed{x=3}$ and $\\boxed{y=2}$.", "(2,3)", False),
    "interval-endpoints-are-not-the-interval": ("\\boxed{-2} and \\boxed{7}", "[-2,7]", False),
    "hedged-boxes-score-zero": ("The answer is \\boxed{3} or \\boxed{5}.", "5", False),
    "corrected-box-is-final": (
        "We first get \\boxed{5}; fixing the sign, the answer is \\boxed{7}.",
        "7",
        True,
    ),
    "inequality-vs-interval": ("\\boxed{-2 \\le x \\le 7}", "x \\in [-2,7]", True),
    "function-inequality-vs-interval": ("\\boxed{0<f(x)<1}", "(0,1)", True),
    "or-inequalities-vs-union": (
        "\\boxed{x \\le -1 \\text{ or } x \\ge 1}",
        "(-\\infty,-1]\\cup[1,\\infty)",
        True,
    ),
    "strictness-matters": ("\\boxed{x < -1 \\text{ or } x \\ge 1}", "(-\\infty,-1]\\cup[1,\\infty)", False),
    "line-rearranged": ("\\boxed{y=-\\frac{1}{2}x+\\frac{3}{4}}", "2x+4y-3=0", True),
    "choice-letter-in-box": ("\\boxed{\\textbf{(E) }12}", "E", True),
    "wrong-choice-letter": ("\\boxed{\\textbf{(D) }12}", "E", False),
    "no-fallback-mid-sentence": ("We multiply 6 by 7 to get 42 and then we", "42", False),
    "fallback-on-finished-text": ("Therefore the answer is 42.", "42", True),
    "text-ending-in-latex-is-finished": (
        "the final answer is \\angle OBC = 90^\\circ",
        "\\angle OBC = 90^\\circ",
        True,
    ),
    "numbers-stay-strict": ("\\boxed{6.28}", "2\\pi", False),
}


@pytest.mark.parametrize("rule", sorted(RULES))
def test_answer_rule(rule: str) -> None:
    response, gold, expected = RULES[rule]
    assert grade(response, gold).correct is expected


def test_length_limited_response_gets_no_fallback() -> None:
    """VERL's length-limit flag (extra_info `truncated`) turns the last-number fallback off."""
    assert grade("The answer is 42", "42").correct
    assert not grade("The answer is 42", "42", truncated=True).correct
    assert grade("The answer is \\boxed{42}", "42", truncated=True).correct
    assert [g.correct for g in grade_many(["The answer is 42"] * 2, ["42"] * 2, truncated=[True, False])] == [
        False,
        True,
    ]
