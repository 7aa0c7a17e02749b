"""CPU rehearsal of a pod's first seconds: the real launcher and VERL's `main_ppo` (not --dry-run),
as a uid with no passwd entry, from a working directory it cannot write (the image's read-only
/workspace), with only the run, cache, home and temp directories writable.

It must get past Hydra's start-up (which by default writes `outputs/` into the working directory)
and fail only where a GPU is needed, with a clear message.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from reward_signal.data.parquet import write_rows
from tests.conftest import REPO_ROOT
from tests.tiny_lm import build_tiny_model
from tests.unit.data.conftest import make_row
from tests.unit.deploy.conftest import shared_tmp as shared_tmp  # the fixture

pytestmark = [pytest.mark.integration, pytest.mark.slow]

UID = GID = 54321  # no passwd entry, like REWARD_SIGNAL_UID=$(id -u) inside the image
TIMEOUT = 420


def blocked_ancestors(path: Path) -> list[Path]:
    """Directories above `path` that other users cannot traverse (e.g. /root, mode 0700)."""
    return [parent for parent in reversed(path.parents) if not parent.stat().st_mode & 0o001]


def unprivileged_command(command: list[str], needed: list[Path], scratch: Path) -> list[str]:
    """`command` as UID:GID; directories on the way to `needed` that UID cannot traverse (a venv whose
    interpreter lives under /root) are re-exposed read-only in a private mount namespace: the needed
    child is bind-mounted aside, a 0755 tmpfs covers the blocked directory, the child goes back."""
    prelude = []
    children = sorted(
        {
            blocked / path.relative_to(blocked).parts[0]
            for path in needed
            for blocked in blocked_ancestors(path)
        }
    )
    for index, child in enumerate(children):
        blocked = child.parent
        if not child.stat().st_mode & 0o001:
            pytest.skip(f"{child} is not traversable by other users either")
        aside = scratch / f"aside-{index}"
        aside.mkdir()
        prelude.append(
            f"mount --bind {child} {aside} && mount -t tmpfs -o mode=0755 tmpfs {blocked} && "
            f"mkdir -p {child} && mount --bind -o ro {aside} {child}"
        )
    setpriv = ["setpriv", f"--reuid={UID}", f"--regid={GID}", "--clear-groups", *command]
    if not prelude:
        return setpriv
    if shutil.which("unshare") is None:
        pytest.skip(f"{needed} is under a directory other users cannot traverse, and unshare is missing")
    script = " && ".join([*prelude, 'exec "$@"'])
    return ["unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh", *setpriv]


def test_launcher_passes_hydra_startup_from_a_read_only_cwd_as_a_passwdless_uid(shared_tmp: Path) -> None:
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        pytest.skip("needs root and setpriv to run as an unprivileged uid")
    root = shared_tmp
    model = build_tiny_model(root / "model")
    rows = [make_row(i, question=f"What is {i} + 1?", answer=str(i + 1)) for i in range(8)]
    write_rows(root / "data" / "train.parquet", rows)
    write_rows(root / "data" / "val.parquet", rows[:4])
    experiment = root / "rehearsal.yaml"
    experiment.write_text(
        yaml.safe_dump(
            {
                "name": "rehearsal",
                "model": {"path": str(model)},
                "data": {
                    "train": str(root / "data" / "train.parquet"),
                    "val": [str(root / "data" / "val.parquet")],
                },
                "exploration": {"n": 2},
                "optim": {"lr": 1.0e-6},
                "batch": {
                    "train_batch_size": 4,
                    "ppo_mini_batch_size": 2,
                    "micro_batch_size_per_gpu": 1,
                    "log_prob_micro_batch_size_per_gpu": 1,
                },
                "lengths": {"prompt": 64, "response": 32},
                "schedule": {"total_epochs": 1},
            }
        )
    )
    workspace = root / "workspace"  # the image's /workspace: read-only to the run's uid
    workspace.mkdir(mode=0o555)
    writable = {name: root / name for name in ("runs", "cache", "home", "tmp")}
    for directory in writable.values():
        directory.mkdir()
        os.chown(directory, UID, GID)
    env = {
        "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
        "PYTHONPATH": str(REPO_ROOT),  # this checkout's code, whatever the venv's editable install says
        "HOME": str(writable["home"]),
        "TMPDIR": str(writable["tmp"]),
        "RAY_TMPDIR": str(writable["tmp"]),
        "REWARD_SIGNAL_RUNS_DIR": str(writable["runs"]),
        "REWARD_SIGNAL_DATA_DIR": str(writable["cache"] / "data"),
        "HF_HOME": str(writable["cache"] / "huggingface"),
        "HF_HUB_OFFLINE": "1",
        "WANDB_MODE": "offline",
        "RAY_DEDUP_LOGS": "0",
    }
    needed = [Path(sys.executable).resolve(), Path(sys.prefix), Path(sys.base_prefix), REPO_ROOT]
    launch = [
        *(sys.executable, "-m", "reward_signal", "train", "--exp", str(experiment), "--mode", "MODE1"),
        # One TransferQueue storage unit instead of 8, to start fewer actors; on this machine's few CPUs
        # the launch raises Ray's CPU count to what the actors reserve (local_ray.py), or Ray would wait.
        *("--set", "transfer_queue.backend.SimpleStorage.num_data_storage_units=1"),
    ]
    process = subprocess.Popen(
        unprivileged_command(launch, needed, root),
        cwd=workspace,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # Ray's processes too: one group to end on timeout
    )
    try:
        output, _ = process.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        output, _ = process.communicate()
        pytest.fail(f"no result within {TIMEOUT}s; last output:\n{output[-3000:]}")
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)  # Ray daemons the failed run left behind
    assert "Read-only file system" not in output and "Permission denied" not in output, output[-4000:]
    assert not (workspace / "outputs").exists()
    hydra_dirs = (writable["runs"] / "rehearsal" / "hydra").glob("attempt-*")
    [hydra_dir] = list(hydra_dirs) or pytest.fail(
        f"Hydra wrote nothing under the run directory:\n{output[-4000:]}"
    )
    assert (hydra_dir / ".hydra" / "config.yaml").is_file() and hydra_dir.stat().st_uid == UID
    assert (writable["runs"] / "rehearsal" / "run.json").is_file()
    # It fails where a GPU is first needed (VERL's resource pool), with VERL's own message.
    assert process.returncode != 0
    assert "Total available GPUs 0 is less than total desired GPUs 1" in output, output[-4000:]
    if len(os.sched_getaffinity(0)) < 7:  # 1 storage unit + controller + 3 for the GPU + 2 spare
        assert "so the launch sets ray_kwargs.ray_init.num_cpus=7" in output
