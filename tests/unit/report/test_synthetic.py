"""The synthetic study (bench and README figure) reads back as the kit would read a real one."""

from __future__ import annotations

from pathlib import Path

import pytest

from reward_signal.report.diagnostics import diagnose
from reward_signal.report.runs import load_base, load_run
from reward_signal.report.synthetic import SyntheticRun, write_base_eval, write_run, write_study
from reward_signal.report.thresholds import Thresholds


@pytest.mark.parametrize(
    ("spec", "overfit", "hacking"),
    [
        (SyntheticRun("rule_based", 16), True, False),
        (SyntheticRun("rule_based", 2048), False, False),
        (SyntheticRun("format", 256), False, True),
        (SyntheticRun("random", 256), False, False),
    ],
)
def test_synthetic_runs_show_the_behaviour_they_model(
    tmp_path: Path, spec: SyntheticRun, overfit: bool, hacking: bool
) -> None:
    run = load_run(write_run(tmp_path, spec))
    assert set(run.heldout) == {"aime2024", "aime2025", "amc", "math500"}
    assert set(run.final_eval) == set(run.heldout)
    diag = diagnose(run, Thresholds(), load_base(str(write_base_eval(tmp_path / "base"))))
    assert (diag.overfit, diag.reward_hacking) == (overfit, hacking)


def test_study_has_24_runs_and_a_resumed_run_per_reward_type(tmp_path: Path) -> None:
    runs = write_study(tmp_path, steps=30)
    assert len(runs) == 24
    resumed = [load_run(r) for r in runs if len(list((r / "metrics").iterdir())) == 2]
    assert len(resumed) == 3
    assert all(run.train["reward"].steps.tolist() == list(range(1, 31)) for run in resumed)
