"""Runs logged to MLflow file stores in the seed's layout give the same report as kit runs.

The store is written by hand, as VERL's `mlflow` logger and the MLflow file store lay it out (checked
against verl/utils/tracking.py: keys with `@` sanitised to `_at_`, params flattened with `/`; the seed's
scripts export MLFLOW_TRACKING_URI=file://<save_dir>/<experiment>/mlflow and its plot script reads
`<...>/mlflow/<experiment_id>/<run_id>/metrics/<key>` as `timestamp value step` lines).
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest

from reward_signal.report.build import build_report
from reward_signal.report.mlflow_store import metric_name
from reward_signal.report.runs import load_run
from reward_signal.report.synthetic import SyntheticRun, write_run
from reward_signal.report.thresholds import Thresholds

SPECS = [SyntheticRun(t, size, 0, steps=60) for t in ("rule_based", "format") for size in (16, 256)]
# A restarted job: the first MLflow run died at step 40, the second redid 31..60.
SPLIT = (40, 31)


def _write_store(kit_run: Path, seed_root: Path, spec: SyntheticRun) -> Path:
    """The kit run's metrics as the seed's MLflow file store, split over two MLflow runs (a restart)."""
    experiment = seed_root / f"qwen_data_{spec.train_prompts}_{spec.reward_type}"
    rows: dict[int, dict[str, float]] = {}
    for line in next((kit_run / "metrics").glob("*.jsonl")).read_text().splitlines():
        record = json.loads(line)
        rows.setdefault(record["step"], {}).update(record["data"])
    for index, (start, stop) in enumerate(((0, SPLIT[0]), (SPLIT[1], spec.steps))):
        run = experiment / "mlflow" / "123456789" / f"run{index}abcdef"
        (run / "metrics").mkdir(parents=True)
        (run / "meta.yaml").write_text(f"run_id: run{index}abcdef\nstart_time: {1700000000000 + index}\n")
        for step in range(start, stop + 1):
            for key, value in rows.get(step, {}).items():
                file = run / "metrics" / key.replace("@", "_at_")
                file.parent.mkdir(parents=True, exist_ok=True)
                with file.open("a") as handle:
                    handle.write(f"{1700000000000 + step} {value} {step}\n")
        params = {
            "trainer/experiment_name": experiment.name,
            "actor_rollout_ref/model/path": "Qwen/Qwen2.5-Math-1.5B",
            "algorithm/adv_estimator": "grpo",
            "data/seed": "0",
            "data/train_files/0": f"/data/math/train/qwen_math_{spec.train_prompts}.parquet",
        }
        for key, value in params.items():
            (run / "params" / key).parent.mkdir(parents=True, exist_ok=True)
            (run / "params" / key).write_text(value)
    # The seed's runs are evaluated with the kit afterwards; the reward type is not in MLflow params.
    shutil.copytree(kit_run / "eval", experiment / "eval")
    if spec.reward_type != "rule_based":
        (experiment / "run.json").write_text(json.dumps({"reward_type": spec.reward_type}))
    return experiment


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("mlflow")
    kit, seed = root / "kit", root / "seed"
    for spec in SPECS:
        _write_store(write_run(kit, spec), seed, spec)
    build_report([str(kit)], root / "kit-report", Thresholds(), jobs=1)
    build_report([str(seed)], root / "seed-report", Thresholds(), jobs=1)
    return root / "kit-report", root / "seed-report"


def test_sanitised_keys_map_back_to_verl_names() -> None:
    assert (
        metric_name("val-core/HuggingFaceH4/MATH-500/acc/mean_at_8")
        == "val-core/HuggingFaceH4/MATH-500/acc/mean@8"
    )
    assert metric_name("val-aux/test-amc/acc/maj_at_8/mean") == "val-aux/test-amc/acc/maj@8/mean"
    assert metric_name("critic/score/mean") == "critic/score/mean"


def test_seed_layout_run_is_read_like_a_kit_run(tmp_path: Path) -> None:
    spec = SPECS[0]
    kit = load_run(write_run(tmp_path / "kit", spec))
    seed = load_run(_write_store(tmp_path / "kit" / spec.experiment, tmp_path / "seed", spec))
    assert seed.attempts == 2  # two MLflow runs merged by step
    assert seed.meta["train_prompts"] == 16 and seed.meta["model"] == "Qwen/Qwen2.5-Math-1.5B"
    assert set(seed.train) == set(kit.train) and set(seed.heldout) == set(kit.heldout)
    for name, series in kit.train.items():
        assert seed.train[name].steps.tolist() == series.steps.tolist(), name
        assert seed.train[name].values.tolist() == pytest.approx(series.values.tolist()), name
    assert any("assumed rule_based" in m for m in seed.missing)  # said, not silently assumed


def _rows(report: Path) -> list[dict[str, str]]:
    with open(report / "runs.csv", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_report_on_mlflow_runs_has_the_same_figures_and_numbers(both: tuple[Path, Path]) -> None:
    kit, seed = both
    kit_figures = sorted(p.name for p in (kit / "figures").iterdir() if not p.name.startswith("run-"))
    seed_figures = sorted(p.name for p in (seed / "figures").iterdir() if not p.name.startswith("run-"))
    assert kit_figures == seed_figures and "data-scale.png" in kit_figures
    assert len(list((seed / "figures").glob("run-*.png"))) == len(SPECS)
    numbers = [
        "final_train_reward",
        "final_train_acc",
        "heldout_peak",
        "heldout_drop_after_peak",
        "overfit",
        "reward_hacking",
        "final_from",
        *[f"final_{b}" for b in ("aime2024", "aime2025", "amc", "math500")],
    ]
    kit_rows = sorted(_rows(kit), key=lambda r: (r["reward_type"], int(r["train_prompts"])))
    seed_rows = sorted(_rows(seed), key=lambda r: (r["reward_type"], int(r["train_prompts"])))
    for mine, theirs in zip(kit_rows, seed_rows, strict=True):
        assert {k: mine[k] for k in numbers} == {k: theirs[k] for k in numbers}
