"""script/slurm/train.sbatch orchestration, run under bash with recording `srun`/`scontrol` on PATH.

SLURM and Apptainer are not installed here; the recorders log each `srun` step's argv, so the test
checks which Ray node starts where, with which resources, and what reaches `rs-train`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

SBATCH = REPO_ROOT / "script" / "slurm" / "train.sbatch"
SRUN = """#!/bin/bash
printf '%s\\n' "$*" >> "$SRUN_LOG"
case "$*" in
  *hostname*) echo "fe80::1 127.0.1.1 10.1.2.3 " ;;
  *rs-train*) exit "${FAKE_TRAIN_STATUS:-0}" ;;
  *ray_cluster*) exit "${FAKE_WAIT_STATUS:-0}" ;;
esac
"""
SCONTROL = """#!/bin/bash
[[ "$*" == "show hostnames nodes[1-3]" ]] && printf 'node1\\nnode2\\nnode3\\n'
"""


def launch(tmp_path: Path, *args: str, **env: str) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    bash = shutil.which("bash")
    if bash is None:
        pytest.skip("bash is not installed")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    for name, text in (("srun", SRUN), ("scontrol", SCONTROL)):
        (bin_dir / name).write_text(text)
        (bin_dir / name).chmod(0o755)
    (tmp_path / "reward-signal.sif").write_text("image")
    log = tmp_path / "srun.log"
    log.unlink(missing_ok=True)
    result = subprocess.run(
        [bash, str(SBATCH), *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env={
            "PATH": f"{bin_dir}:{os.environ['PATH']}",
            "SRUN_LOG": str(log),
            "SLURM_JOB_NODELIST": "nodes[1-3]",
            "SLURM_CPUS_ON_NODE": "96",
            "SLURM_JOB_ID": "4242",
            "HF_TOKEN": "hf_x",
            **env,
        },
    )
    return result, log.read_text().splitlines() if log.exists() else []


def test_starts_one_ray_node_per_machine_then_trains_mode3_on_the_head(tmp_path: Path) -> None:
    result, steps = launch(tmp_path, "llama31-8b-rlvr8k", "--set", "trainer.total_epochs=1")
    assert result.returncode == 0, result.stderr
    ray_nodes = [step for step in steps if "ray start" in step]
    assert len(ray_nodes) == 3
    head = [step for step in ray_nodes if "--head" in step]
    assert len(head) == 1 and "-w node1" in head[0] and "--node-ip-address=10.1.2.3" in head[0]
    workers = [step for step in ray_nodes if "--head" not in step]  # started in the background: any order
    assert sorted(step.split(" -w ")[1].split()[0] for step in workers) == ["node2", "node3"]
    assert all("--address=10.1.2.3:6379" in step for step in workers)
    for step in ray_nodes:
        assert "--cpus-per-task=96" in step and "--gpus-per-node=8" in step and "--num-gpus=8" in step
        assert "apptainer exec --nv --cleanenv" in step and "HF_TOKEN=hf_x" in step
    [wait] = [step for step in steps if "reward_signal.deploy.ray_cluster" in step]
    assert "--nodes 3" in wait and "--address 10.1.2.3:6379" in wait
    [train] = [step for step in steps if "rs-train" in step]
    assert "-w node1" in train
    assert "RAY_ADDRESS=10.1.2.3:6379,NNODES=3,GPUS_PER_NODE=8" in train
    assert train.endswith("rs-train llama31-8b-rlvr8k MODE3 --set trainer.total_epochs=1")
    assert steps.index(wait) < steps.index(train)
    assert (tmp_path / "runs").is_dir() and (tmp_path / "cache").is_dir()


def test_training_failure_is_the_jobs_exit_status(tmp_path: Path) -> None:
    result, _ = launch(tmp_path, "debug", FAKE_TRAIN_STATUS="78")
    assert result.returncode == 78


def test_no_training_when_nodes_never_join(tmp_path: Path) -> None:
    result, steps = launch(tmp_path, "debug", FAKE_WAIT_STATUS="1")
    assert result.returncode == 1
    assert not any("rs-train" in step for step in steps)


def test_refuses_to_start_without_the_image_or_an_experiment(tmp_path: Path) -> None:
    result, _ = launch(tmp_path)
    assert result.returncode != 0 and "usage:" in result.stderr
    result, steps = launch(tmp_path, "debug", REWARD_SIGNAL_SIF=str(tmp_path / "missing.sif"))
    assert result.returncode == 2 and "apptainer pull" in result.stderr and steps == []


def test_head_address_is_its_first_non_loopback_ipv4_and_can_be_given(tmp_path: Path) -> None:
    """`hostname --ip-address` can answer 127.0.1.1 or an IPv6 address first; neither reaches other nodes."""
    _, steps = launch(tmp_path, "debug")
    assert any("--node-ip-address=10.1.2.3" in step for step in steps)
    _, steps = launch(tmp_path, "debug", RAY_HEAD_IP="192.168.7.7")
    assert any("--node-ip-address=192.168.7.7" in step for step in steps)
    assert not any("hostname" in step for step in steps)


def test_every_step_can_compile_and_ray_gets_a_per_job_temp_dir(tmp_path: Path) -> None:
    """No passwd entry needed for torch inductor / Triton; Ray's session files apart from other jobs'."""
    from reward_signal.deploy.manifests import runtime_env

    _, steps = launch(tmp_path, "debug", USER="alice")
    container_steps = [step for step in steps if "apptainer exec" in step]
    assert container_steps
    for step in container_steps:
        env = dict(
            pair.split("=", 1)
            for part in step.split("--env ")[1:]
            for pair in part.split(" ", 1)[0].split(",")
            if "=" in pair
        )
        expected = runtime_env("/tmp/rs-4242/home")
        assert {key: env.get(key) for key in expected} == {**expected, "USER": "alice", "LOGNAME": "alice"}
    [head] = [step for step in steps if "--head" in step]
    assert "--temp-dir=/tmp/rs-4242/ray" in head
