"""Metric functions against hand-computed JSON tables and brute-force enumeration."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest

from reward_signal.eval.metrics import (
    ProblemOutcome,
    bootstrap_ci,
    group_answers,
    k_ladder,
    maj_at_k,
    pass_at_k,
    summarize,
)
from tests.conftest import ASSETS

CASES = ASSETS / "eval"


def _cases(name: str) -> list[dict]:
    return json.loads((CASES / name).read_text())["cases"]


@pytest.mark.parametrize("case", _cases("pass_at_k.json"), ids=lambda c: c["name"])
def test_pass_at_k_hand_computed(case: dict) -> None:
    assert pass_at_k(case["n"], case["c"], case["k"]) == pytest.approx(case["expected"], abs=1e-12)


@pytest.mark.parametrize("n", range(1, 9))
def test_pass_at_k_matches_enumeration_of_all_k_subsets(n: int) -> None:
    for c in range(n + 1):
        samples = [True] * c + [False] * (n - c)
        for k in range(1, n + 1):
            subsets = list(itertools.combinations(samples, k))
            brute = sum(any(s) for s in subsets) / len(subsets)
            assert pass_at_k(n, c, k) == pytest.approx(brute, abs=1e-12), (n, c, k)


@pytest.mark.parametrize(("n", "c", "k"), [(4, 5, 1), (4, -1, 1), (4, 2, 0), (4, 2, 5)])
def test_pass_at_k_rejects_impossible_arguments(n: int, c: int, k: int) -> None:
    with pytest.raises(ValueError, match="pass@k needs"):
        pass_at_k(n, c, k)


@pytest.mark.parametrize("case", _cases("maj_at_k.json"), ids=lambda c: c["name"])
def test_maj_at_k_hand_computed(case: dict) -> None:
    assert maj_at_k(case["groups"], case["correct"], case["k"]) == pytest.approx(case["expected"], abs=1e-12)


@pytest.mark.parametrize(("n", "ladder"), [(1, [1]), (2, [1, 2]), (16, [1, 2, 4, 8, 16]), (6, [1, 2, 4, 6])])
def test_k_ladder(n: int, ladder: list[int]) -> None:
    assert k_ladder(n) == ladder


def test_summarize_every_metric_hand_computed() -> None:
    table = json.loads((CASES / "summary_case.json").read_text())
    problems = [ProblemOutcome(**{k: tuple(v) for k, v in p.items()}) for p in table["problems"]]
    metrics = summarize(problems, seed=0)
    for key, expected in table["expected"].items():
        assert metrics[key] == pytest.approx(expected, abs=1e-12), key
    low, high = metrics["mean@n:n=4:ci95"]
    assert 0.25 <= low <= 0.625 <= high <= 1.0
    assert set(metrics) == {*table["expected"], "mean@n:n=4:ci95"}


def test_summarize_names_the_smallest_n_and_leaves_unknown_lengths_empty() -> None:
    problems = [
        ProblemOutcome(correct=(True, False), groups=(0, 1), tokens=(None, None), truncated=(None, None)),
        ProblemOutcome(
            correct=(True, True, True), groups=(0, 0, 0), tokens=(None,) * 3, truncated=(None,) * 3
        ),
    ]
    metrics = summarize(problems)
    assert metrics["mean@n:n=2"] == pytest.approx(0.75)  # per-problem accuracy, each over its own samples
    assert metrics["pass@k:k=2&n=2"] == pytest.approx(1.0)
    assert metrics["mean_response_tokens"] is None and metrics["truncation_rate"] is None


def test_bootstrap_ci_is_seeded_and_matches_the_normal_approximation() -> None:
    values = [1.0] * 15 + [0.0] * 15
    low, high = bootstrap_ci(values, seed=3)
    assert (low, high) == bootstrap_ci(values, seed=3)
    half_width = 1.96 * np.sqrt(0.25 / 30)  # 0.179
    assert low == pytest.approx(0.5 - half_width, abs=0.03)
    assert high == pytest.approx(0.5 + half_width, abs=0.03)


@pytest.mark.parametrize("value", [0.0, 1.0])
def test_bootstrap_ci_of_constant_values_has_zero_width(value: float) -> None:
    assert bootstrap_ci([value] * 30, seed=0) == (value, value)


def test_group_answers_merges_equivalent_strings_and_skips_missing_ones() -> None:
    calls: list[tuple[str, str]] = []

    def same(a: str, b: str) -> bool:
        calls.append((a, b))
        return {a, b} == {"1/2", "0.5"}

    labels = group_answers(["1/2", None, "0.5", "3", "1/2", " ", "3"], same)
    assert labels == [0, None, 0, 1, 0, None, 1]
    assert calls == [("1/2", "0.5"), ("1/2", "3")]  # repeats of a seen string cost nothing
