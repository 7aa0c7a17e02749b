"""The machine under the Python environment: GPUs, NVIDIA driver, /dev/shm, disk, writable dirs, the user."""

from __future__ import annotations

import getpass
import os
import pwd
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from reward_signal.common.pins import CUDA_VERSION, MIN_DRIVER
from reward_signal.common.versions import meets_floor
from reward_signal.deploy.doctor.check import FAIL, OK, WARN, Check, problem

GIB = 1024**3
ADVISED_SHM_GIB = 16.0
PROC_DRIVER_VERSION = Path("/proc/driver/nvidia/version")
# "NVRM version: NVIDIA UNIX x86_64 Kernel Module  580.65.06  ..." or "... Open Kernel Module for x86_64  580.82.07 ..."
_PROC_DRIVER_RE = re.compile(r"Kernel Module(?: for \S+)?\s+(\d+(?:\.\d+)+)")


@dataclass(frozen=True)
class Gpu:
    name: str
    memory_mib: int


def _nvidia_smi(nvidia_smi: str | None, query: str) -> str:
    """stdout of an `nvidia-smi --query-gpu` call; raises RuntimeError with the reason it gave nothing."""
    if nvidia_smi is None:
        raise RuntimeError(
            "nvidia-smi not found (no NVIDIA driver, or the container was started without GPUs)"
        )
    try:
        result = subprocess.run(
            [nvidia_smi, f"--query-gpu={query}", "--format=csv,noheader,nounits"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise RuntimeError(f"nvidia-smi did not run: {exc}") from exc
    if result.returncode != 0:
        raise RuntimeError(f"nvidia-smi exited {result.returncode}: {result.stderr.strip()[:200]}")
    return result.stdout


def parse_nvidia_smi(text: str) -> list[Gpu]:
    """Rows of `nvidia-smi --query-gpu=name,memory.total --format=csv,noheader,nounits`."""
    gpus = []
    for line in text.splitlines():
        if line.strip():
            name, _, memory = line.rpartition(",")
            gpus.append(Gpu(name.strip(), int(float(memory.strip()))))
    return gpus


def list_gpus(nvidia_smi: str | None) -> list[Gpu] | str:
    """Visible GPUs, or a reason string when they cannot be listed."""
    try:
        return parse_nvidia_smi(_nvidia_smi(nvidia_smi, "name,memory.total"))
    except RuntimeError as exc:
        return str(exc)


def check_gpus(gpus: list[Gpu] | str, needed: int) -> Check:
    """Enough GPUs for the requested mode (`needed` = 0: informational only)."""
    if isinstance(gpus, str):
        return problem("gpus", needed > 0, gpus + (f"; this mode needs {needed}" if needed else ""))
    listing = ", ".join(f"{gpu.name} {gpu.memory_mib / 1024:.0f} GiB" for gpu in gpus) or "none"
    if len(gpus) < needed:
        return Check("gpus", FAIL, f"{len(gpus)} visible ({listing}); this mode needs {needed}")
    if not gpus:
        return Check("gpus", WARN, "no GPU visible: CPU-only (tests, config checks, grading)")
    return Check("gpus", OK, f"{len(gpus)} visible: {listing}")


def parse_proc_driver_version(text: str) -> str | None:
    match = _PROC_DRIVER_RE.search(text)
    return match.group(1) if match else None


def driver_version(nvidia_smi: str | None, proc: Path = PROC_DRIVER_VERSION) -> str:
    """The loaded NVIDIA kernel driver's version: from /proc (no GPU access needed), else nvidia-smi.

    Raises RuntimeError saying why neither source answered.
    """
    if proc.is_file():
        found = parse_proc_driver_version(proc.read_text(errors="replace"))
        if found:
            return found
    lines = _nvidia_smi(nvidia_smi, "driver_version").split()
    if not lines:
        raise RuntimeError("nvidia-smi listed no driver version")
    return lines[0]


def check_driver(version: str | RuntimeError, blocking: bool) -> Check:
    """CUDA 13 user-space libraries (from torch's nvidia-* wheels) need a driver of the R580 branch or newer."""
    if isinstance(version, RuntimeError):
        return problem("nvidia driver", blocking, str(version))
    if not meets_floor(version, MIN_DRIVER):
        return problem(
            "nvidia driver",
            blocking,
            f"{version} is older than {MIN_DRIVER}, the first driver for CUDA {CUDA_VERSION}: "
            "upgrade the host driver (the image's CUDA libraries cannot run on it)",
        )
    return Check("nvidia driver", OK, f"{version} (CUDA {CUDA_VERSION} needs >= {MIN_DRIVER})")


def shm_bytes(path: Path = Path("/dev/shm")) -> int | None:
    if not path.exists():
        return None
    stats = os.statvfs(path)
    return stats.f_blocks * stats.f_frsize


def check_shm(total_bytes: int | None, min_gib: float) -> Check:
    """Size of /dev/shm against what NCCL/Ray need (`min_gib` = 0: advice only)."""
    if total_bytes is None:
        return problem("/dev/shm", min_gib > 0, "/dev/shm does not exist")
    size_gib = total_bytes / GIB
    detail = f"{size_gib:.1f} GiB"
    if min_gib and size_gib < min_gib:
        return Check(
            "/dev/shm",
            FAIL,
            f"{detail}, below the {min_gib:g} GiB this mode needs: run the container with --shm-size=32g "
            "or --ipc=host (compose.yaml and the Kubernetes manifests already do)",
        )
    if size_gib < ADVISED_SHM_GIB:
        return Check(
            "/dev/shm", WARN, f"{detail}; Ray and NCCL want at least {ADVISED_SHM_GIB:g} GiB on a GPU node"
        )
    return Check("/dev/shm", OK, detail)


def check_ray_cpus(available: int, gpus: int) -> Check:
    """CPUs a local Ray gets here against what verl 0.9.1's actors reserve for `gpus` GPUs (MODE1/MODE2).

    Never blocking: `train` raises Ray's logical CPU count itself (launch/local_ray.py); this says so."""
    from reward_signal.launch.local_ray import OVERRIDE_KEY, cpu_floor, default_config, reserved_cpus

    config = default_config(gpus)
    needed = reserved_cpus(config)
    detail = f"{available} here; VERL's actors reserve {needed} for {gpus} GPU{'s' if gpus != 1 else ''}"
    if cpu_floor(config, available) is not None:  # the launcher's own rule, so the two cannot disagree
        return Check(
            "ray cpus",
            WARN,
            f"{detail}: `train` sets {OVERRIDE_KEY}={needed} (logical; the actors share cores)",
        )
    return Check("ray cpus", OK, detail)


def existing_parent(path: Path) -> Path:
    """The nearest existing directory at or above `path` (disk usage of a dir not created yet)."""
    for candidate in (path, *path.parents):
        if candidate.exists():
            return candidate
    return Path("/")


def check_disk(label: str, path: Path, min_free_gib: float, blocking: bool) -> Check:
    """Free space where checkpoints (tens of GB each for 7-8B models) or weights go."""
    free_gib = shutil.disk_usage(existing_parent(path)).free / GIB
    detail = f"{free_gib:.0f} GiB free at {path}"
    if free_gib < min_free_gib:
        return problem(label, blocking, f"{detail}, below {min_free_gib:g} GiB")
    return Check(label, OK, detail)


def check_writable(label: str, path: Path, blocking: bool) -> Check:
    """A file can be created in `path`, or in the nearest existing parent that would hold it.

    Tried with a real temporary file: permission bits alone miss read-only mounts and user namespaces.
    """
    target = existing_parent(path)
    try:
        handle, name = tempfile.mkstemp(dir=target, prefix=".doctor-")
    except OSError as exc:
        where = str(path) if target == path else f"{path} (nearest existing: {target})"
        return problem(
            f"writable {label}",
            blocking,
            f"cannot create files in {where}: {exc.strerror}; mount a writable volume there or point "
            "the matching variable (REWARD_SIGNAL_RUNS_DIR, HF_HOME, REWARD_SIGNAL_DATA_DIR, HOME) elsewhere",
        )
    os.close(handle)
    os.unlink(name)
    return Check(f"writable {label}", OK, str(path) if target == path else f"{path} (will be created)")


def check_user(
    uid: int,
    getuser: Callable[[], str] = getpass.getuser,
    getpwuid: Callable[[int], object] = pwd.getpwuid,
) -> Check:
    """The user name resolves: torch (inductor caches), Triton and Ray call getpass.getuser().

    A container run with a host uid that the image's /etc/passwd does not know (compose's
    REWARD_SIGNAL_UID, OpenShift's random uids) crashes there unless $USER or $LOGNAME is set.
    """
    try:
        name = getuser()
    except (KeyError, OSError) as exc:
        return Check(
            "user",
            FAIL,
            f"uid {uid} has no passwd entry and none of LOGNAME, USER, LNAME, USERNAME is set ({exc}): "
            "torch, Triton and Ray call getpass.getuser() and crash; set USER, or run as a uid the image knows",
        )
    try:
        getpwuid(uid)
    except KeyError:
        return Check(
            "user",
            WARN,
            f"uid {uid} has no passwd entry; getpass.getuser() answers {name!r} from the environment",
        )
    return Check("user", OK, f"uid {uid} ({name})")
