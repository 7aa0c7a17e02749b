"""train/acc/mean end to end on CPU: the launcher writes a run directory and the environment VERL gets;
under that environment VERL's own trainer code logs two steps through the plugin (Ray + TransferQueue,
see verl_plugin_recorder); the report then reads true training accuracy without re-grading anything."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from reward_signal.common.paths import REPO_ROOT
from reward_signal.data.parquet import write_rows
from reward_signal.launch.train import launch, prepare
from reward_signal.report.diagnostics import diagnose
from reward_signal.report.runs import load_run
from reward_signal.report.thresholds import Thresholds

pytestmark = [pytest.mark.integration, pytest.mark.slow]
RECORDED = REPO_ROOT / "tests" / "assets" / "report" / "plugin-run"  # what this test recorded, for unit tests


def _plugin_keys(metrics_file: Path) -> list[dict[str, float]]:
    rows = [json.loads(line) for line in metrics_file.read_text().splitlines()]
    return [
        {k: v for k, v in r["data"].items() if k.startswith("train/")} | {"step": r["step"]} for r in rows
    ]


class Launched(Exception):
    """Raised by the recording exec in place of replacing the test process."""


def _row(i: int, question: str, answer: str, split: str) -> dict[str, Any]:
    return {
        "data_source": "test-math",
        "prompt": [{"role": "user", "content": question}],
        "ability": "math",
        "reward_model": {"ground_truth": answer, "style": "rule"},
        "extra_info": {"index": i, "split": split},
    }


def _experiment(tmp_path: Path) -> Path:
    write_rows(tmp_path / "train.parquet", [_row(i, f"{i}+{i}?", str(2 * i), "train") for i in range(4)])
    write_rows(tmp_path / "val.parquet", [_row(0, "5+5?", "10", "test")])
    raw = yaml.safe_load((REPO_ROOT / "tests" / "assets" / "launch" / "tiny.yaml").read_text())
    raw["data"] = {"train": [str(tmp_path / "train.parquet")], "val": [str(tmp_path / "val.parquet")]}
    raw["reward"] = {"type": "format"}
    path = tmp_path / "plugin.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    return path


def test_a_launched_run_carries_true_training_accuracy_per_step(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = prepare(_experiment(tmp_path), "MODE1", env={}, runs_root=tmp_path / "runs")
    recorded: list[dict[str, str]] = []

    def record(file: str, argv: list[str], env: dict[str, str]) -> None:
        recorded.append(dict(env))
        raise Launched

    monkeypatch.setattr(os, "execvpe", record)
    with pytest.raises(Launched):
        launch(plan, env={"PATH": os.environ["PATH"]})
    (env,) = recorded
    assert env["VERL_USE_EXTERNAL_MODULES"] == "reward_signal.verl_plugin"
    runtime_env = plan.config["ray_kwargs"]["ray_init"]["runtime_env"]["env_vars"]
    assert runtime_env["VERL_USE_EXTERNAL_MODULES"] == "reward_signal.verl_plugin"  # Ray workers too

    env["PYTHONPATH"] = str(REPO_ROOT)
    done = subprocess.run(
        [sys.executable, "-m", "tests.integration.verl_plugin_recorder"],
        env=env,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr[-3000:]

    if os.environ.get("REWARD_SIGNAL_UPDATE_GOLDEN") == "1":  # re-record the asset the unit tests read
        shutil.rmtree(RECORDED, ignore_errors=True)
        (RECORDED / "metrics").mkdir(parents=True)
        shutil.copy(plan.paths.metrics_file, RECORDED / "metrics" / "attempt-20261201T000000Z.jsonl")
        info = json.loads((plan.paths.run_dir / "run.json").read_text())
        keep = ("experiment", "model", "reward_type", "algorithm", "train_prompts", "seed")
        (RECORDED / "run.json").write_text(json.dumps({k: info[k] for k in keep}, indent=2) + "\n")
    recorded = RECORDED / "metrics" / "attempt-20261201T000000Z.jsonl"
    assert _plugin_keys(plan.paths.metrics_file) == _plugin_keys(recorded)  # the asset is what VERL writes

    run = load_run(plan.paths.run_dir)  # no regrade: the metrics carry it
    acc = run.train["train_acc"]
    assert acc.source == "train/acc/mean"
    assert acc.steps.tolist() == [1, 2]
    assert acc.values.tolist() == pytest.approx([0.25, 0.75])  # padding rows (all correct) left out
    assert run.train["reward"].values.tolist() == pytest.approx([0.75, 0.75])  # paid for format
    diag = diagnose(run, Thresholds(window=2))
    assert diag.final_train_acc == pytest.approx(0.5) and diag.acc_rise_from == "training batches"
