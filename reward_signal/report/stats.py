"""The statistics behind the report's flags: noise of a validation curve, and the two one-sided tests.

Why tests and not fixed thresholds: greedy validation of a 30-problem benchmark moves by about 0.05
between validations of an unchanged policy, so "best minus last >= 0.03" fired on most flat runs. Each
flag here compares what it sees with what noise alone would give, at a stated false-positive rate
(`ALPHA`); the simulations in tests/unit/report/test_flag_rates.py measure both error rates.

Noise of one validation point: the held-out value of benchmark b is a mean over N_b problems x n_b
samples, so its binomial standard error is at most sqrt(p(1-p) / (N_b n_b)) (the bound holds whatever
the spread of per-problem solve rates). N_b comes from the data manifest, n_b from the `mean@n` key.
When N_b is unknown the noise is estimated from the curve itself (first differences, which a slow trend
barely affects).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

ALPHA = 0.05  # false-positive rate of each flag on a run where nothing happened
NULL_DRAWS = 4000  # Monte-Carlo draws of the overfit statistic under no change (fixed seed)
SMOOTHING = 3  # validation points averaged for the peak and for the final value
MIN_POINTS = 5  # fewer validation points than this: the overfit flag is not computed


@dataclass(frozen=True)
class Noisy:
    """A curve with the standard error of every point, and where that error came from."""

    steps: np.ndarray
    values: np.ndarray
    se: np.ndarray
    se_from: str  # "binomial" or "empirical"


def binomial_se(values: np.ndarray, trials: float) -> np.ndarray:
    """Standard error of accuracies measured on `trials` graded samples, never zero.

    p is kept half a sample away from 0 and 1, so an all-wrong validation still has some noise.
    """
    floor = 0.5 / trials
    p = np.clip(values, floor, 1 - floor)
    return np.sqrt(p * (1 - p) / trials)


def empirical_se(values: np.ndarray) -> float:
    """Point noise from first differences: for independent noise their spread is sqrt(2) times it, and
    a slow trend only shifts their mean."""
    if len(values) < 3:
        return float("nan")
    return float(np.std(np.diff(values), ddof=1) / math.sqrt(2))


def macro_mean(curves: list[Noisy]) -> Noisy:
    """Equal-weight mean over benchmarks of curves sampled at the same steps; errors add in quadrature."""
    values = np.mean([c.values for c in curves], axis=0)
    se = np.sqrt(np.sum([c.se**2 for c in curves], axis=0)) / len(curves)
    sources = {c.se_from for c in curves}
    return Noisy(curves[0].steps, values, se, sources.pop() if len(sources) == 1 else "mixed")


def _window_means(values: np.ndarray, width: int) -> np.ndarray:
    """Means of every run of `width` consecutive points (the last axis)."""
    cumulative = np.cumsum(np.concatenate([np.zeros((*values.shape[:-1], 1)), values], axis=-1), axis=-1)
    return (cumulative[..., width:] - cumulative[..., :-width]) / width


@dataclass(frozen=True)
class DropTest:
    """Peak of the smoothed held-out curve against its final value, and what noise alone would give."""

    peak_step: int
    peak: float  # smoothed
    final: float  # mean of the last SMOOTHING points
    critical: float  # the drop noise alone exceeds with probability ALPHA
    p_value: float

    @property
    def drop(self) -> float:
        return self.peak - self.final


def drop_test(curve: Noisy, seed: int = 0) -> DropTest | None:
    """One-sided test of "the policy ended worse than its best", None below MIN_POINTS points.

    Statistic: max over windows of SMOOTHING consecutive validation means, minus the last window. Its
    null distribution is simulated with each point's own standard error and no change in the policy,
    so the test accounts for taking the best of many noisy points (more validations, more chances).
    """
    if len(curve.values) < MIN_POINTS or not np.all(np.isfinite(curve.se)):
        return None
    width = min(SMOOTHING, len(curve.values) // 2)
    smooth = _window_means(curve.values, width)
    best = int(np.argmax(smooth))
    observed = float(smooth[best] - smooth[-1])
    rng = np.random.default_rng(seed)
    noise = rng.standard_normal((NULL_DRAWS, len(curve.values))) * curve.se
    null_smooth = _window_means(noise, width)
    null = null_smooth.max(axis=1) - null_smooth[:, -1]
    return DropTest(
        peak_step=int(curve.steps[best + width // 2]),
        peak=float(smooth[best]),
        final=float(smooth[-1]),
        critical=float(np.quantile(null, 1 - ALPHA)),
        p_value=float((np.sum(null >= observed) + 1) / (NULL_DRAWS + 1)),
    )


@dataclass(frozen=True)
class Rise:
    """Mean of a curve's last points minus mean of its first, with a standard error."""

    value: float
    se: float

    def upper(self) -> float:
        """One-sided (1 - ALPHA) upper confidence bound."""
        return self.value + float(_Z_ONE_SIDED) * self.se


_Z_ONE_SIDED = 1.6448536269514722  # NormalDist().inv_cdf(1 - ALPHA)


def rise(values: np.ndarray, fraction: float, se: np.ndarray | None = None) -> Rise:
    """Rise over the first and last `fraction` of points (at least one each).

    `se` per point when known (binomial); otherwise the point noise is estimated from first differences.
    """
    k = max(1, math.ceil(len(values) * fraction))
    value = float(np.mean(values[-k:]) - np.mean(values[:k]))
    if se is None:
        point = empirical_se(values)
        error = point * math.sqrt(2 / k) if math.isfinite(point) else float("inf")
    else:
        error = math.sqrt(float(np.mean(se[-k:] ** 2) + np.mean(se[:k] ** 2)) / k)
    return Rise(value, error)
