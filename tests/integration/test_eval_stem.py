"""`eval --preset stem` end to end on a tiny local model with the CPU transformers backend and the seed files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT
from tests.tiny_lm import build_tiny_model

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_stem_preset_runs_and_reports_one_line_per_benchmark(seed_data: Path, tmp_path: Path) -> None:
    model = build_tiny_model(tmp_path / "tiny")
    out = tmp_path / "eval"
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "HF_HOME": str(tmp_path / "hf-home"),
        "REWARD_SIGNAL_DATA_DIR": str(seed_data),
        "REWARD_SIGNAL_POOL_WORKERS": "2",
        "PYTHONPATH": str(REPO_ROOT),
    }
    command = [sys.executable, "-m", "reward_signal", "eval", "--model", str(model), "--backend", "hf"]
    command += ["--preset", "stem", "--limit", "2", "--max-tokens", "12", "--out", str(out)]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    summary = json.loads((out / "summary.json").read_text())
    lines = list(summary["metrics"])
    expected = ["gpqa-diamond", "mmlu-sci", "supergpqa"]
    expected += ["scp-test-difficult-1", "scp-test-medium-2-8", "scp-test-very-difficult-0"]
    assert lines[:6] == expected
    assert [summary["metrics"][name]["n_problems"] for name in expected] == [2, 4, 4, 2, 2, 2]
    assert summary["sampling"]["n"] == 1 and summary["sampling"]["temperature"] == 0.0
    records = [json.loads(line) for line in (out / "supergpqa-out-domain.jsonl").read_text().splitlines()]
    assert {r["data_source"] for r in records} == {"stem__supergpqa"} and len(records) == 2
