"""`reward-signal doctor`: is this machine, container or Python environment ready to train?

Each check is ok, warn, fail or skip; the exit code is 1 when any check fails. What fails depends
on the `Policy`: with `--mode` the run's needs (GPUs, /dev/shm, disk, network) block; inside the
image (`--strict-versions`, the default there) versions, imports, compiler and writable dirs block;
`--cpu-only` checks the image's Python environment on a machine without GPUs, where the GPU checks
are reported as skipped, never as passed.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from pathlib import Path

from reward_signal.common.paths import data_dir, runs_dir
from reward_signal.common.pins import BUILT_FROM_SOURCE, IMAGE_FLOORS, IMAGE_PINS
from reward_signal.deploy.doctor import host, network, python_env
from reward_signal.deploy.doctor.check import FAIL, OK, SKIP, WARN, Check, Policy, skipped

__all__ = ["FAIL", "OK", "SKIP", "WARN", "Check", "Policy", "as_dicts", "format_table", "run_checks"]

# GPUs each mode needs on this machine. MODE3 needs none here: its driver may run on a CPU-only
# Ray head (KubeRay), and the GPUs are on the worker nodes (run `doctor` there to see them).
MODE_GPUS = {"MODE1": 1, "MODE2": 8, "MODE3": 0}
# NCCL and Ray's object store live in /dev/shm; Docker's default of 64 MiB breaks both.
MODE_MIN_SHM_GIB = {"MODE1": 2.0, "MODE2": 16.0, "MODE3": 16.0}
GPU_CHECKS = ("gpus", "nvidia driver", "torch.cuda")
CPU_ONLY_SKIP = "--cpu-only: no GPU here; run `reward-signal doctor --mode ...` on the GPU node"
NOT_ON_CPU = "compiled against CUDA in the image's builder stage, so a CPU-only environment does not hold it"


def expected_versions(lock: Path | None = None) -> dict[str, str]:
    """The image pins, plus Ray's version from the image lock when the lock is present."""
    from reward_signal.deploy.image import DEFAULT_LOCK, locked_versions

    lock = lock or DEFAULT_LOCK
    expected = dict(IMAGE_PINS)
    if lock.is_file():
        ray = locked_versions(lock).get("ray")
        if ray:
            expected["ray"] = ray
    return expected


def _python_checks(
    policy: Policy, expected: Mapping[str, str], imports: Sequence[str], env: Mapping[str, str]
) -> list[Check]:
    blocks = policy.environment_blocks
    absent_ok = dict.fromkeys(BUILT_FROM_SOURCE, NOT_ON_CPU) if policy.cpu_only else None
    compiler = python_env.find_compiler(env)
    return [
        *python_env.check_versions(expected, policy.strict or policy.cpu_only, absent_ok),
        *python_env.check_floors(IMAGE_FLOORS, blocks),
        *python_env.check_imports(imports, blocks, sys.executable, absent_ok),
        python_env.check_compiler(compiler, blocks),
        python_env.check_python_headers(compiler, blocks),
    ]


def _gpu_checks(policy: Policy, env: Mapping[str, str]) -> list[Check]:
    if policy.cpu_only:
        return skipped(GPU_CHECKS, CPU_ONLY_SKIP)
    needed = MODE_GPUS.get(policy.mode or "", 0)
    nvidia_smi = shutil.which("nvidia-smi", path=env.get("PATH"))
    try:
        driver: str | RuntimeError = host.driver_version(nvidia_smi)
    except RuntimeError as exc:
        driver = exc
    return [
        host.check_gpus(host.list_gpus(nvidia_smi), needed),
        host.check_driver(driver, needed > 0),
        python_env.check_torch_cuda(needed > 0),
    ]


def _hf_home(env: Mapping[str, str]) -> Path:
    return Path(env.get("HF_HOME", Path.home() / ".cache" / "huggingface"))


def _writable_dirs(env: Mapping[str, str]) -> dict[str, Path]:
    """Where a run writes: outputs, caches, its working dir, and what Triton/torch/Ray use under HOME and TMP."""
    return {
        "runs": runs_dir(),
        "hf cache": _hf_home(env),
        "data": data_dir(),
        "working dir": Path.cwd(),
        "home": Path.home(),
        "tmp": Path(tempfile.gettempdir()),
    }


def _data_urls() -> list[str]:
    from reward_signal.data.manifest import load_manifest

    return [entry.url for entry in load_manifest().datasets]


def _ray_checks(policy: Policy) -> list[Check]:
    """Ray's CPUs for a run that starts Ray on this machine (MODE1, MODE2); MODE3 uses the cluster's."""
    from reward_signal.launch.local_ray import machine_cpus

    if policy.mode not in ("MODE1", "MODE2"):
        return []
    return [host.check_ray_cpus(machine_cpus(), MODE_GPUS[policy.mode])]


def run_checks(
    policy: Policy,
    min_free_gib: float,
    env: Mapping[str, str],
    expected: Mapping[str, str] | None = None,
    imports: Sequence[str] | None = None,
) -> list[Check]:
    """Every check for `policy` in this environment, in the order they are printed.

    `expected` defaults to the image pins (plus the locked Ray), `imports` to IMAGE_IMPORTS.
    """
    reach = network.check_reachable(network.endpoints(env, _data_urls()), policy.run_blocks)
    return [
        *_python_checks(
            policy,
            expected if expected is not None else expected_versions(),
            python_env.IMAGE_IMPORTS if imports is None else imports,
            env,
        ),
        *_gpu_checks(policy, env),
        host.check_shm(host.shm_bytes(), MODE_MIN_SHM_GIB.get(policy.mode or "", 0.0)),
        *_ray_checks(policy),
        host.check_user(os.getuid()),
        *(
            host.check_writable(label, path, policy.environment_blocks)
            for label, path in _writable_dirs(env).items()
        ),
        host.check_disk("disk runs", runs_dir(), min_free_gib, policy.run_blocks),
        host.check_disk("disk hf cache", _hf_home(env), min_free_gib / 4, policy.run_blocks),
        network.check_hf_token(env),
        network.check_wandb(env, Path.home() / ".netrc"),
        *reach,
        network.network_verdict(reach),
    ]


def format_table(checks: list[Check]) -> str:
    width = max(len(check.name) for check in checks)
    return "\n".join(f"[{check.status:>4}] {check.name:<{width}}  {check.detail}" for check in checks)


def as_dicts(checks: list[Check]) -> list[dict[str, str]]:
    return [asdict(check) for check in checks]
