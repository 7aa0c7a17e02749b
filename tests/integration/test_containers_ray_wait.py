"""The SLURM launcher's wait for Ray nodes, against a real local Ray cluster (1 CPU)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import REPO_ROOT

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def wait(address: str, nodes: int, timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "reward_signal.deploy.ray_cluster",
            "--address",
            address,
            "--nodes",
            str(nodes),
            "--timeout",
            str(timeout),
            "--poll",
            "1",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO_ROOT,
    )


def test_waits_for_present_nodes_and_gives_up_on_missing_ones() -> None:
    ray = pytest.importorskip("ray")
    ray.init(num_cpus=1, include_dashboard=False, logging_level="ERROR")
    try:
        address = ray.get_runtime_context().gcs_address
        joined = wait(address, 1, 60)
        assert joined.returncode == 0, joined.stderr
        assert "1 node(s) alive" in joined.stdout
        missing = wait(address, 2, 2)
        assert missing.returncode == 1
        assert "has 1 of 2 nodes" in missing.stderr
    finally:
        ray.shutdown()
