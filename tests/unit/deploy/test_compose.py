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
    command = services["eval"]["command"]
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
