"""Pure metric functions over per-problem sample outcomes (no I/O, no grading).

Every metric is named after its parameters (`pass@k:k=1&n=16`) so numbers for different k or n
never collide when results from several runs are merged.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np


@dataclass(frozen=True)
class ProblemOutcome:
    """What the metrics need to know about one problem's samples, in sample-id order.

    `groups[i]` labels sample i's extracted answer by equivalence class (None = no answer);
    `tokens[i]` and `truncated[i]` are None when the source did not record them.
    """

    correct: tuple[bool, ...]
    groups: tuple[int | None, ...]
    tokens: tuple[int | None, ...]
    truncated: tuple[bool | None, ...]

    @property
    def n(self) -> int:
        return len(self.correct)


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased pass@k (Chen et al. 2021): 1 - C(n-c, k) / C(n, k).

    Computed as 1 - prod_{i=n-c+1}^{n} (1 - k/i), which never forms the huge binomials.
    """
    if not 0 <= c <= n or not 1 <= k <= n:
        raise ValueError(f"pass@k needs 0 <= c <= n and 1 <= k <= n, got n={n}, c={c}, k={k}")
    if n - c < k:
        return 1.0
    return float(1.0 - np.prod(1.0 - k / np.arange(n - c + 1, n + 1)))


def majority_correct(groups: Sequence[int | None], correct: Sequence[bool]) -> float:
    """Expected correctness of the majority answer among these samples, ties broken uniformly at random.

    Samples without an answer do not vote; with no answer at all the vote is wrong (0.0). A group
    counts as correct when its first member is, so equivalent answers graded differently cannot split it.
    """
    votes = Counter(g for g in groups if g is not None)
    if not votes:
        return 0.0
    top = max(votes.values())
    winners = [g for g, count in votes.items() if count == top]
    first_correct = {}
    for g, ok in zip(groups, correct, strict=True):
        if g is not None and g not in first_correct:
            first_correct[g] = bool(ok)
    return sum(first_correct[g] for g in winners) / len(winners)


def maj_at_k(groups: Sequence[int | None], correct: Sequence[bool], k: int) -> float:
    """maj@k averaged over windows of k consecutive samples, read cyclically from starts 0, k, 2k, ...

    The windows continue around the end until every sample has been used equally often
    (n / gcd(n, k) windows): disjoint blocks when k divides n, and no sample left out when it does not.
    """
    n = len(groups)
    if not 1 <= k <= n:
        raise ValueError(f"maj@k needs 1 <= k <= n, got k={k}, n={n}")
    windows = [[(start + i) % n for i in range(k)] for start in range(0, n * k // math.gcd(n, k), k)]
    return float(
        np.mean([majority_correct([groups[i] for i in w], [correct[i] for i in w]) for w in windows])
    )


def k_ladder(n: int) -> list[int]:
    """k = 1, 2, 4, ... up to n, plus n itself when it is not a power of two."""
    ks = [1 << i for i in range(n.bit_length()) if (1 << i) <= n]
    return ks if ks[-1] == n else [*ks, n]


def wilson_interval(mean: float, count: float, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for the mean of `count` values in [0, 1] (e.g. per-problem accuracies; an
    effective, non-integer count for an average over benchmarks).

    Chosen over the percentile bootstrap by the coverage simulation in tests/unit/eval/test_metrics.py:
    on 30 AIME-like problems at 5% accuracy (greedy) the bootstrap covers 78% (nominal 95%), this interval
    at least 93%. It uses the Bernoulli variance p(1-p), the largest any [0, 1]-valued variable with
    mean p can have, so it stays honest when each problem's value is itself a mean over samples; and it
    never has zero width (an all-zero benchmark of 30 problems gives [0, 0.114]).
    """
    if count < 1:
        return (float("nan"), float("nan"))
    z = float(NormalDist().inv_cdf(0.5 + confidence / 2))
    p = min(max(mean, 0.0), 1.0)
    denom = 1 + z * z / count
    centre = (p + z * z / (2 * count)) / denom
    half = z * math.sqrt(p * (1 - p) / count + z * z / (4 * count * count)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


def _with_ci(
    metrics: dict[str, float | int | list[float] | None], name: str, values: Sequence[float]
) -> None:
    """`name` = mean of per-problem `values`, and `name:ci95` = its Wilson interval over problems."""
    mean = float(np.mean(values))
    metrics[name] = mean
    metrics[f"{name}:ci95"] = list(wilson_interval(mean, len(values)))


def _mean_known(values: Sequence[float | None]) -> float | None:
    known = [float(v) for v in values if v is not None]
    return float(np.mean(known)) if known else None


def summarize(problems: Sequence[ProblemOutcome]) -> dict[str, float | int | list[float] | None]:
    """All metrics of one dataset (or of the pooled problems of several: the problem-weighted line).

    `n` in the names is the smallest sample count among the problems; each problem's pass@k uses its own
    count. Every accuracy-like metric has a `:ci95` companion over problems (`wilson_interval`).
    """
    if not problems:
        raise ValueError("no problems to summarize")
    n = min(p.n for p in problems)
    if n == 0:
        raise ValueError("a problem has no samples")
    metrics: dict[str, float | int | list[float] | None] = {
        "n_problems": len(problems),
        "n_samples": sum(p.n for p in problems),
    }
    _with_ci(metrics, f"mean@n:n={n}", [sum(p.correct) / p.n for p in problems])
    ks = k_ladder(n)
    for k in ks:
        _with_ci(metrics, f"pass@k:k={k}&n={n}", [pass_at_k(p.n, sum(p.correct), k) for p in problems])
    for k in ks:
        _with_ci(metrics, f"maj@k:k={k}&n={n}", [maj_at_k(p.groups, p.correct, k) for p in problems])
    samples_tokens = [t for p in problems for t in p.tokens]
    samples_truncated = [t for p in problems for t in p.truncated]
    metrics["mean_response_tokens"] = _mean_known(samples_tokens)
    metrics["truncation_rate"] = _mean_known(samples_truncated)
    return metrics


def group_answers(preds: Sequence[str | None], same: Callable[[str, str], bool]) -> list[int | None]:
    """Label each answer by equivalence class: identical strings share a label at no cost, and
    distinct strings are merged when `same` (math-verify equivalence) says so."""
    labels: dict[str, int] = {}
    representatives: list[str] = []
    out: list[int | None] = []
    for pred in preds:
        if pred is None or not pred.strip():
            out.append(None)
            continue
        key = pred.strip()
        if key not in labels:
            match = next((i for i, rep in enumerate(representatives) if same(rep, key)), None)
            if match is None:
                representatives.append(key)
                match = len(representatives) - 1
            labels[key] = match
        out.append(labels[key])
    return out
