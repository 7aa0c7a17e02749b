"""The eval command on a real (tiny, random, local) causal LM: kill and resume, and VERL checkpoint merging."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from reward_signal.cli import main
from reward_signal.eval.records import by_problem, read_records
from tests.conftest import ASSETS, REPO_ROOT, SEED_DATA
from tests.tiny_lm import CHAT_TEMPLATE, build_tiny_model

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_model(tmp_path_factory.mktemp("tiny-llama"))


@pytest.fixture
def eval_env(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "HF_HOME": str(tmp_path / "hf-home"),
        "REWARD_SIGNAL_DATA_DIR": str(SEED_DATA),  # manifest names resolve to the seed's files
        "REWARD_SIGNAL_POOL_WORKERS": "2",
    }


@pytest.fixture
def datasets(request: pytest.FixtureRequest, tmp_path: Path) -> list[str]:
    """Real AIME 2024 problems by manifest name from the `seed_data` fixture, plus a hand-written synthetic
    set; without ../shared (outside CI) the hand-written set alone."""
    from reward_signal.data.parquet import write_rows

    try:
        real = ["aime2024"] if request.getfixturevalue("seed_data") else []
    except pytest.skip.Exception:
        real = []
    rows = json.loads((ASSETS / "eval" / "problems.json").read_text())["rows"]
    return [*real, str(write_rows(tmp_path / "synth-arith.parquet", rows))]


def _eval_command(model: Path, datasets: list[str], out: Path) -> list[str]:
    command = [sys.executable, "-m", "reward_signal", "eval", "--model", str(model), "--backend", "hf"]
    return [
        *command,
        "--datasets",
        ",".join(datasets),
        "--limit",
        "5",
        "--n",
        "2",
        "--max-tokens",
        "24",
        "--out",
        str(out),
    ]


def _records(out: Path) -> list[dict]:
    return [
        json.loads(line) for path in sorted(out.glob("*.jsonl")) for line in path.read_text().splitlines()
    ]


def _line_count(path: Path) -> int:
    return len(path.read_text().splitlines()) if path.exists() else 0


def test_killed_run_resumes_to_the_uninterrupted_result(
    tiny_model: Path, datasets: list[str], eval_env: dict[str, str], tmp_path: Path
) -> None:
    out = tmp_path / "resumed"
    first = out / f"{Path(datasets[0]).stem}.jsonl"
    log = tmp_path / "killed.log"
    with log.open("w") as stderr:
        proc = subprocess.Popen(
            _eval_command(tiny_model, datasets, out), cwd=REPO_ROOT, env=eval_env, stderr=stderr
        )
        deadline = time.monotonic() + 120
        while _line_count(first) < 4:  # two problems of n=2 fsynced
            assert proc.poll() is None, f"eval exited early ({proc.returncode}): {log.read_text()[-2000:]}"
            assert time.monotonic() < deadline, "no records after 120 s"
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert not (out / "summary.json").exists()
    done_before = [  # a kill mid-write may leave a torn line: count whole problems only
        index
        for path in out.glob("*.jsonl")
        for index, samples in by_problem(read_records(path)).items()
        if len(samples) == 2
    ]

    resumed = subprocess.run(
        _eval_command(tiny_model, datasets, out), cwd=REPO_ROOT, env=eval_env, capture_output=True, text=True
    )
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    total = 5 * (len(datasets) - 1) + 4  # --limit 5 of AIME, the 4 hand-written rows
    assert f"{len(done_before)} of {total} problems already done" in resumed.stderr
    assert "| pooled |" in resumed.stdout and "| Avg. |" in resumed.stdout

    records = _records(out)
    keys = [(r["dataset"], r["index"], r["sample"]) for r in records]
    assert len(keys) == len(set(keys)) == 2 * total  # nothing duplicated, nothing missing

    summary = json.loads((out / "summary.json").read_text())
    assert summary["model"] == str(tiny_model) and summary["checkpoint_step"] is None
    assert summary["sampling"] == {"n": 2, "temperature": 0.6, "top_p": 0.95, "max_tokens": 24, "seed": 0}
    for dataset, metrics in summary["metrics"].items():
        if dataset == "Avg.":  # equal-weight mean over datasets, checked in tests/unit/eval/test_metrics.py
            continue
        mine = [r for r in records if dataset == "pooled" or r["dataset"] == dataset]
        assert metrics["n_samples"] == len(mine) and metrics["n_problems"] == len(mine) // 2
        assert metrics["mean@n:n=2"] == pytest.approx(sum(r["score"] for r in mine) / len(mine))
        assert metrics["mean_response_tokens"] == pytest.approx(
            sum(r["response_tokens"] for r in mine) / len(mine)
        )
        truncated = sum(r["finish_reason"] == "length" for r in mine) / len(mine)
        assert metrics["truncation_rate"] == pytest.approx(truncated)
        assert {"pass@k:k=1&n=2", "pass@k:k=2&n=2", "maj@k:k=2&n=2", "mean@n:n=2:ci95"} <= set(metrics)
    assert all(0 < r["response_tokens"] <= 24 and r["finish_reason"] in ("stop", "length") for r in records)
    meta = json.loads((out / "meta.json").read_text())
    assert meta["backend"] == "hf" and meta["versions"]["transformers"]

    # Per-problem seeds: the interrupted-then-resumed run sampled exactly what one uninterrupted run samples.
    reference = tmp_path / "reference"
    straight = subprocess.run(
        _eval_command(tiny_model, datasets, reference),
        cwd=REPO_ROOT,
        env=eval_env,
        capture_output=True,
        text=True,
    )
    assert straight.returncode == 0, straight.stderr[-3000:]

    def by_key(rows: list[dict]) -> dict:
        return {(r["dataset"], r["index"], r["sample"]): r for r in rows}

    assert by_key(_records(reference)) == by_key(records)
    assert json.loads((reference / "summary.json").read_text())["metrics"] == summary["metrics"]


def _fake_fsdp_checkpoint(model_dir: Path, checkpoints: Path, step: int) -> Path:
    """What VERL's FSDP checkpoint manager leaves at world size 1: plain-tensor shard, fsdp_config, huggingface/."""
    import torch
    from transformers import LlamaForCausalLM

    actor = checkpoints / f"global_step_{step}" / "actor"
    actor.mkdir(parents=True)
    state = LlamaForCausalLM.from_pretrained(model_dir).state_dict()
    torch.save(state, actor / "model_world_size_1_rank_0.pt")
    (actor / "fsdp_config.json").write_text(json.dumps({"FSDP_version": 1, "world_size": 1}))
    shutil.copytree(model_dir, actor / "huggingface", ignore=shutil.ignore_patterns("*.safetensors"))
    (checkpoints / "latest_checkpointed_iteration.txt").write_text(str(step))
    return actor


