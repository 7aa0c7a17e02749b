from __future__ import annotations

import json
import os
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import yaml

from reward_signal.launch.rundir import (
    REDACTED,
    attempt_stamp,
    command_script,
    git_commit,
    provenance,
    redact,
    secret_values,
    write_run_dir,
)

NOW = datetime(2026, 11, 25, 3, 4, 5, tzinfo=UTC)


def test_attempt_stamp_is_utc() -> None:
    assert attempt_stamp(NOW) == "20261125T030405Z"


def test_redact_hides_secret_keys_and_known_secret_values() -> None:
    config = {
        "a": {"hf_token": "hf_abc", "api_key": None, "path": "/x"},
        "b": ["run with hf_abc"],
        "WANDB_API_KEY": "w",
    }
    redacted = redact(config, ["hf_abc"])
    assert redacted == {
        "a": {"hf_token": REDACTED, "api_key": None, "path": "/x"},
        "b": [f"run with {REDACTED}"],
        "WANDB_API_KEY": REDACTED,
    }
    assert secret_values({"HF_TOKEN": "t", "WANDB_API_KEY": "", "OTHER": "o"}) == ["t"]
    kept = {
        "max_num_batched_tokens": 8192,
        "ppo_max_token_len_per_gpu": 1,
        "tokenizer_path": "/t",
        "skip_tokenizer_init": True,
    }
    assert redact(kept, []) == kept


def test_command_script_repeats_the_launch(tmp_path: Path) -> None:
    script = tmp_path / "command.sh"
    script.write_text(
        command_script(
            ["python3", "-c", "import os,sys; print(os.environ['X'], sys.argv[1])", "a b"],
            {"X": "it's"},
            tmp_path,
        )
    )
    result = subprocess.run(["bash", str(script)], capture_output=True, text=True, check=True)
    assert result.stdout == "it's a b\n"


def test_provenance_and_commit(monkeypatch) -> None:
    assert git_commit({"REWARD_SIGNAL_GIT_COMMIT": "abc123"}) == "abc123"
    info = provenance({"REWARD_SIGNAL_IMAGE": "ghcr.io/x/kit@sha256:1"}, NOW)
    assert info["image"] == "ghcr.io/x/kit@sha256:1"
    assert info["created_at"] == "2026-11-25T03:04:05+00:00"
    assert info["versions"]["verl"] == "0.9.1"
    assert set(info) == {"kit_version", "git_commit", "versions", "image", "host", "created_at"}


def test_write_run_dir_writes_the_contract_files(tmp_path: Path) -> None:
    run_dir = tmp_path / "runs" / "exp"
    write_run_dir(
        run_dir,
        run_info={"experiment": "exp", "note": "token sk-secret"},
        config={"trainer": {"experiment_name": "exp"}, "wandb_api_key": "sk-secret"},
        overrides=["a=1", "+b.c=sk-secret"],
        argv=["python3", "-m", "verl.trainer.main_ppo", "a=1"],
        env_updates={"VERL_FILE_LOGGER_PATH": str(run_dir / "metrics" / "attempt-x.jsonl")},
        secrets=["sk-secret"],
    )
    assert json.loads((run_dir / "run.json").read_text())["note"] == f"token {REDACTED}"
    assert yaml.safe_load((run_dir / "config.yaml").read_text())["wandb_api_key"] == REDACTED
    assert (run_dir / "overrides.txt").read_text() == f"a=1\n+b.c={REDACTED}\n"
    command = (run_dir / "command.sh").read_text()
    assert (
        "exec python3 -m verl.trainer.main_ppo \\\n  a=1\n" in command
        and "export VERL_FILE_LOGGER_PATH=" in command
    )
    assert os.access(run_dir / "command.sh", os.X_OK)
    assert all((run_dir / sub).is_dir() for sub in ("metrics", "checkpoints", "rollouts", "validation"))
    assert "sk-secret" not in "".join(path.read_text() for path in run_dir.iterdir() if path.is_file())
