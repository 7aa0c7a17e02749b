"""The science sweep's figures (scp_test, stem_benchmark, math_benchmark) drawn from kit run directories."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from PIL import Image

from reward_signal.report.build import build_report
from reward_signal.report.thresholds import Thresholds

MODEL = "meta-llama/Llama-3.2-3B-Instruct"
# VERL names validation metrics by data_source; these are the SCP sweep's ten sets' sources.
SOURCES = [
    "test-math-aime24",
    "HuggingFaceH4/MATH-500",
    "test-math-scp-difficult",
    "test-math-scp-medium",
    "test-math-scp-very-difficult",
    "stem__gpqa_diamond",
    "mmlu_sci",
    "stem__supergpqa",
]


def _science_run(root: Path, prompts: int, seed: int) -> None:
    run = root / f"scp-{prompts}-s{seed}"
    (run / "metrics").mkdir(parents=True)
    meta = {"experiment": run.name, "model": MODEL, "reward_type": "rule_based", "train_prompts": prompts}
    (run / "run.json").write_text(json.dumps({**meta, "seed": seed}))
    lines = []
    for step in range(0, 61, 20):
        data = {
            f"val-core/{s}/acc/mean@1": 0.2 + 0.3 * prompts / 2048 * step / 60 + 0.01 * seed for s in SOURCES
        }
        if step:
            data["critic/score/mean"] = 0.3 + step / 200
        lines.append({"step": step, "data": data})
    (run / "metrics" / "attempt-20260101T000000Z.jsonl").write_text(
        "".join(json.dumps(x) + "\n" for x in lines)
    )


def _math_run(root: Path) -> None:
    run = root / "math-64"
    (run / "metrics").mkdir(parents=True)
    (run / "run.json").write_text(json.dumps({"model": "Qwen/Qwen2.5-Math-1.5B", "train_prompts": 64}))
    line = {"step": 0, "data": {"val-core/test-math-aime24/acc/mean@1": 0.1}}
    (run / "metrics" / "attempt-20260101T000000Z.jsonl").write_text(json.dumps(line) + "\n")


def test_science_sweep_gets_the_seeds_three_figures_and_math_runs_none(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    for prompts in (64, 2048):
        for seed in (1, 2):
            _science_run(runs, prompts, seed)
    _math_run(runs)
    out = tmp_path / "report"
    build_report([str(runs)], out, Thresholds(window=2), jobs=1)
    # the science figures (`<model>_<kind>.png`); the seed's per-sweep reward/entropy figures are `sweep-*`
    names = sorted(p.name for p in (out / "figures").glob("*_*.png") if not p.name.startswith("sweep-"))
    assert names == [
        f"meta-llama-llama-3.2-3b-instruct_{k}.png" for k in ("math_benchmark", "scp_test", "stem_benchmark")
    ]
    for name in names:
        pixels = np.asarray(Image.open(out / "figures" / name).convert("L"))
        assert pixels.std() > 10, f"{name} looks blank"
    text = (out / "report.md").read_text()
    assert f"{MODEL}: STEM multiple-choice accuracy (science sweep)" in text
    assert "Qwen/Qwen2.5-Math-1.5B: SCP" not in text