def test_verl_checkpoint_is_merged_once_loads_and_evaluates_into_the_run(
    tiny_model: Path, datasets: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from reward_signal.eval.checkpoint import resolve_model
    from reward_signal.eval.run import default_out_dir

    checkpoints = tmp_path / "runs" / "exp" / "checkpoints"
    _fake_fsdp_checkpoint(tiny_model, checkpoints, step=3)
    resolved = resolve_model(str(checkpoints))
    merged = Path(resolved.weights)
    assert resolved.checkpoint_step == 3 and merged.parent == checkpoints / "global_step_3"
    assert default_out_dir(resolved) == tmp_path / "runs" / "exp" / "eval"
    assert [p.name for p in merged.parent.iterdir() if p.name.startswith(".")] == []  # no temp dir left

    original = AutoModelForCausalLM.from_pretrained(tiny_model).state_dict()
    loaded = AutoModelForCausalLM.from_pretrained(merged, dtype=torch.float32).state_dict()
    assert loaded.keys() == original.keys()
    for key, tensor in original.items():
        torch.testing.assert_close(loaded[key], tensor.to(torch.bfloat16).float(), rtol=0, atol=1e-2)
    assert AutoTokenizer.from_pretrained(merged).chat_template == CHAT_TEMPLATE

    weights = next(merged.glob("*.safetensors"))
    stamp = weights.stat().st_mtime_ns
    again = resolve_model(str(checkpoints / "global_step_3"))
    assert again.weights == resolved.weights and weights.stat().st_mtime_ns == stamp  # reused, not re-merged

    # A run's checkpoints/ evaluates its latest step into <run>/eval by default.
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    argv = [
        "eval",
        "--model",
        str(checkpoints),
        "--backend",
        "hf",
        "--datasets",
        datasets[-1],
        "--limit",
        "2",
    ]
    assert main([*argv, "--preset", "greedy", "--max-tokens", "8"]) == 0
    summary = json.loads((tmp_path / "runs" / "exp" / "eval" / "summary.json").read_text())
    assert summary["checkpoint_step"] == 3 and summary["model"] == str(checkpoints)
    assert summary["metrics"]["synth-arith"]["n_samples"] == 2
