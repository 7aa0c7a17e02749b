"""The seed's entry point `script/llama/m_family_main_full_rlvr_8k.sh` still drives a run through the kit."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from reward_signal.common.errors import EXIT_CONFIG_ERROR
from reward_signal.common.paths import REPO_ROOT

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        shutil.which("reward-signal") is None,
        reason="needs the `reward-signal` entry point (pip install -e .)",
    ),
]
SCRIPT = REPO_ROOT / "script" / "llama" / "m_family_main_full_rlvr_8k.sh"


def run_script(tmp_path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        key: value
        for key, value in os.environ.items()
        if key not in ("WANDB_API_KEY", "CUDA_VISIBLE_DEVICES")
    }
    clean["REWARD_SIGNAL_RUNS_DIR"] = str(tmp_path / "runs")
    return subprocess.run(
        ["bash", str(SCRIPT), "--dry-run", "--no-data-check"],
        capture_output=True,
        text=True,
        env={**clean, **env},
        timeout=300,
    )


def test_seed_variables_reach_the_rendered_command(tmp_path) -> None:
    result = run_script(
        tmp_path,
        TRAINING_MODE="MODE1",
        BASE_MODEL="Qwen/Qwen2.5-0.5B-Instruct",
        EXPERIMENT_NAME="seed-style-run",
        REWARD_MODEL_TYPE="RANDOM_REWARD",
        CUDA_VISIBLE_DEVICES="0",
    )
    assert result.returncode == 0, result.stderr
    command = result.stdout
    for expected in (
        "actor_rollout_ref.model.path=Qwen/Qwen2.5-0.5B-Instruct",
        "trainer.experiment_name=seed-style-run",
        "reward_kwargs.reward_type=random_format_gated ",  # the seed's RANDOM_REWARD: the gated coin
        "reward.reward_manager.name=KitRewardManager",  # fresh draws per step and group position
        "trainer.n_gpus_per_node=1",
        f"trainer.default_local_dir={tmp_path}/runs/seed-style-run/checkpoints",
    ):
        assert expected in command
    assert not (tmp_path / "runs").exists()


def test_cuda_visible_devices_is_honoured(tmp_path) -> None:
    result = run_script(tmp_path, TRAINING_MODE="MODE2", CUDA_VISIBLE_DEVICES="0,1")
    assert result.returncode == EXIT_CONFIG_ERROR
    assert "CUDA_VISIBLE_DEVICES shows 2" in result.stderr
