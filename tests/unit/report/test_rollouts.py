"""True training accuracy from rollout dumps: the reward's `acc` (legacy trainer) or regraded (v1 trainer)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reward_signal.report.diagnostics import diagnose
from reward_signal.report.rollouts import SOURCE_ACC, SOURCE_REGRADED
from reward_signal.report.runs import load_run
from reward_signal.report.thresholds import Thresholds
from tests.unit.report.rundirs import hacking_lines, write_run


def _dump(run_dir: Path, step: int, lines: list[dict | str]) -> None:
    (run_dir / "rollouts").mkdir(exist_ok=True)
    text = "".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines)
    (run_dir / "rollouts" / f"{step}.jsonl").write_text(text)


def _format_run(tmp_path: Path) -> Path:
    return write_run(tmp_path, "fmt", {"reward_type": "format"}, {"1": hacking_lines(False)})


def test_legacy_dumps_give_true_batch_accuracy(tmp_path: Path) -> None:
    run_dir = _format_run(tmp_path)
    for step in range(1, 21):  # VERL writes "<step>.jsonl"; step 10 sorts numerically, not as text
        acc = [1.0, 0.0, 0.0, 0.0] if step < 10 else [1.0, 1.0, 0.0, 0.0]
        _dump(
            run_dir, step, [{"output": "...", "gts": "1", "score": 1.0, "step": step, "acc": a} for a in acc]
        )
    _dump(run_dir, 3, [{"acc": 0.0}, {"acc": None}, "{cut"])
    run = load_run(run_dir)
    series = run.train["train_acc"]
    assert series.source == SOURCE_ACC
    assert series.steps.tolist() == list(range(1, 21))
    assert series.values[2] == 0.0 and series.values[0] == 0.25 and series.values[-1] == 0.5
    assert len(run.bad_lines) == 2  # the None acc and the cut line, each named
    diag = diagnose(run, Thresholds())
    assert diag.acc_rise_from == "training batches"
    assert diag.acc_rise == pytest.approx(0.5 - (0.25 + 0.25 + 0.0 + 0.25) / 4)  # last vs first 4 steps
    assert diag.reward_hacking is False  # accuracy did rise: the reward was not only paid


def test_v1_dumps_without_acc_are_named_in_missing_unless_regraded(tmp_path: Path) -> None:
    run_dir = _format_run(tmp_path)
    _dump(run_dir, 1, [{"output": "so \\boxed{4}", "gts": "4", "score": 1.0, "step": 1, "uid": "a_0_0"}])
    run = load_run(run_dir)
    assert "train_acc" not in run.train
    assert any("--regrade-rollouts" in m for m in run.missing)


@pytest.mark.integration
def test_regrading_v1_dumps_uses_the_rule_based_grader(tmp_path: Path) -> None:
    run_dir = _format_run(tmp_path)
    _dump(run_dir, 1, [{"output": r"so \boxed{4}", "gts": '["4"]'}, {"output": r"\boxed{5}", "gts": '["4"]'}])
    _dump(
        run_dir, 2, [{"output": r"thus \boxed{\frac{1}{2}}", "gts": "0.5"}, {"output": "no box", "gts": "3"}]
    )
    series = load_run(run_dir, regrade_rollouts=True).train["train_acc"]
    assert series.source == SOURCE_REGRADED
    assert series.values.tolist() == [0.5, 0.5]
    cache = run_dir / "rollouts" / "regraded" / "1.json"
    assert json.loads(cache.read_text())["mean"] == 0.5 and json.loads(cache.read_text())["responses"] == 2
    # the cache answers while the dump is unchanged: forge it to prove it is read ...
    forged = json.loads(cache.read_text()) | {"mean": 0.25}
    cache.write_text(json.dumps(forged))
    assert load_run(run_dir, regrade_rollouts=True).train["train_acc"].values.tolist() == [0.25, 0.5]
    # ... and is ignored once the dump changes
    _dump(run_dir, 1, [{"output": r"so \boxed{4}", "gts": "4"}])
    assert load_run(run_dir, regrade_rollouts=True).train["train_acc"].values.tolist() == [1.0, 0.5]
