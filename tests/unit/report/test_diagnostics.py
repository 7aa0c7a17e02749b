"""Diagnostics on runs with known curves: peak step and drop, generalization gap, reward-hacking flag."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from reward_signal.common.errors import KitError
from reward_signal.report.diagnostics import diagnose, generalization_gap
from reward_signal.report.runs import Series, load_base, load_run
from reward_signal.report.stats import rise
from reward_signal.report.thresholds import Thresholds
from tests.unit.report.rundirs import REPORT_ASSETS, hacking_lines, overfitting_lines, write_run


def _series(values: list[float], start: int = 1) -> Series:
    return Series("test", np.arange(start, start + len(values)), np.asarray(values, dtype=float))


def test_rise_compares_the_mean_of_the_last_and_first_fifth() -> None:
    assert rise(np.linspace(0.1, 1.0, 10), 0.2).value == pytest.approx(0.8)
    assert rise(np.array([0.5, 0.9]), 0.2).value == pytest.approx(0.4)  # at least one point per edge
    known = rise(np.array([0.5, 0.6, 0.9]), 0.2, se=np.array([0.03, 0.03, 0.04]))
    assert known.se == pytest.approx(0.05)  # sqrt(0.03^2 + 0.04^2) with one point per edge


def test_gap_uses_the_trailing_window_of_training_batches() -> None:
    train = _series([0.2, 0.4, 0.6, 0.8])  # steps 1..4
    heldout = Series("h", np.array([0, 2, 4]), np.array([0.1, 0.2, 0.3]))
    gap = generalization_gap(train, heldout, window=2)
    assert gap.steps.tolist() == [2, 4]  # step 0 has no training batch before it
    assert gap.values.tolist() == pytest.approx([0.3 - 0.2, 0.7 - 0.3])


def test_resumed_run_numbers(resumed_run: Path) -> None:
    diag = diagnose(load_run(resumed_run), Thresholds(window=2))
    assert diag.final_train_reward == pytest.approx(0.675)
    assert diag.final_train_acc == pytest.approx(0.675)
    assert diag.final == {"amc": 0.36, "math500": 0.56}
    assert diag.final_from == "eval mean@4 temperature=0.6"  # one protocol for every benchmark
    assert (diag.best["amc"].step, diag.best["amc"].value) == (4, pytest.approx(0.37))
    assert diag.heldout_mean.values.tolist() == pytest.approx([0.40, 0.44, 0.47, 0.45])
    assert (diag.peak.step, diag.peak.value, diag.peak.drop) == (4, pytest.approx(0.47), pytest.approx(0.02))
    assert diag.overfit is None and diag.overfit_test is None  # 4 validation points: too few to test
    assert diag.gap.steps.tolist() == [2, 4, 6]
    assert diag.gap.values.tolist() == pytest.approx([0.01, 0.105, 0.225])
    assert diag.gain == pytest.approx({"amc": 0.05, "math500": 0.05})
    assert diag.gain_from == "validation mean@4: last vs step 0"
    assert (diag.reward_rise, diag.acc_rise, diag.reward_hacking) == (
        pytest.approx(0.225),
        pytest.approx(0.225),
        False,
    )


def test_gain_against_a_base_model_evaluation(resumed_run: Path) -> None:
    diag = diagnose(load_run(resumed_run), Thresholds(), load_base(str(REPORT_ASSETS / "base-eval")))
    assert diag.gain == pytest.approx({"amc": 0.08, "math500": 0.07})
    assert diag.gain_from == "eval vs base eval (Qwen/Qwen2.5-Math-1.5B, eval mean@4 temperature=0.6)"


def test_gain_is_not_taken_against_a_base_sampled_differently(resumed_run: Path, tmp_path: Path) -> None:
    import json

    summary = json.loads((REPORT_ASSETS / "base-eval" / "summary.json").read_text())
    summary["sampling"] = {"n": 1, "temperature": 0.0}
    (tmp_path / "greedy").mkdir()
    (tmp_path / "greedy" / "summary.json").write_text(json.dumps(summary))
    diag = diagnose(load_run(resumed_run), Thresholds(), load_base(str(tmp_path / "greedy")))
    assert diag.gain == pytest.approx({"amc": 0.05, "math500": 0.05})  # fell back to step-0 validation
    assert "base eval not compared" in diag.gain_from and "temperature=0.0" in diag.gain_from


def test_overfitting_run_is_flagged_at_its_peak(tmp_path: Path) -> None:
    meta = {"reward_type": "rule_based", "train_prompts": 64}
    diag = diagnose(load_run(write_run(tmp_path, "o", meta, {"1": overfitting_lines()})), Thresholds())
    # smoothed over 3 validations: best window steps 6-10 (0.583), last window 0.47
    assert (diag.peak.step, diag.peak.value, diag.peak.final) == (
        8,
        pytest.approx(0.583333, abs=1e-6),
        pytest.approx(0.47),
    )
    assert diag.overfit is True and diag.overfit_test.drop > diag.overfit_test.critical
    assert diag.final_train_reward == pytest.approx(0.80375)
    assert diag.gap.values[-1] == pytest.approx(0.80375 - 0.45)
    assert diag.reward_hacking is False  # the reward is the accuracy: it rose as much
    assert diagnose(load_run(tmp_path / "o"), Thresholds(overfit_drop=0.2)).overfit is False
    assert diag.heldout_se_from == "binomial"  # MATH-500: 500 problems x 8 samples


@pytest.mark.parametrize(
    ("reward_type", "log_train_acc", "source"),
    [("format_only", False, "held-out"), ("noisy", True, "training batches")],
)
def test_reward_rising_over_flat_accuracy_is_reward_hacking(
    tmp_path: Path, reward_type: str, log_train_acc: bool, source: str
) -> None:
    run = load_run(
        write_run(tmp_path, "h", {"reward_type": reward_type}, {"1": hacking_lines(log_train_acc)})
    )
    diag = diagnose(run, Thresholds())
    assert diag.reward_rise == pytest.approx(0.36)
    assert diag.acc_rise == pytest.approx(0.0)
    assert (diag.acc_rise_from, diag.reward_hacking) == (source, True)
    assert diagnose(run, Thresholds(hacking_reward_rise=0.4)).reward_hacking is False


def test_run_without_metrics_has_no_verdicts(tmp_path: Path) -> None:
    diag = diagnose(load_run(write_run(tmp_path, "e", {"reward_type": "random"})), Thresholds())
    assert (diag.overfit, diag.reward_hacking, diag.peak, diag.gap) == (None, None, None, None)


def test_thresholds_reject_meaningless_windows() -> None:
    with pytest.raises(KitError, match="--edge-fraction"):
        Thresholds(edge_fraction=0.9)
