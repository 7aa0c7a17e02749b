"""The report's flags, measured by simulation through `diagnose` (the numbers docs/report.md quotes).

Each simulated run is a RunData with the validation keys VERL writes and binomial noise over the real
benchmark sizes (AIME 24/25: 30 problems, AMC: 83, MATH-500: 500). "Shipped settings" are read from the
data-scale experiment (`validation.n`, `schedule.test_freq`; today n = 8 at T = 0.6 and every 20 steps, 25
validation points over 480 steps with step 0), so changing them re-runs these checks. Seeds are fixed;
each case takes about a second.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from reward_signal.report.diagnostics import diagnose
from reward_signal.report.runs import RunData
from reward_signal.report.series import Series
from reward_signal.report.thresholds import Thresholds

SOURCES = {  # VERL data_source -> (problems, base accuracy)
    "test-math-aime24": (30, 0.09),
    "test-math-aime25": (30, 0.06),
    "test-amc": (83, 0.33),
    "HuggingFaceH4/MATH-500": (500, 0.58),
}


def _shipped_validation() -> tuple[int, int]:
    """(samples per validation problem, test_freq) of the shipped data-scale experiment, MODE2."""
    from reward_signal.launch.experiment import load_experiment

    exp = load_experiment("qwen25-math-1.5b-datascale", "MODE2")
    return exp.validation.n, exp.schedule.test_freq


SHIPPED_N, TEST_FREQ = _shipped_validation()
POINTS = 480 // TEST_FREQ + 1  # validations at steps 0, 20, ..., 480
STEPS = 480
RUNS = 300


def _heldout(rng: np.random.Generator, n: int, change: np.ndarray) -> dict[str, Series]:
    """Validation curves whose true accuracy moves by `change` (same for every benchmark)."""
    steps = np.arange(POINTS) * (STEPS // (POINTS - 1))
    curves = {}
    for source, (problems, base) in SOURCES.items():
        truth = np.clip(base + change, 0, 1)
        values = rng.binomial(problems * n, truth) / (problems * n)
        curves[source] = Series(f"val-core/{source}/acc/mean@{n}", steps, values)
    return curves


def _run(heldout: dict[str, Series], train: dict[str, Series] | None = None) -> RunData:
    from reward_signal.report.metric_keys import benchmark_name

    return RunData(
        name="sim",
        path=Path("sim"),
        meta={"reward_type": "format"},
        train=train or {},
        heldout={benchmark_name(s): curve for s, curve in heldout.items()},
    )


def _overfit_rate(n: int, change: np.ndarray, seed: int) -> float:
    rng = np.random.default_rng(seed)
    flags = [diagnose(_run(_heldout(rng, n, change)), Thresholds()).overfit for _ in range(RUNS)]
    return float(np.mean(flags))


FLAT = np.zeros(POINTS)
_x = np.arange(POINTS)
# Rises 0.06 by the 8th validation (step 160), then loses 0.05 of it by the end.
PEAK_THEN_LOSS = np.where(_x <= 8, 0.06 * _x / 8, 0.06 - 0.05 * (_x - 8) / (POINTS - 9))


def test_overfit_flag_fires_on_at_most_5_percent_of_flat_policies_with_shipped_settings() -> None:
    assert _overfit_rate(SHIPPED_N, FLAT, seed=1) <= 0.05


def test_overfit_flag_catches_80_percent_of_policies_that_lose_005_after_their_peak() -> None:
    assert _overfit_rate(SHIPPED_N, PEAK_THEN_LOSS, seed=2) >= 0.80


def test_greedy_validation_cannot_support_the_flag_the_old_rule_fired_on_noise() -> None:
    """With VERL's default (greedy, n=1) the test stays near its level but loses its power; the old rule
    (best minus last >= 0.03 on the raw curve) fired on most flat runs: the reason validation.n exists."""
    rng = np.random.default_rng(3)
    old_rule = []
    for _ in range(RUNS):
        heldout = _heldout(rng, 1, FLAT)
        mean = np.mean([s.values for s in heldout.values()], axis=0)
        old_rule.append(mean.max() - mean[-1] >= 0.03)
    assert np.mean(old_rule) > 0.3
    assert _overfit_rate(1, FLAT, seed=4) <= 0.10
    assert _overfit_rate(1, PEAK_THEN_LOSS, seed=5) < 0.80


def _edge_scaled(shape: np.ndarray) -> np.ndarray:
    """`shape` scaled so its rise as the flag measures it (last vs first fifth of points) is exactly 1."""
    k = int(np.ceil(len(shape) * Thresholds().edge_fraction))
    return shape / (shape[-k:].mean() - shape[:k].mean())


def _train_curves(rng: np.random.Generator, acc_rise: float) -> dict[str, Series]:
    """480 steps; reward paid rises 0.3; true batch accuracy rises by `acc_rise` (batch noise sd 0.03)."""
    steps = np.arange(1, STEPS + 1)
    ramp = _edge_scaled(1 - np.exp(-steps / 60))
    reward = 0.5 + 0.3 * ramp + rng.normal(0, 0.02, STEPS)
    acc = 0.4 + acc_rise * ramp + rng.normal(0, 0.03, STEPS)
    return {
        "reward": Series("critic/score/mean", steps, reward),
        "train_acc": Series("train/acc/mean", steps, acc),
    }


def _hacking_rate(acc_rise: float, logged: bool, seed: int) -> float:
    rng = np.random.default_rng(seed)
    thresholds = Thresholds()
    flags = []
    for _ in range(RUNS):
        train = _train_curves(rng, acc_rise)
        ramp = _edge_scaled(np.linspace(0, 1, POINTS))
        heldout = _heldout(rng, SHIPPED_N, acc_rise * ramp)
        if not logged:
            del train["train_acc"]
        diag = diagnose(_run(heldout, train), thresholds)
        assert diag.acc_rise_from == ("training batches" if logged else "held-out")
        flags.append(diag.reward_hacking)
    return float(np.mean(flags))


@pytest.mark.parametrize("logged", [True, False], ids=["train-acc-logged", "held-out-fallback"])
def test_reward_hacking_flag_rates(logged: bool) -> None:
    """Not hacking = true accuracy rises by the threshold (the hardest honest case): <= 5% flagged.
    Hacking = reward rises 0.3 while true accuracy stays flat: >= 80% flagged."""
    boundary = Thresholds().hacking_acc_rise
    assert _hacking_rate(boundary, logged, seed=6) <= 0.05
    assert _hacking_rate(0.0, logged, seed=7) >= 0.80
