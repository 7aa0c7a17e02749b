"""`reward-signal doctor`: each check on real inputs (processes, files, a local HTTP server), and the exit code."""

from __future__ import annotations

import json
import os
import shutil
import socket
import stat
from importlib import metadata
from pathlib import Path

import pytest

from reward_signal.cli import main
from reward_signal.deploy.doctor import (
    FAIL,
    OK,
    SKIP,
    WARN,
    Check,
    Policy,
    host,
    network,
    python_env,
    run_checks,
)
from tests.unit.data.http_server import serve

GIB = host.GIB
NVIDIA_SMI_H100 = "NVIDIA H100 80GB HBM3, 81559\nNVIDIA H100 80GB HBM3, 81559\n"
PROC_PROPRIETARY = (
    "NVRM version: NVIDIA UNIX x86_64 Kernel Module  580.65.06  Sun Jul 27 07:09:12 UTC 2025\n"
    "GCC version:  gcc version 13.3.0 (Ubuntu 13.3.0-6ubuntu2~24.04)\n"
)
PROC_OPEN = (
    "NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  570.172.08  Release Build  (dvs-builder@U16)\n"
)


def script(path: Path, body: str) -> str:
    """An executable shell script (a stand-in tool such as nvidia-smi, run for real)."""
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return str(path)


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


# --- GPUs and driver -------------------------------------------------------------------------


def test_nvidia_smi_rows_are_parsed_including_commas_in_names() -> None:
    gpus = host.parse_nvidia_smi(NVIDIA_SMI_H100 + "NVIDIA A100-SXM4-80GB, rev 2, 81920\n\n")
    assert [g.memory_mib for g in gpus] == [81559, 81559, 81920]
    assert gpus[2].name == "NVIDIA A100-SXM4-80GB, rev 2"


def test_gpu_check_blocks_only_when_the_mode_needs_more() -> None:
    two = host.parse_nvidia_smi(NVIDIA_SMI_H100)
    assert host.check_gpus(two, needed=1).status == OK
    assert host.check_gpus(two, needed=8).status == FAIL
    assert "2 visible" in host.check_gpus(two, needed=8).detail
    assert host.check_gpus("nvidia-smi not found", needed=0).status == WARN
    assert host.check_gpus("nvidia-smi not found", needed=1).status == FAIL
    assert host.check_gpus([], needed=0).status == WARN


def test_nvidia_smi_that_is_present_but_failing_is_reported(tmp_path: Path) -> None:
    broken = script(
        tmp_path / "nvidia-smi",
        "echo 'NVIDIA-SMI has failed because it could not communicate with the driver' >&2\nexit 9\n",
    )
    reason = host.list_gpus(broken)
    assert isinstance(reason, str) and "exited 9" in reason and "driver" in reason


def test_driver_version_from_proc_then_from_nvidia_smi(tmp_path: Path) -> None:
    assert host.parse_proc_driver_version(PROC_PROPRIETARY) == "580.65.06"
    assert host.parse_proc_driver_version(PROC_OPEN) == "570.172.08"
    proc = tmp_path / "version"
    proc.write_text(PROC_OPEN)
    assert host.driver_version(None, proc) == "570.172.08"
    smi = script(tmp_path / "nvidia-smi", 'test "$1" = --query-gpu=driver_version && echo 590.44.01\n')
    assert host.driver_version(smi, tmp_path / "absent") == "590.44.01"
    with pytest.raises(RuntimeError, match="nvidia-smi not found"):
        host.driver_version(None, tmp_path / "absent")


def test_cuda13_needs_an_r580_driver() -> None:
    assert host.check_driver("580.65.06", blocking=True).status == OK
    assert host.check_driver("590.44.01", blocking=True).status == OK
    old = host.check_driver("570.172.08", blocking=True)
    assert old.status == FAIL and "older than 580.65.06" in old.detail and "CUDA 13.0" in old.detail
    assert host.check_driver("570.172.08", blocking=False).status == WARN
    assert host.check_driver(RuntimeError("nvidia-smi not found"), blocking=True).status == FAIL


