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
