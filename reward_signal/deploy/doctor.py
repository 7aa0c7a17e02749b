"""`reward-signal doctor`: is this machine or container ready to train?

Each check returns a `Check` with a status: `ok`, `warn` (worth knowing, not fatal) or `fail`
(the requested run cannot work). What is fatal depends on the run asked for with `--mode`:
no GPU is only a warning on a CPU workstation, but blocks MODE2 (8 GPUs).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path

from reward_signal.common.paths import runs_dir
from reward_signal.common.pins import IMAGE_PINS

GIB = 1024**3
OK, WARN, FAIL = "ok", "warn", "fail"

# GPUs each mode needs on this machine. MODE3 needs none here: its driver may run on a CPU-only
# Ray head (KubeRay), and the GPUs are on the worker nodes (run `doctor` there to see them).
MODE_GPUS = {"MODE1": 1, "MODE2": 8, "MODE3": 0}
# NCCL and Ray's object store live in /dev/shm; Docker's default of 64 MiB breaks both.
MODE_MIN_SHM_GIB = {"MODE1": 2.0, "MODE2": 16.0, "MODE3": 16.0}
ADVISED_SHM_GIB = 16.0


@dataclass(frozen=True)
class Check:
    name: str
    status: str
    detail: str


@dataclass(frozen=True)
class Gpu:
    name: str
    memory_mib: int


def check_versions(
    expected: Mapping[str, str], strict: bool, version_of: Callable[[str], str] = metadata.version
) -> list[Check]:
    """Installed distributions against the image pins; a mismatch fails only with `strict` (inside the image)."""
    checks = []
    for name, pinned in expected.items():
        try:
            found = version_of(name)
        except metadata.PackageNotFoundError:
            checks.append(
                Check(f"version {name}", FAIL if strict else WARN, f"not installed (image pins {pinned})")
            )
            continue
        local = found.split("+", 1)[0]
        if local == pinned:
            checks.append(Check(f"version {name}", OK, found))
        else:
            checks.append(
                Check(f"version {name}", FAIL if strict else WARN, f"{found} installed, image pins {pinned}")
            )
    return checks


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
    if nvidia_smi is None:
        return "nvidia-smi not found (no NVIDIA driver, or the container was started without GPUs)"
    try:
        result = subprocess.run(
            [nvidia_smi, "--query-gpu=name,memory.total", "--format=csv,noheader,nounits"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"nvidia-smi did not run: {exc}"
    if result.returncode != 0:
        return f"nvidia-smi exited {result.returncode}: {result.stderr.strip()[:200]}"
    return parse_nvidia_smi(result.stdout)


def check_gpus(gpus: list[Gpu] | str, needed: int) -> Check:
    """Enough GPUs for the requested mode (`needed` = 0: informational only)."""
    if isinstance(gpus, str):
        return Check(
            "gpus", FAIL if needed else WARN, gpus + (f"; this mode needs {needed}" if needed else "")
        )
    listing = ", ".join(f"{gpu.name} {gpu.memory_mib / 1024:.0f} GiB" for gpu in gpus) or "none"
    if len(gpus) < needed:
        return Check("gpus", FAIL, f"{len(gpus)} visible ({listing}); this mode needs {needed}")
    if not gpus:
        return Check("gpus", WARN, "no GPU visible: CPU-only (tests, config checks, grading)")
    return Check("gpus", OK, f"{len(gpus)} visible: {listing}")


def check_shm(total_bytes: int | None, min_gib: float) -> Check:
    """Size of /dev/shm against what NCCL/Ray need (`min_gib` = 0: advice only)."""
    if total_bytes is None:
        return Check("/dev/shm", FAIL if min_gib else WARN, "/dev/shm does not exist")
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


def check_hf_token(env: Mapping[str, str]) -> Check:
    """A Hugging Face token is needed for gated models (Llama) and avoids anonymous rate limits."""
    if env.get("HF_TOKEN") or env.get("HUGGING_FACE_HUB_TOKEN"):
        return Check("hf token", OK, "HF_TOKEN is set")
    hf_home = Path(env.get("HF_HOME", Path.home() / ".cache" / "huggingface"))
    token_file = Path(env.get("HF_TOKEN_PATH", hf_home / "token"))
    if token_file.is_file():
        return Check("hf token", OK, f"token file {token_file}")
    return Check("hf token", WARN, "no HF_TOKEN: gated models (e.g. Llama) will not download; set it in .env")


def check_wandb(env: Mapping[str, str], netrc: Path) -> Check:
    """W&B logs online only with a key; otherwise say so before a run silently logs nowhere useful."""
    mode = env.get("WANDB_MODE", "online")
    if mode in {"offline", "disabled", "dryrun"}:
        return Check("wandb", OK, f"WANDB_MODE={mode} (metrics also go to runs/<experiment>/metrics/)")
    has_key = bool(env.get("WANDB_API_KEY")) or (
        netrc.is_file() and "api.wandb.ai" in netrc.read_text(errors="ignore")
    )
    if has_key:
        return Check("wandb", OK, f"WANDB_MODE={mode}, API key found")
    return Check("wandb", WARN, f"WANDB_MODE={mode} but no WANDB_API_KEY: set one, or WANDB_MODE=offline")


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
        return Check(label, FAIL if blocking else WARN, f"{detail}, below {min_free_gib:g} GiB")
    return Check(label, OK, detail)


def shm_bytes(path: Path = Path("/dev/shm")) -> int | None:
    if not path.exists():
        return None
    stats = os.statvfs(path)
    return stats.f_blocks * stats.f_frsize


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


def run_checks(
    mode: str | None,
    strict_versions: bool,
    min_free_gib: float,
    env: Mapping[str, str],
    expected: Mapping[str, str] | None = None,
) -> list[Check]:
    """Every check for a run in `mode` (None: just report) in this environment."""
    gpus_needed = MODE_GPUS.get(mode or "", 0)
    blocking = mode is not None
    hf_home = Path(env.get("HF_HOME", Path.home() / ".cache" / "huggingface"))
    return [
        *check_versions(expected if expected is not None else expected_versions(), strict_versions),
        check_gpus(list_gpus(shutil.which("nvidia-smi", path=env.get("PATH"))), gpus_needed),
        check_shm(shm_bytes(), MODE_MIN_SHM_GIB.get(mode or "", 0.0)),
        check_hf_token(env),
        check_wandb(env, Path.home() / ".netrc"),
        check_disk("disk runs", runs_dir(), min_free_gib, blocking),
        check_disk("disk hf cache", hf_home, min_free_gib / 4, blocking),
    ]


def format_table(checks: list[Check]) -> str:
    width = max(len(check.name) for check in checks)
    return "\n".join(f"[{check.status:>4}] {check.name:<{width}}  {check.detail}" for check in checks)


def as_dicts(checks: list[Check]) -> list[dict[str, str]]:
    return [asdict(check) for check in checks]