def test_torch_cuda_reports_why_cuda_cannot_start() -> None:
    """On this GPU-less machine torch.cuda.init() raises; the check carries torch's own message."""
    check = python_env.check_torch_cuda(blocking=True)
    assert check.status == FAIL and check.name == "torch.cuda"
    assert "CUDA" in check.detail or "NVIDIA" in check.detail, check.detail
    assert python_env.check_torch_cuda(blocking=False).status == WARN


# --- /dev/shm, disk, writable dirs, user ------------------------------------------------------


def test_shm_thresholds() -> None:
    assert host.check_shm(64 * 1024**2, min_gib=16).status == FAIL  # Docker's default 64 MiB
    assert "--shm-size" in host.check_shm(64 * 1024**2, min_gib=16).detail
    assert host.check_shm(64 * 1024**2, min_gib=0).status == WARN
    assert host.check_shm(32 * GIB, min_gib=16).status == OK
    assert host.check_shm(None, min_gib=2).status == FAIL
    assert host.shm_bytes(Path("/nonexistent/shm")) is None


def test_ray_cpus_says_what_the_launch_will_do() -> None:
    """A one-GPU VM with 8 vCPUs would wait forever for VERL's placement groups; `train` raises the count."""
    small = host.check_ray_cpus(8, gpus=1)
    assert small.status == WARN and "ray_kwargs.ray_init.num_cpus=14" in small.detail
    assert host.check_ray_cpus(96, gpus=8).status == OK
    exact = host.check_ray_cpus(35, gpus=8)  # 1 controller + 8 storage units + 3 x 8 GPUs + 2 spare
    assert exact.status == OK and "reserve 35 for 8 GPUs" in exact.detail
    assert host.check_ray_cpus(34, gpus=8).status == WARN


def test_disk_check_blocks_only_for_a_requested_run(tmp_path: Path) -> None:
    not_yet = tmp_path / "runs" / "deeper"
    assert host.check_disk("disk runs", not_yet, 0.001, blocking=True).status == OK
    assert host.check_disk("disk runs", not_yet, 1e9, blocking=True).status == FAIL
    assert host.check_disk("disk runs", not_yet, 1e9, blocking=False).status == WARN


def test_writable_dirs_are_tried_with_a_real_file(tmp_path: Path) -> None:
    assert host.check_writable("runs", tmp_path, blocking=True) == Check("writable runs", OK, str(tmp_path))
    assert "will be created" in host.check_writable("runs", tmp_path / "a" / "b", blocking=True).detail
    assert list(tmp_path.iterdir()) == []  # the probe file is gone, nothing was created
    # /proc refuses new files even for root: a read-only place, as a read-only volume would be.
    refused = host.check_writable("runs", Path("/proc/reward-signal-runs"), blocking=True)
    assert refused.status == FAIL and "cannot create files in" in refused.detail and "/proc" in refused.detail
    assert host.check_writable("runs", Path("/proc/reward-signal-runs"), blocking=False).status == WARN


def test_user_name_must_resolve() -> None:
    def no_name() -> str:
        raise KeyError("getpwuid(): uid not found: 54321")

    def no_entry(uid: int) -> object:
        raise KeyError(uid)

    unknown = host.check_user(54321, getuser=no_name)
    assert unknown.status == FAIL and "uid 54321" in unknown.detail and "USER" in unknown.detail
    assert host.check_user(54321, getuser=lambda: "kit", getpwuid=no_entry).status == WARN
    assert host.check_user(os.getuid()).status == OK


# --- versions, imports, compiler --------------------------------------------------------------


def fake_versions(installed: dict[str, str]):  # noqa: ANN201 - a metadata.version stand-in
    def version_of(name: str) -> str:
        if name not in installed:
            raise metadata.PackageNotFoundError(name)
        return installed[name]

    return version_of


