"""Shared fixtures: the `../shared` seed data (skip or fail when absent) and a clean working directory."""

from __future__ import annotations

import os
import sysconfig
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
ASSETS = Path(__file__).resolve().parent / "assets"
SHARED = Path(os.environ.get("REWARD_SIGNAL_SHARED", REPO_ROOT.parent / "shared")).resolve()
SEED_DATA = SHARED / "data" / "seed"

# The test extra's tools (ruff, hadolint, shellcheck, uv, reward-signal, ...) are installed beside the
# interpreter. A venv used without activation (`venv/bin/python -m pytest`, as CI does) does not put that
# directory on PATH, so the tests would not find them; put it first for every test and subprocess.
_SCRIPTS = sysconfig.get_path("scripts")
if _SCRIPTS not in os.environ.get("PATH", "").split(os.pathsep):
    os.environ["PATH"] = _SCRIPTS + os.pathsep + os.environ.get("PATH", "")


def _need(path: Path) -> Path:
    """Return `path`, or skip (fail under REWARD_SIGNAL_REQUIRE_SHARED=1, as in CI) naming it."""
    if path.exists():
        return path
    message = f"needs {path} (the shared seed data beside the repo; set REWARD_SIGNAL_SHARED to its location)"
    if os.environ.get("REWARD_SIGNAL_REQUIRE_SHARED") == "1":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture
def seed_data() -> Path:
    """Root of the seed's published parquet files (`../shared/data/seed`)."""
    return _need(SEED_DATA)


@pytest.fixture
def seed_repo() -> Path:
    """The seed repository's scripts at the commits the kit reproduces (`../shared/seed-repo`)."""
    return _need(SHARED / "seed-repo")


@pytest.fixture
def kuberay_schemas() -> Path:
    """KubeRay CRDs for offline validation (`../shared/schemas/kuberay`)."""
    return _need(SHARED / "schemas" / "kuberay")


@pytest.fixture
def assets() -> Path:
    return ASSETS


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests using the shared-data fixtures carry the needs_shared_data marker automatically."""
    for item in items:
        if {"seed_data", "seed_repo", "kuberay_schemas"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.needs_shared_data)
