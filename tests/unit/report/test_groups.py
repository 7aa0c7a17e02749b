"""Runs are averaged only across seeds, and every cross-run number carries its seed count and interval."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from reward_signal.report.diagnostics import Analysed, diagnose
from reward_signal.report.groups import AVG, cells, line_labels, seed_estimate
from reward_signal.report.runs import load_run
from reward_signal.report.thresholds import Thresholds


def _run(
    root: Path, name: str, *, seed: int, lr: float, prompts: int, acc: float, eval_n: int = 16
) -> Analysed:
    """A run directory with config.yaml (what the launcher writes) and an eval summary."""
    run = root / name
    (run / "eval").mkdir(parents=True)
    (run / "run.json").write_text(
        json.dumps(
            {
                "experiment": name,
                "model": "m",
                "reward_type": "rule_based",
                "train_prompts": prompts,
                "seed": seed,
            }
        )
    )
    config = {
        "actor_rollout_ref": {"actor": {"optim": {"lr": lr}}, "rollout": {"seed": seed}},
        "data": {"train_files": [f"/data/train-{prompts}.parquet"], "seed": seed},
        "trainer": {
            "experiment_name": name,
            "default_local_dir": f"/runs/{name}/checkpoints",
            "total_epochs": 7,
        },
    }
    (run / "config.yaml").write_text(yaml.safe_dump(config))
    metrics = {"math500": {f"mean@n:n={eval_n}": acc}, "aime2024": {f"mean@n:n={eval_n}": acc / 4}}
    (run / "eval" / "summary.json").write_text(
        json.dumps({"sampling": {"n": eval_n, "temperature": 0.6}, "metrics": metrics})
    )
    loaded = load_run(run)
    return Analysed(loaded, diagnose(loaded, Thresholds()))


def test_only_seeds_are_pooled(tmp_path: Path) -> None:
    items = [
        _run(tmp_path, "a-s1", seed=1, lr=1e-6, prompts=64, acc=0.60),
        _run(tmp_path, "a-s2", seed=2, lr=1e-6, prompts=64, acc=0.64),
        _run(tmp_path, "b-s1", seed=1, lr=3e-6, prompts=64, acc=0.70),  # another learning rate
        _run(tmp_path, "c-s1", seed=1, lr=1e-6, prompts=64, acc=0.50, eval_n=4),  # another eval protocol
        _run(tmp_path, "d-s1", seed=1, lr=1e-6, prompts=128, acc=0.66),  # same line, another data size
    ]
    groups = cells(items)
    assert sorted(sorted(i.run.name for i in c.items) for c in groups) == [
        ["a-s1", "a-s2"],
        ["b-s1"],
        ["c-s1"],
        ["d-s1"],
    ]
    pooled = next(c for c in groups if len(c.items) == 2)
    estimate = pooled.estimate("math500", ["math500", "aime2024"])
    assert (estimate.mean, estimate.seeds, estimate.how) == (pytest.approx(0.62), 2, "t over seeds")
    assert estimate.low < 0.60 and estimate.high > 0.64  # t with 1 degree of freedom: wide, honestly
    avg = pooled.estimate(AVG, ["math500", "aime2024"])
    assert avg.mean == pytest.approx((0.62 + 0.155) / 2)
    labels = line_labels(groups)
    a_line = next(c.line for c in groups if c.items[0].run.name == "a-s1")
    d_line = next(c.line for c in groups if c.items[0].run.name == "d-s1")
    assert a_line == d_line  # data size (train files, epochs) may differ along a data-scale line
    assert "lr=" in labels[next(c.line for c in groups if c.items[0].run.name == "b-s1")]
    assert "protocol=" in labels[next(c.line for c in groups if c.items[0].run.name == "c-s1")]


def test_single_seed_interval_is_wilson_over_the_benchmark_and_never_a_point() -> None:
    one = seed_estimate([0.0], 30)
    assert one.seeds == 1 and one.low == 0.0 and one.high == pytest.approx(0.1135, abs=1e-3)
    same = seed_estimate([0.5, 0.5, 0.5], None)
    assert same.low < 0.5 < same.high
    assert "unknown" in seed_estimate([0.5], None).how


def test_shipped_grid_cells_differing_only_in_seed_share_a_cell(tmp_path: Path) -> None:
    """The launcher's real config.yaml: names, paths and seeds differ per run and must not split a cell;
    another reward type must."""
    from reward_signal.launch.train import prepare

    def launched(name: str, seed: int, reward: str) -> Analysed:
        patch = {"name": name, "seed": seed, "reward": {"type": reward}}
        plan = prepare(
            "qwen25-math-1.5b-datascale", "MODE2", patch=patch, env={}, runs_root=tmp_path, check_data=False
        )
        run = plan.paths.run_dir
        run.mkdir(parents=True)
        (run / "config.yaml").write_text(yaml.safe_dump(plan.config))
        (run / "run.json").write_text(
            json.dumps({"experiment": name, "model": "m", "reward_type": reward, "seed": seed})
        )
        loaded = load_run(run)
        return Analysed(loaded, diagnose(loaded, Thresholds()))

    items = [
        launched("r-s1", 1, "rule_based"),
        launched("r-s2", 2, "rule_based"),
        launched("x-s1", 1, "random"),
    ]
    assert sorted(len(c.items) for c in cells(items)) == [1, 2]


def test_gain_intervals_are_not_clipped_like_accuracies() -> None:
    from reward_signal.report.groups import gain_estimate

    two = gain_estimate([-0.04, -0.02], 0.3, 100)
    assert two.mean == pytest.approx(-0.03) and two.low < -0.04 and two.high > -0.02 and two.seeds == 2
    one = gain_estimate([-0.01], 0.3, 100)  # one seed: run and base each over 100 problems
    assert one.high - one.mean == pytest.approx(1.96 * (2 * 0.3 * 0.7 / 100) ** 0.5)


def test_pooled_weighs_problems_and_avg_weighs_benchmarks(tmp_path: Path) -> None:
    item = _run(tmp_path, "p", seed=1, lr=1e-6, prompts=64, acc=0.8)  # math500 0.8 (500), aime2024 0.2 (30)
    (cell,) = cells([item])
    assert cell.estimate(AVG, ["math500", "aime2024"]).mean == pytest.approx(0.5)
    pooled = cell.estimate("pooled", ["math500", "aime2024"])
    assert pooled.mean == pytest.approx((500 * 0.8 + 30 * 0.2) / 530)
    assert pooled.how == "Wilson over problems (1 seed)"
