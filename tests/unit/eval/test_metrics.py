"""Metric functions against hand-computed JSON tables and brute-force enumeration."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest

from reward_signal.eval.metrics import (
    ProblemOutcome,
    group_answers,
    k_ladder,
    maj_at_k,
    pass_at_k,
    summarize,
    wilson_interval,
)
from reward_signal.eval.summary import MACRO, POOLED, compute_metrics
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
    metrics = summarize(problems)
    for key, expected in table["expected"].items():
        assert metrics[key] == pytest.approx(expected, abs=1e-12), key
    low, high = metrics["mean@n:n=4:ci95"]
    assert 0.0 < low <= 0.625 <= high <= 1.0
    assert set(metrics) == {*table["expected"], *(f"{k}:ci95" for k in table["expected"] if "@" in k)}


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


def _coverage(problems: int, accuracy: float, samples: int, method: str, trials: int = 2000) -> float:
    """Share of simulated benchmarks whose 95% interval covers the true mean accuracy.

    Each problem has its own solve rate (Beta around `accuracy`: hard and easy problems, as on AIME), and
    its per-problem value is the mean of `samples` samples, as `reward-signal eval` computes it.
    """
    rng = np.random.default_rng(7)
    a = 0.5
    rates = rng.beta(a, a * (1 - accuracy) / accuracy, size=(trials, problems))
    values = rng.binomial(samples, rates) / samples
    truth = accuracy
    if method == "wilson":
        bounds = np.array([wilson_interval(float(v.mean()), problems) for v in values])
    else:  # percentile bootstrap, 1000 resamples: what summarize used before
        picks = rng.integers(0, problems, size=(trials, 1000, problems))
        means = np.take_along_axis(values[:, None, :], picks, axis=2).mean(axis=2)
        bounds = np.quantile(means, [0.025, 0.975], axis=1).T
    return float(np.mean((bounds[:, 0] <= truth) & (truth <= bounds[:, 1])))


@pytest.mark.parametrize("samples", [1, 16])
@pytest.mark.parametrize(("problems", "accuracy"), [(30, 0.03), (30, 0.05), (30, 0.1), (83, 0.4), (500, 0.7)])
def test_wilson_covers_at_least_nominal_where_the_percentile_bootstrap_does_not(
    problems: int, accuracy: float, samples: int
) -> None:
    wilson = _coverage(problems, accuracy, samples, "wilson")
    assert wilson >= 0.93, (problems, accuracy, samples, wilson)
    if (problems, accuracy, samples) == (30, 0.05, 1):  # measured 0.78: why summarize no longer bootstraps
        assert _coverage(problems, accuracy, samples, "bootstrap") < 0.85


@pytest.mark.parametrize("mean", [0.0, 1.0, 0.5])
def test_wilson_interval_is_never_zero_width_and_stays_in_0_1(mean: float) -> None:
    low, high = wilson_interval(mean, 30)
    assert 0.0 <= low <= mean <= high <= 1.0
    assert high - low > 0.05
    assert wilson_interval(0.0, 30)[1] == pytest.approx(0.1135, abs=1e-3)


def test_maj_at_k_uses_every_sample_when_k_does_not_divide_n() -> None:
    # 6 samples, k=4: windows [0..3], [4,5,0,1], [2..5]; the old floor(n/k) blocks ignored samples 4 and 5.
    groups = [0, 0, 1, 1, 1, 1]
    correct = [True, True, False, False, False, False]
    # window 1: tie 0/1 -> 0.5; window 2: {1,1,0,0} tie -> 0.5; window 3: all 1 -> 0.0
    assert maj_at_k(groups, correct, 4) == pytest.approx((0.5 + 0.5 + 0.0) / 3)
    assert maj_at_k(groups, correct, 3) == pytest.approx((1.0 + 0.0) / 2)  # k | n: disjoint blocks


def test_every_accuracy_metric_has_a_ci_and_macro_average_differs_from_pooled() -> None:
    def problems(count: int, solved: int) -> list[list[dict]]:
        return [[{"score": 1.0 if i < solved else 0.0, "answer_group": 0}] * 2 for i in range(count)]

    metrics = compute_metrics({"aime": problems(30, 3), "math500": problems(500, 380)})
    for row in (metrics["aime"], metrics[POOLED], metrics[MACRO]):
        for key in [k for k in row if k.startswith(("mean@", "pass@", "maj@")) and not k.endswith(":ci95")]:
            low, high = row[f"{key}:ci95"]
            assert low < row[key] < high, key
    assert metrics[MACRO]["mean@n:n=2"] == pytest.approx((0.1 + 0.76) / 2)
    assert metrics[POOLED]["mean@n:n=2"] == pytest.approx((3 + 380) / 530)


def test_group_answers_merges_equivalent_strings_and_skips_missing_ones() -> None:
    calls: list[tuple[str, str]] = []

    def same(a: str, b: str) -> bool:
        calls.append((a, b))
        return {a, b} == {"1/2", "0.5"}

    labels = group_answers(["1/2", None, "0.5", "3", "1/2", " ", "3"], same)
    assert labels == [0, None, 0, 1, 0, None, 1]
    assert calls == [("1/2", "0.5"), ("1/2", "3")]  # repeats of a seen string cost nothing
