"""`reward-signal doctor`: each check on real inputs, and the exit code on this GPU-less machine."""

from __future__ import annotations

import json
import os
import stat
from importlib import metadata
from pathlib import Path

import pytest

from reward_signal.cli import main
from reward_signal.deploy import doctor
from reward_signal.deploy.doctor import FAIL, OK, WARN

GIB = doctor.GIB
NVIDIA_SMI_H100 = "NVIDIA H100 80GB HBM3, 81559\nNVIDIA H100 80GB HBM3, 81559\n"


def test_nvidia_smi_rows_are_parsed_including_commas_in_names() -> None:
    gpus = doctor.parse_nvidia_smi(NVIDIA_SMI_H100 + "NVIDIA A100-SXM4-80GB, rev 2, 81920\n\n")
    assert [g.memory_mib for g in gpus] == [81559, 81559, 81920]
    assert gpus[2].name == "NVIDIA A100-SXM4-80GB, rev 2"


def test_gpu_check_blocks_only_when_the_mode_needs_more() -> None:
    two = doctor.parse_nvidia_smi(NVIDIA_SMI_H100)
    assert doctor.check_gpus(two, needed=1).status == OK
    assert doctor.check_gpus(two, needed=8).status == FAIL
    assert "2 visible" in doctor.check_gpus(two, needed=8).detail
    assert doctor.check_gpus("nvidia-smi not found", needed=0).status == WARN
    assert doctor.check_gpus("nvidia-smi not found", needed=1).status == FAIL
    assert doctor.check_gpus([], needed=0).status == WARN


def test_nvidia_smi_that_is_present_but_failing_is_reported(tmp_path: Path) -> None:
    broken = tmp_path / "nvidia-smi"
    broken.write_text(
        "#!/bin/sh\necho 'NVIDIA-SMI has failed because it could not communicate with the driver' >&2\nexit 9\n"
    )
    broken.chmod(broken.stat().st_mode | stat.S_IEXEC)
    reason = doctor.list_gpus(str(broken))
    assert isinstance(reason, str) and "exited 9" in reason and "driver" in reason


def test_shm_thresholds() -> None:
    assert doctor.check_shm(64 * 1024**2, min_gib=16).status == FAIL  # Docker's default 64 MiB
    assert "--shm-size" in doctor.check_shm(64 * 1024**2, min_gib=16).detail
    assert doctor.check_shm(64 * 1024**2, min_gib=0).status == WARN
    assert doctor.check_shm(32 * GIB, min_gib=16).status == OK
    assert doctor.check_shm(None, min_gib=2).status == FAIL
    assert doctor.shm_bytes(Path("/nonexistent/shm")) is None


def test_hf_token_from_env_or_token_file(tmp_path: Path) -> None:
    assert doctor.check_hf_token({"HF_TOKEN": "hf_x"}).status == OK
    assert doctor.check_hf_token({"HF_HOME": str(tmp_path)}).status == WARN
    (tmp_path / "token").write_text("hf_x")
    assert doctor.check_hf_token({"HF_HOME": str(tmp_path)}).status == OK


def test_wandb_online_needs_a_key(tmp_path: Path) -> None:
    netrc = tmp_path / ".netrc"
    assert doctor.check_wandb({"WANDB_MODE": "offline"}, netrc).status == OK
    assert doctor.check_wandb({}, netrc).status == WARN
    assert doctor.check_wandb({"WANDB_API_KEY": "k"}, netrc).status == OK
    netrc.write_text("machine api.wandb.ai\n  login user\n  password k\n")
    assert doctor.check_wandb({}, netrc).status == OK


def test_versions_against_pins_strict_only_in_the_image() -> None:
    installed = {"verl": "0.9.1", "torch": "2.13.0+cpu"}

    def version_of(name: str) -> str:
        if name not in installed:
            raise metadata.PackageNotFoundError(name)
        return installed[name]

    pins = {"verl": "0.9.1", "torch": "2.11.0", "vllm": "0.24.0"}
    loose = {c.name: c.status for c in doctor.check_versions(pins, strict=False, version_of=version_of)}
    assert loose == {"version verl": OK, "version torch": WARN, "version vllm": WARN}
    strict = {c.name: c.status for c in doctor.check_versions(pins, strict=True, version_of=version_of)}
    assert strict == {"version verl": OK, "version torch": FAIL, "version vllm": FAIL}
    assert doctor.check_versions({"torch": "2.13.0"}, strict=True, version_of=version_of)[0].status == OK


def test_expected_versions_include_ray_from_the_lock(tmp_path: Path) -> None:
    lock = tmp_path / "requirements.lock"
    lock.write_text("ray==9.9.9 \\\n    --hash=sha256:00\n")
    assert doctor.expected_versions(lock)["ray"] == "9.9.9"
    assert doctor.expected_versions(lock)["verl"] == "0.9.1"


def test_disk_check_blocks_only_for_a_requested_run(tmp_path: Path) -> None:
    not_yet = tmp_path / "runs" / "deeper"
    assert doctor.check_disk("disk runs", not_yet, 0.001, blocking=True).status == OK
    assert doctor.check_disk("disk runs", not_yet, 1e9, blocking=True).status == FAIL
    assert doctor.check_disk("disk runs", not_yet, 1e9, blocking=False).status == WARN


@pytest.fixture
def no_gpu_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A PATH without nvidia-smi and an empty runs dir: this machine as CI sees it."""
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    monkeypatch.setenv("REWARD_SIGNAL_RUNS_DIR", str(tmp_path / "runs"))
    monkeypatch.delenv("REWARD_SIGNAL_IMAGE", raising=False)
    return tmp_path


def test_cli_reports_without_failing_on_a_cpu_machine(
    no_gpu_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["doctor", "--min-free-gb", "0.001"]) == 0
    out = capsys.readouterr().out
    assert "[warn] gpus" in out and "nvidia-smi not found" in out and "version verl" in out


def test_cli_blocks_a_gpu_mode_without_gpus(no_gpu_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["doctor", "--mode", "MODE2", "--min-free-gb", "0.001", "--json"]) == 1
    checks = {check["name"]: check for check in json.loads(capsys.readouterr().out)}
    assert checks["gpus"]["status"] == FAIL and "needs 8" in checks["gpus"]["detail"]
    assert {"/dev/shm", "hf token", "wandb", "disk runs", "disk hf cache"} <= checks.keys()


def test_mode3_driver_may_run_on_a_cpu_only_head() -> None:
    env = {"PATH": os.devnull, "GPUS_PER_NODE": "8", "HOME": "/nonexistent"}
    checks = {c.name: c for c in doctor.run_checks("MODE3", False, 0.0, env, expected={})}
    assert checks["gpus"].status == WARN  # reported, not blocking: the workers hold the GPUs
    assert checks["/dev/shm"].detail  # the head still needs shared memory for Ray's object store
