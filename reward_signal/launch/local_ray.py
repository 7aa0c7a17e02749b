"""Logical CPUs for the Ray that VERL starts on this machine: at least what VERL's actors reserve.

verl 0.9.1's trainer always runs TransferQueue: its controller reserves 1 CPU and its storage units one
each (`transfer_queue.backend.SimpleStorage.num_data_storage_units`, 8 by default) in a placement group,
and each GPU's resource-pool bundle reserves up to 3 (`max_colocate_count`). Actors without a CPU request
(the task runner, agent-loop and reward-loop workers) need one free CPU to be scheduled. Ray offers as
many logical CPUs as the machine has cores, so on a small machine (a one-GPU cloud VM with 8 vCPUs, a
laptop rehearsal) a placement group can never be placed and `ray.get(placement_group.ready())` waits
forever without a message. Logical CPUs are scheduling tokens, not cores: raising Ray's count to what the
actors reserve only lets those mostly idle actors share cores. So for a local Ray the launch sets
`ray_kwargs.ray_init.num_cpus` to that count when the machine offers fewer and the user set none.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

OVERRIDE_KEY = "ray_kwargs.ray_init.num_cpus"
# verl's ResourcePoolManager bundles: {"CPU": max_colocate_count, GPU: 1} per GPU; 3 is its default.
CPUS_PER_GPU_BUNDLE = 3
# TransferQueue's controller actor (`@ray.remote(num_cpus=1)`).
CONTROLLER_CPUS = 1
# Free CPUs so actors without a CPU request (they need one to be scheduled, none to run) can start.
SCHEDULING_SPARE = 2


def default_config(gpus: int) -> dict[str, Any]:
    """The parts of verl 0.9.1's default config `reserved_cpus` reads, for `gpus` GPUs on one node."""
    return {
        "transfer_queue": {
            "backend": {"storage_backend": "SimpleStorage", "SimpleStorage": {"num_data_storage_units": 8}}
        },
        "trainer": {"n_gpus_per_node": gpus, "nnodes": 1},
        "ray_kwargs": {"ray_init": {"num_cpus": None}},
    }


def reserved_cpus(config: dict[str, Any]) -> int:
    """Logical CPUs VERL's actors hold for a resolved config, plus the scheduling spare."""
    backend = config["transfer_queue"]["backend"]
    storage = 0
    if backend.get("storage_backend") == "SimpleStorage":
        storage = int(backend["SimpleStorage"]["num_data_storage_units"])
    trainer = config["trainer"]
    gpus = int(trainer["n_gpus_per_node"]) * int(trainer["nnodes"])
    return CONTROLLER_CPUS + storage + CPUS_PER_GPU_BUNDLE * gpus + SCHEDULING_SPARE


def machine_cpus(cgroup_root: Path = Path("/sys/fs/cgroup")) -> int:
    """CPUs this process may use: its affinity, capped by a cgroup v2 quota (`cpu.max`) as in a container."""
    cpus = len(os.sched_getaffinity(0))
    try:
        quota, period = (cgroup_root / "cpu.max").read_text().split()[:2]
    except (OSError, ValueError):
        return cpus
    if quota != "max":
        cpus = min(cpus, max(1, math.ceil(int(quota) / int(period))))
    return cpus


def cpu_floor(config: dict[str, Any], available: int) -> int | None:
    """The `num_cpus` a local Ray needs when the user set none and `available` is too few, else None."""
    if config["ray_kwargs"]["ray_init"].get("num_cpus") is not None:
        return None
    needed = reserved_cpus(config)
    return needed if available < needed else None


def floor_notice(needed: int, available: int) -> str:
    return (
        f"this machine offers Ray {available} CPUs and VERL's actors reserve {needed} (TransferQueue's "
        f"storage units and controller, {CPUS_PER_GPU_BUNDLE} per GPU, a scheduling spare): without more "
        f"Ray would wait forever, so the launch sets {OVERRIDE_KEY}={needed} (logical CPUs; the actors "
        f"share cores). Set {OVERRIDE_KEY} yourself to choose another count."
    )