def test_versions_against_pins_strict_only_in_the_image() -> None:
    version_of = fake_versions({"verl": "0.9.1", "torch": "2.13.0+cpu"})
    pins = {"verl": "0.9.1", "torch": "2.11.0", "vllm": "0.24.0", "flash-attn": "2.8.3"}
    loose = {c.name: c.status for c in python_env.check_versions(pins, False, version_of=version_of)}
    assert loose == {
        "version verl": OK,
        "version torch": WARN,
        "version vllm": WARN,
        "version flash-attn": WARN,
    }
    strict = python_env.check_versions(pins, True, {"flash-attn": "built in the image"}, version_of)
    assert {c.name: c.status for c in strict} == {
        "version verl": OK,
        "version torch": FAIL,
        "version vllm": FAIL,
        "version flash-attn": SKIP,
    }
    assert "built in the image" in strict[-1].detail


def test_floors_catch_a_resolver_fallback() -> None:
    floors = {"hydra-core": "1.3", "omegaconf": "2.3"}
    old = python_env.check_floors(floors, True, fake_versions({"hydra-core": "0.11.3", "omegaconf": "1.4.1"}))
    assert [c.status for c in old] == [FAIL, FAIL]
    assert old[0].detail == "0.11.3 installed, VERL needs >= 1.3"
    good = python_env.check_floors(floors, True, fake_versions({"hydra-core": "1.3.8", "omegaconf": "2.3.1"}))
    assert [c.status for c in good] == [OK, OK]
    assert python_env.check_floors(floors, False, fake_versions({}))[0].status == WARN


def test_imports_name_the_error_of_the_module_that_broke(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "needs_missing.py").write_text("from json import MISSING\n")
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    checks = python_env.check_imports(
        ["json", "needs_missing", "flash_attn"],
        blocking=True,
        absent_ok={"flash-attn": "built in the image"},
        version_of=fake_versions({}),
    )
    assert [c.status for c in checks] == [OK, FAIL, SKIP]
    assert checks[1].name == "import needs_missing"
    assert checks[1].detail.startswith("ImportError: cannot import name 'MISSING' from 'json'")
    installed = python_env.check_imports(
        ["flash_attn"], True, absent_ok={"flash-attn": "x"}, version_of=fake_versions({"flash-attn": "2.8.3"})
    )
    assert installed[0].status == FAIL and "No module named 'flash_attn'" in installed[0].detail


def test_compiler_and_python_headers(tmp_path: Path) -> None:
    missing = python_env.check_compiler(None, blocking=True)
    assert missing.status == FAIL and "build-essential" in missing.detail
    assert python_env.find_compiler({"PATH": str(tmp_path)}) is None
    fake_cc = script(tmp_path / "cc", "echo 'cc (test) 1.0'\n")
    assert python_env.find_compiler({"PATH": str(tmp_path)}) == fake_cc
    assert python_env.find_compiler({"PATH": str(tmp_path), "CC": "clang-not-here"}) is None
    no_header = python_env.check_python_headers(None, True, include_dir=tmp_path)
    assert no_header.status == FAIL and "-dev" in no_header.detail


@pytest.mark.skipif(
    python_env.find_compiler(os.environ) is None, reason="needs a C compiler (the image has one)"
)
def test_python_headers_really_compile(tmp_path: Path) -> None:
    compiler = python_env.find_compiler(os.environ)
    assert python_env.check_compiler(compiler, True).status == OK
    assert python_env.check_python_headers(compiler, True).status == OK
    (tmp_path / "Python.h").write_text("#error this header is broken\n")
    broken = python_env.check_python_headers(compiler, True, include_dir=tmp_path)
    assert broken.status == FAIL and "does not compile" in broken.detail and "broken" in broken.detail


# --- credentials and network ------------------------------------------------------------------


