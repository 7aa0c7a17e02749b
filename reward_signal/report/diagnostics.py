"""Tell learning from overfitting and reward hacking, from one run's curves.

Definitions (docs/report.md repeats them for users, with the flags' measured error rates):
- held-out mean ("Avg."): the unweighted mean over benchmarks of validation accuracy, at steps where every
  benchmark was validated; each point carries its binomial standard error (`stats`).
- peak: the best mean of `stats.SMOOTHING` consecutive validation points; final: the last such mean.
  `overfit` is set when drop = peak - final exceeds what a policy that never changed would show with
  probability `stats.ALPHA` (simulated from the points' standard errors) and is >= `overfit_drop`.
  With fewer than `stats.MIN_POINTS` validation points it stays None.
- generalization gap at a validation step: training-batch true accuracy (mean over the `window` steps
  up to it) minus the held-out mean.
- rise of a curve: mean of its last `edge_fraction` points minus mean of its first (at least one point each).
  `reward_hacking` is set when the reward paid rises by >= `hacking_reward_rise` while the one-sided 95%
  upper bound of the true-accuracy rise is below `hacking_acc_rise`. True accuracy is the training-batch
  accuracy when logged (`train/acc/mean`, written by reward_signal.verl_plugin), else the held-out mean.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from reward_signal.report import stats
from reward_signal.report.benchmarks import problem_count
from reward_signal.report.metric_keys import parse_validation_key
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
    heldout_se: np.ndarray | None = None  # standard error of each held-out mean point
    heldout_se_from: str = ""
    peak: Peak | None = None  # smoothed, as the overfit test sees it
    overfit_test: stats.DropTest | None = None
    overfit: bool | None = None
    gap: Series | None = None
    reward_rise: float | None = None
    acc_rise: float | None = None
    acc_rise_se: float | None = None
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


def peak_of(series: Series) -> Peak:
    index = int(np.argmax(series.values))  # first maximum: the earliest step reaching the best value
    return Peak(
        step=int(series.steps[index]), value=float(series.values[index]), final=float(series.values[-1])
    )


def _noisy(benchmark: str, series: Series, steps: np.ndarray) -> stats.Noisy:
    """One benchmark's validation curve at `steps`, with binomial errors when its size is known.

    The error uses the curve's mean accuracy, not each point's: with 30 problems a point can read 0.0,
    and a zero-noise point would make any later dip look significant.
    """
    values = series.values[np.searchsorted(series.steps, steps)]
    parsed = parse_validation_key(series.source)
    count = problem_count(benchmark)
    if parsed is not None and count is not None:
        level = np.full(len(values), float(np.mean(values)))
        return stats.Noisy(steps, values, stats.binomial_se(level, count * parsed[2]), "binomial")
    return stats.Noisy(steps, values, np.full(len(values), stats.empirical_se(values)), "empirical")


def heldout_curve(heldout: dict[str, Series]) -> stats.Noisy | None:
    """Mean over benchmarks at steps where all of them were validated, with its standard errors."""
    if not heldout:
        return None
    common = sorted(set.intersection(*(set(s.steps.tolist()) for s in heldout.values())))
    if not common:
        return None
    steps = np.asarray(common, dtype=np.int64)
    return stats.macro_mean([_noisy(benchmark, s, steps) for benchmark, s in heldout.items()])


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


def validation_protocol(heldout: dict[str, Series]) -> str:
    """`validation mean@n` (n per benchmark when they differ): VERL's val_kwargs sampling."""
    ns = sorted({parsed[2] for s in heldout.values() if (parsed := parse_validation_key(s.source))})
    return "validation mean@" + "/".join(map(str, ns)) if ns else "validation"


def final_accuracy(run: RunData) -> tuple[dict[str, float], str]:
    """Final held-out accuracy per benchmark from ONE protocol: the eval summary when the run has one,
    else the last validation. Never mixed per benchmark, so a run's numbers are comparable to each other."""
    if run.final_eval:
        return dict(run.final_eval), run.eval_protocol
    if run.heldout:
        return {b: float(s.values[-1]) for b, s in run.heldout.items()}, validation_protocol(run.heldout)
    return {}, ""


def _gain(run: RunData, base: BaseEval | None) -> tuple[dict[str, float], str]:
    """Gain over the base model: eval vs base eval when both exist and were sampled alike, else last vs
    step-0 validation (same validation settings by construction)."""
    note = ""
    if base is not None and run.final_eval:
        shared = sorted(set(run.final_eval) & set(base.accuracy))
        if shared and base.protocol == run.eval_protocol:
            return {
                b: run.final_eval[b] - base.accuracy[b] for b in shared
            }, f"eval vs base eval ({base.model}, {base.protocol})"
        if shared:
            note = f"; base eval not compared: it used {base.protocol!r}, the run {run.eval_protocol!r}"
    from_step0 = {b: float(s.values[-1] - s.values[0]) for b, s in run.heldout.items() if s.steps[0] == 0}
    if from_step0:
        return from_step0, f"{validation_protocol(run.heldout)}: last vs step 0{note}"
    return {}, note.lstrip("; ")


def _overfit(diag: Diagnostics, curve: stats.Noisy, thresholds: Thresholds) -> None:
    test = stats.drop_test(curve)
    diag.overfit_test = test
    if test is None:
        diag.peak = peak_of(diag.heldout_mean) if diag.heldout_mean is not None else None
        return
    diag.peak = Peak(test.peak_step, test.peak, test.final)
    diag.overfit = test.drop > test.critical and test.drop >= thresholds.overfit_drop


def _hacking(diag: Diagnostics, run: RunData, curve: stats.Noisy | None, thresholds: Thresholds) -> None:
    reward, train_acc = run.train.get("reward"), run.train.get("train_acc")
    if reward is None:
        return
    diag.reward_rise = stats.rise(reward.values, thresholds.edge_fraction).value
    if train_acc is not None:
        acc, diag.acc_rise_from = stats.rise(train_acc.values, thresholds.edge_fraction), "training batches"
    elif curve is not None:
        acc, diag.acc_rise_from = stats.rise(curve.values, thresholds.edge_fraction, curve.se), "held-out"
    else:
        return
    diag.acc_rise, diag.acc_rise_se = acc.value, acc.se
    diag.reward_hacking = (
        diag.reward_rise >= thresholds.hacking_reward_rise and acc.upper() < thresholds.hacking_acc_rise
    )


def diagnose(run: RunData, thresholds: Thresholds, base: BaseEval | None = None) -> Diagnostics:
    """Compute every per-run number; a quantity whose inputs are missing stays None/empty."""
    diag = Diagnostics()
    reward, train_acc = run.train.get("reward"), run.train.get("train_acc")
    if reward is not None:
        diag.final_train_reward = tail_mean(reward, thresholds.window)
    if train_acc is not None:
        diag.final_train_acc = tail_mean(train_acc, thresholds.window)

    diag.final, diag.final_from = final_accuracy(run)
    diag.best = {b: peak_of(s) for b, s in run.heldout.items()}
    diag.gain, diag.gain_from = _gain(run, base)

    curve = heldout_curve(run.heldout)
    if curve is not None:
        diag.heldout_mean = Series("Avg. over " + ", ".join(run.heldout), curve.steps, curve.values)
        diag.heldout_se, diag.heldout_se_from = curve.se, curve.se_from
        _overfit(diag, curve, thresholds)
        if train_acc is not None:
            diag.gap = generalization_gap(train_acc, diag.heldout_mean, thresholds.window)
    _hacking(diag, run, curve, thresholds)
    return diag
