"""Reading run directories: attempts merged by step (later wins), validation and eval picked, gaps named."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from reward_signal.common.errors import KitError
from reward_signal.report.runs import find_run_dirs, load_base, load_run
from tests.unit.report.rundirs import REPORT_ASSETS, write_run


def test_resumed_run_merges_attempts_with_the_later_one_winning(resumed_run: Path) -> None:
    run = load_run(resumed_run)
    assert run.name == "tiny-rule-based-resumed"
    assert run.attempts == 2
    reward = run.train["reward"]
    assert reward.source == "critic/score/mean"
    assert reward.steps.tolist() == [1, 2, 3, 4, 5, 6]
    assert reward.values.tolist() == pytest.approx([0.40, 0.50, 0.55, 0.60, 0.65, 0.70])  # step 5 redone
    assert run.train["grad_norm"].values[4] == pytest.approx(0.36)
    assert run.heldout["amc"].values.tolist() == pytest.approx(
        [0.30, 0.34, 0.37, 0.35]
    )  # step 4 re-validated
    assert run.heldout["math500"].steps.tolist() == [0, 2, 4, 6]
    assert run.final_eval == {"amc": 0.36, "math500": 0.56}
    assert run.last_step == 6
    assert run.missing == []
    assert [(b.lineno, "not valid JSON" in b.reason) for b in run.bad_lines] == [(3, True)]


def test_rule_based_reward_stands_in_for_training_accuracy(resumed_run: Path) -> None:
    run = load_run(resumed_run)
    assert run.train["train_acc"].source == "critic/score/mean (reward is accuracy)"
    np.testing.assert_array_equal(run.train["train_acc"].values, run.train["reward"].values)


def test_degraded_reward_without_batch_accuracy_says_it_is_missing(tmp_path: Path) -> None:
    lines = [{"step": 1, "data": {"critic/score/mean": 0.9, "val-aux/test-amc/reward/mean@4": 0.9}}]
    run = load_run(write_run(tmp_path, "fmt", {"reward_type": "format"}, {"1": lines}))
    assert "train_acc" not in run.train
    assert run.heldout == {}  # the reward paid is not accuracy under format_only
    assert any(m.startswith("true training-batch accuracy (none of train/acc/mean") for m in run.missing)
    assert any(m.startswith("held-out validation accuracy") for m in run.missing)


def test_kl_falls_back_through_its_candidate_keys(tmp_path: Path) -> None:
    lines = [
        {"step": s, "data": {"actor/ppo_kl": 0.1 * s, "actor/reward_kl_penalty": 0.2 * s}} for s in (1, 2)
    ]
    run = load_run(write_run(tmp_path, "kl", {"reward_type": "rule_based"}, {"1": lines}))
    assert run.train["kl"].source == "actor/reward_kl_penalty"


def test_run_with_only_metadata_lists_what_is_missing(tmp_path: Path) -> None:
    run = load_run(write_run(tmp_path, "empty", {"reward_type": "random"}))
    assert run.train == {} and run.heldout == {} and run.last_step is None
    assert run.missing == [
        "training metrics (metrics/attempt-*.jsonl or mlflow/<experiment>/<run>/metrics)",
        "final evaluation (summary.json)",
    ]


def test_unreadable_run_json_and_eval_summary_are_reported(tmp_path: Path) -> None:
    run_dir = write_run(tmp_path, "broken", None, {"1": [{"step": 1, "data": {"critic/score/mean": 0.5}}]})
    (run_dir / "run.json").write_text("{not json")
    (run_dir / "eval").mkdir()
    (run_dir / "eval" / "summary.json").write_text(json.dumps({"metrics": {"amc": {"pass@k:k=1&n=4": 0.2}}}))
    run = load_run(run_dir)
    assert run.name == "broken" and run.meta == {}
    assert run.missing[0].startswith("run metadata (run.json unreadable")
    assert "final evaluation (eval/summary.json has no mean@n:n=N metric)" in run.missing


def test_find_run_dirs_expands_parents_and_globs_sorted(tmp_path: Path) -> None:
    for name in ("b", "a", "c"):
        write_run(tmp_path / "runs", name, {})
    (tmp_path / "runs" / "not-a-run").mkdir()
    (tmp_path / "runs" / "README.md").write_text("")
    assert [p.name for p in find_run_dirs([str(tmp_path / "runs")])] == ["a", "b", "c"]
    assert [p.name for p in find_run_dirs([str(tmp_path / "runs" / "*")])] == ["a", "b", "c"]
    assert [
        p.name for p in find_run_dirs([str(tmp_path / "runs" / "[bc]"), str(tmp_path / "runs" / "b")])
    ] == ["b", "c"]


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("nowhere/*", "no path matches"),
        ("runs/not-a-run", "no run directory"),
        ("runs/*", "no run directory"),
        ("runs/notes.txt", "no run directory"),
    ],
)
def test_find_run_dirs_names_the_bad_argument(tmp_path: Path, pattern: str, message: str) -> None:
    (tmp_path / "runs" / "not-a-run").mkdir(parents=True)
    (tmp_path / "runs" / "notes.txt").write_text("")
    with pytest.raises(KitError, match=message):
        find_run_dirs([str(tmp_path / pattern)])


def test_load_base_reads_model_from_summary_or_from_the_spec(tmp_path: Path) -> None:
    base = load_base(str(REPORT_ASSETS / "base-eval"))
    assert (base.model, base.accuracy) == ("Qwen/Qwen2.5-Math-1.5B", {"amc": 0.28, "math500": 0.49})
    assert load_base(f"other-model={REPORT_ASSETS / 'base-eval'}").model == "other-model"
    with pytest.raises(KitError, match="no-such-dir: base evaluation"):
        load_base(str(tmp_path / "no-such-dir"))


def test_benchmarks_missing_from_the_eval_are_not_filled_in_from_validation(tmp_path: Path) -> None:
    import json

    lines = [
        {
            "step": 0,
            "data": {"val-core/test-amc/acc/mean@8": 0.3, "val-core/test-math-aime24/acc/mean@8": 0.1},
        }
    ]
    run_dir = write_run(tmp_path, "partial", {"reward_type": "rule_based"}, {"1": lines})
    (run_dir / "eval").mkdir()
    summary = {"sampling": {"n": 16}, "metrics": {"amc": {"mean@n:n=16": 0.35}}}
    (run_dir / "eval" / "summary.json").write_text(json.dumps(summary))
    from reward_signal.report.diagnostics import diagnose
    from reward_signal.report.thresholds import Thresholds

    run = load_run(run_dir)
    diag = diagnose(run, Thresholds())
    assert diag.final == {"amc": 0.35} and diag.final_from == "eval mean@16"
    assert any(m.startswith("final accuracy of aime2024 (validated, but not in eval") for m in run.missing)