def test_hf_token_from_env_or_token_file(tmp_path: Path) -> None:
    assert network.check_hf_token({"HF_TOKEN": "hf_x"}).status == OK
    assert network.check_hf_token({"HF_HOME": str(tmp_path)}).status == WARN
    (tmp_path / "token").write_text("hf_x")
    assert network.check_hf_token({"HF_HOME": str(tmp_path)}).status == OK


def test_wandb_online_needs_a_key(tmp_path: Path) -> None:
    netrc = tmp_path / ".netrc"
    assert network.check_wandb({"WANDB_MODE": "offline"}, netrc).status == OK
    assert network.check_wandb({}, netrc).status == WARN
    assert network.check_wandb({"WANDB_API_KEY": "k"}, netrc).status == OK
    netrc.write_text("machine api.wandb.ai\n  login user\n  password k\n")
    assert network.check_wandb({}, netrc).status == OK


def test_endpoints_follow_the_environment(tmp_path: Path) -> None:
    data = ["https://raw.githubusercontent.com/o/r/c/data/x.parquet"]
    default = {e.label: e for e in network.endpoints({}, data)}
    assert default["model hub"].url == "https://huggingface.co"
    assert default["data source"].url == "https://raw.githubusercontent.com/"
    assert default["wandb server"].url == "https://api.wandb.ai"
    assert all(e.offline is None for e in default.values())
    env = {
        "HF_HUB_OFFLINE": "1",
        "WANDB_MODE": "offline",
        "REWARD_SIGNAL_DATA_MIRROR": str(tmp_path),
    }
    declared = {e.label: e for e in network.endpoints(env, data)}
    assert all(e.offline for e in declared.values())
    mirrored = network.endpoints({"REWARD_SIGNAL_DATA_MIRROR": "http://mirror.lan/seed"}, data)[1]
    assert mirrored.url == "http://mirror.lan/seed" and mirrored.offline is None


def test_reachability_against_a_local_server_and_a_closed_port(tmp_path: Path) -> None:
    with serve(tmp_path) as server:
        targets = [
            network.Endpoint("model hub", f"{server.url}/api/models", "the model in HF_HOME"),
            network.Endpoint("data source", closed_port_url(), "the datasets fetched beforehand"),
            network.Endpoint(
                "wandb server",
                "https://api.wandb.ai",
                "WANDB_MODE=offline",
                "WANDB_MODE=offline: nothing is sent",
            ),
        ]
        checks = network.check_reachable(targets, blocking=True)
    assert [c.status for c in checks] == [OK, FAIL, SKIP]  # a 404 is still an answer
    assert (
        "unreachable (ConnectionRefusedError" in checks[1].detail
        and "datasets fetched beforehand" in checks[1].detail
    )
    assert network.check_reachable(targets[1:2], blocking=False)[0].status == WARN
    verdict = network.network_verdict(checks)
    assert verdict.status == FAIL and verdict.detail.startswith("partly offline: data source unreachable")
    assert "declared offline: wandb server" in verdict.detail


def test_network_verdict_online_and_offline() -> None:
    up = Check("reach model hub", OK, "answers")
    down = Check("reach wandb server", WARN, "unreachable")
    assert network.network_verdict([up]).detail == "online: model hub"
    offline = network.network_verdict([down])
    assert offline.status == WARN and offline.detail.startswith("offline: wandb server unreachable")


# --- the command ------------------------------------------------------------------------------


@pytest.fixture
def cpu_machine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """This machine as CI sees it: no nvidia-smi, an empty runs dir, every endpoint on 127.0.0.1,
    and a short import list (the real one takes a minute; tests/unit/deploy/test_image_env.py and CI
    run it in the image environment)."""
    (tmp_path / "bin").mkdir()
    for tool in ("cc", "gcc"):
        if shutil.which(tool):
            (tmp_path / "bin" / tool).symlink_to(shutil.which(tool))
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    monkeypatch.setenv("REWARD_SIGNAL_RUNS_DIR", str(tmp_path / "runs"))
    monkeypatch.setenv("REWARD_SIGNAL_DATA_MIRROR", str(tmp_path))
    monkeypatch.setenv("HF_ENDPOINT", closed_port_url())
    monkeypatch.setenv("WANDB_MODE", "offline")
    monkeypatch.delenv("REWARD_SIGNAL_IMAGE", raising=False)
    monkeypatch.setattr(python_env, "IMAGE_IMPORTS", ("json", "flash_attn"))
    return tmp_path


