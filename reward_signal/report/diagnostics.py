"""Tell learning from overfitting and reward hacking, from one run's curves.

Definitions (README section "Report" repeats them for users):
- held-out mean: the unweighted mean over benchmarks of validation accuracy, at steps where every
  benchmark was validated.
- peak: the first step where the held-out mean is highest; drop = peak value - last value.
  `overfit` is set when drop >= `overfit_drop` (the run ended worse than it once was).
- generalization gap at a validation step: training-batch true accuracy (mean over the `window` steps
  up to it) minus the held-out mean.
- rise of a curve: mean of its last `edge_fraction` points minus mean of its first (at least one point each).
  `reward_hacking` is set when the reward paid rises by >= `hacking_reward_rise` while true accuracy
  rises by < `hacking_acc_rise`. True accuracy is the training-batch accuracy when logged, else the
  held-out mean.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from reward_signal.report.runs import BaseEval, RunData
from reward_signal.report.series import Series
from reward_signal.report.thresholds import Thresholds


@dataclass(frozen=True)
class Peak:
    """Best point of a held-out curve and what was left of it at the end."""

    step: int
    value: float
    final: float

    @property
    def drop(self) -> float:
        return self.value - self.final


@dataclass
class Diagnostics:
    """Per-run numbers for runs.csv, report.md and the figures."""

    final_train_reward: float | None = None
    final_train_acc: float | None = None
    final: dict[str, float] = field(default_factory=dict)
    final_from: str = ""
    best: dict[str, Peak] = field(default_factory=dict)
    gain: dict[str, float] = field(default_factory=dict)
    gain_from: str = ""
    heldout_mean: Series | None = None
    peak: Peak | None = None
    overfit: bool | None = None
    gap: Series | None = None
    reward_rise: float | None = None
    acc_rise: float | None = None
    acc_rise_from: str = ""
    reward_hacking: bool | None = None


@dataclass(frozen=True)
class Analysed:
    """A run with its diagnostics: the unit every cross-run figure and table iterates over."""

    run: RunData
    diag: Diagnostics

    @property
    def reward_type(self) -> str:
        return str(self.run.meta.get("reward_type") or "unknown")

    @property
    def model(self) -> str:
        return str(self.run.meta.get("model") or "unknown")

    @property
    def train_prompts(self) -> int | None:
        value = self.run.meta.get("train_prompts")
        return value if isinstance(value, int) and value > 0 else None


def tail_mean(series: Series, window: int) -> float:
    """Mean of the last `window` points: a batch mean is noisy, a short average is what a reader means."""
    return float(np.mean(series.values[-window:]))


def rise(series: Series, fraction: float) -> float:
    """Mean of the last `fraction` of points minus mean of the first (at least one point each)."""
    k = max(1, math.ceil(len(series) * fraction))
    return float(np.mean(series.values[-k:]) - np.mean(series.values[:k]))


def peak_of(series: Series) -> Peak:
    index = int(np.argmax(series.values))  # first maximum: the earliest step reaching the best value
    return Peak(
        step=int(series.steps[index]), value=float(series.values[index]), final=float(series.values[-1])
    )


def heldout_mean(heldout: dict[str, Series]) -> Series | None:
    """Mean over benchmarks at steps where all of them were validated."""
    if not heldout:
        return None
    common = sorted(set.intersection(*(set(s.steps.tolist()) for s in heldout.values())))
    if not common:
        return None
    values = np.mean(
        [s.values[np.searchsorted(s.steps, common)] for s in heldout.values()],
        axis=0,
    )
    return Series("mean over " + ", ".join(heldout), np.asarray(common, dtype=np.int64), values)


def generalization_gap(train_acc: Series, heldout: Series, window: int) -> Series | None:
    """Training accuracy (trailing `window`-step mean) minus held-out accuracy at each validation step."""
    cumulative = np.concatenate([[0.0], np.cumsum(train_acc.values)])
    hi = np.searchsorted(train_acc.steps, heldout.steps, side="right")
    lo = np.searchsorted(train_acc.steps, heldout.steps - window, side="right")
    usable = hi > lo
    if not usable.any():
        return None
    trailing = (cumulative[hi[usable]] - cumulative[lo[usable]]) / (hi[usable] - lo[usable])
    return Series("train - held-out", heldout.steps[usable], trailing - heldout.values[usable])


def _gain(run: RunData, base: BaseEval | None) -> tuple[dict[str, float], str]:
    """Gain over the base model: eval vs base eval when both exist, else last vs step-0 validation."""
    if base is not None and run.final_eval:
        shared = sorted(set(run.final_eval) & set(base.accuracy))
        if shared:
            return {
                b: run.final_eval[b] - base.accuracy[b] for b in shared
            }, f"eval vs base eval ({base.model})"
    from_step0 = {b: float(s.values[-1] - s.values[0]) for b, s in run.heldout.items() if s.steps[0] == 0}
    return (from_step0, "validation: last vs step 0") if from_step0 else ({}, "")


def diagnose(run: RunData, thresholds: Thresholds, base: BaseEval | None = None) -> Diagnostics:
    """Compute every per-run number; a quantity whose inputs are missing stays None/empty."""
    diag = Diagnostics()
    reward, train_acc = run.train.get("reward"), run.train.get("train_acc")
    if reward is not None:
        diag.final_train_reward = tail_mean(reward, thresholds.window)
        diag.reward_rise = rise(reward, thresholds.edge_fraction)
    if train_acc is not None:
        diag.final_train_acc = tail_mean(train_acc, thresholds.window)

    validation_final = {b: float(s.values[-1]) for b, s in run.heldout.items()}
    diag.final = {**validation_final, **run.final_eval}
    sources = {"eval" if b in run.final_eval else "validation" for b in diag.final}
    diag.final_from = sources.pop() if len(sources) == 1 else ("mixed" if sources else "")
    diag.best = {b: peak_of(s) for b, s in run.heldout.items()}
    diag.gain, diag.gain_from = _gain(run, base)

    diag.heldout_mean = heldout_mean(run.heldout)
    if diag.heldout_mean is not None:
        diag.peak = peak_of(diag.heldout_mean)
        diag.overfit = diag.peak.drop >= thresholds.overfit_drop
        if train_acc is not None:
            diag.gap = generalization_gap(train_acc, diag.heldout_mean, thresholds.window)

    if train_acc is not None:
        diag.acc_rise, diag.acc_rise_from = rise(train_acc, thresholds.edge_fraction), "training batches"
    elif diag.heldout_mean is not None:
        diag.acc_rise, diag.acc_rise_from = rise(diag.heldout_mean, thresholds.edge_fraction), "held-out"
    if diag.reward_rise is not None and diag.acc_rise is not None:
        diag.reward_hacking = (
            diag.reward_rise >= thresholds.hacking_reward_rise and diag.acc_rise < thresholds.hacking_acc_rise
        )
    return diag
