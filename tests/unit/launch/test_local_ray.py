"""The Ray CPU floor for a local launch (reward_signal/launch/local_ray.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from reward_signal.launch.local_ray import cpu_floor, machine_cpus, reserved_cpus


def config(
    gpus: int = 1, nodes: int = 1, units: int = 8, backend: str = "SimpleStorage", num_cpus: Any = None
) -> dict:
    return {
        "transfer_queue": {
            "backend": {"storage_backend": backend, "SimpleStorage": {"num_data_storage_units": units}}
        },
        "trainer": {"n_gpus_per_node": gpus, "nnodes": nodes},
        "ray_kwargs": {"ray_init": {"num_cpus": num_cpus}},
    }


def test_reserved_counts_storage_units_controller_gpu_bundles_and_a_spare() -> None:
    assert reserved_cpus(config()) == 1 + 8 + 3 + 2
    assert reserved_cpus(config(gpus=8)) == 1 + 8 + 24 + 2
    assert reserved_cpus(config(gpus=8, nodes=2, units=2)) == 1 + 2 + 48 + 2
    assert reserved_cpus(config(backend="MooncakeStore")) == 1 + 0 + 3 + 2


@pytest.mark.parametrize(
    ("available", "num_cpus", "floor"),
    [
        (8, None, 14),  # a one-GPU VM with 8 vCPUs: would wait forever without it
        (2, None, 14),
        (14, None, None),  # enough already
        (64, None, None),
        (2, 4, None),  # the user's own count is kept, even when it is too small
    ],
)
def test_floor_only_when_too_few_and_not_set(available: int, num_cpus: Any, floor: int | None) -> None:
    assert cpu_floor(config(num_cpus=num_cpus), available) == floor


def test_machine_cpus_follows_a_cgroup_quota(tmp_path: Path) -> None:
    affinity = machine_cpus(tmp_path)  # no cpu.max: the affinity
    (tmp_path / "cpu.max").write_text("150000 100000\n")
    assert machine_cpus(tmp_path) == min(affinity, 2)
    (tmp_path / "cpu.max").write_text("max 100000\n")
    assert machine_cpus(tmp_path) == affinity


def test_a_small_machine_gets_the_floor_in_the_command_and_a_notice(tmp_path: Path) -> None:
    """What `train` prints and runs: the debug experiment (1 GPU) on a 2-CPU machine and a 64-CPU one."""
    from reward_signal.launch.train import prepare

    small = prepare("debug", "MODE1", env={}, runs_root=tmp_path, check_data=False, cpus=2)
    assert "ray_kwargs.ray_init.num_cpus=14" in small.overrides
    assert small.config["ray_kwargs"]["ray_init"]["num_cpus"] == 14
    assert any("offers Ray 2 CPUs" in notice for notice in small.notices)
    large = prepare("debug", "MODE1", env={}, runs_root=tmp_path, check_data=False, cpus=64)
    assert not any("num_cpus" in line for line in large.overrides)
    own = prepare(
        "debug",
        "MODE1",
        ["ray_kwargs.ray_init.num_cpus=4"],
        env={},
        runs_root=tmp_path,
        check_data=False,
        cpus=2,
    )
    assert [line for line in own.overrides if "num_cpus" in line] == ["ray_kwargs.ray_init.num_cpus=4"]


def test_a_cluster_launch_never_sets_it(tmp_path: Path) -> None:
    """MODE3 joins a running Ray cluster: its CPUs are the cluster's, not this pod's."""
    from reward_signal.launch.train import prepare

    env = {"RAY_ADDRESS": "ray-head:6379", "NNODES": "1", "GPUS_PER_NODE": "8"}
    plan = prepare("debug", "MODE3", env=env, runs_root=tmp_path, check_data=False, cpus=2)
    assert not any("num_cpus" in line for line in plan.overrides)