def test_cli_reports_without_failing_on_a_cpu_machine(
    cpu_machine: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["doctor", "--min-free-gb", "0.001"]) == 0
    out = capsys.readouterr().out
    assert "[warn] gpus" in out and "nvidia-smi not found" in out and "version verl" in out
    assert "[  ok] import json" in out and "[warn] network" in out and "offline: model hub unreachable" in out


def test_cli_blocks_a_gpu_mode_without_gpus(cpu_machine: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["doctor", "--mode", "MODE2", "--min-free-gb", "0.001", "--json"]) == 1
    checks = {check["name"]: check for check in json.loads(capsys.readouterr().out)}
    assert checks["gpus"]["status"] == FAIL and "needs 8" in checks["gpus"]["detail"]
    assert checks["nvidia driver"]["status"] == FAIL and checks["torch.cuda"]["status"] == FAIL
    assert checks["reach model hub"]["status"] == FAIL  # a run that must download its model
    assert {
        "/dev/shm",
        "hf token",
        "wandb",
        "disk runs",
        "disk hf cache",
        "user",
        "writable runs",
    } <= checks.keys()


def test_cpu_only_skips_gpu_checks_and_fails_on_the_dev_environment(
    cpu_machine: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Here torch is the CPU build and vllm is absent: --cpu-only must say so and exit 1."""
    assert main(["doctor", "--cpu-only", "--min-free-gb", "0.001", "--json"]) == 1
    checks = {check["name"]: check for check in json.loads(capsys.readouterr().out)}
    for name in ("gpus", "nvidia driver", "torch.cuda"):
        assert checks[name]["status"] == SKIP and "--cpu-only" in checks[name]["detail"]
    assert (
        checks["version torch"]["status"] == FAIL and "image pins 2.11.0" in checks["version torch"]["detail"]
    )
    assert checks["version vllm"]["status"] == FAIL
    assert checks["version flash-attn"]["status"] == SKIP and checks["import flash_attn"]["status"] == SKIP
    assert checks["version hydra-core"]["status"] == OK and checks["import json"]["status"] == OK
    assert checks["reach model hub"]["status"] == WARN  # the network is the run's business, not the image's


def test_cpu_only_and_mode_exclude_each_other(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["doctor", "--cpu-only", "--mode", "MODE1"])
    assert exit_info.value.code == 2 and "not allowed with" in capsys.readouterr().err


def test_mode3_driver_may_run_on_a_cpu_only_head(cpu_machine: Path) -> None:
    env = {"PATH": os.devnull, "GPUS_PER_NODE": "8", "HOME": "/nonexistent", "WANDB_MODE": "offline"}
    checks = {c.name: c for c in run_checks(Policy(mode="MODE3"), 0.0, env, expected={}, imports=())}
    assert checks["gpus"].status == WARN  # reported, not blocking: the workers hold the GPUs
    assert checks["nvidia driver"].status == WARN
    assert checks["/dev/shm"].detail  # the head still needs shared memory for Ray's object store


def test_expected_versions_include_ray_from_the_lock(tmp_path: Path) -> None:
    from reward_signal.deploy.doctor import expected_versions

    lock = tmp_path / "requirements.lock"
    lock.write_text("ray==9.9.9 \\\n    --hash=sha256:00\n")
    assert expected_versions(lock)["ray"] == "9.9.9"
    assert expected_versions(lock)["verl"] == "0.9.1"
