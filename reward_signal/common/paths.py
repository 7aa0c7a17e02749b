"""Where the kit reads and writes by default; every location can be overridden by an env var."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def runs_dir() -> Path:
    """Root of run outputs (`runs/<experiment>/`): $REWARD_SIGNAL_RUNS_DIR or ./runs."""
    return Path(os.environ.get("REWARD_SIGNAL_RUNS_DIR", "runs")).resolve()


def data_dir() -> Path:
    """Where `data fetch` puts datasets: $REWARD_SIGNAL_DATA_DIR or ~/.cache/reward-signal/data."""
    default = Path.home() / ".cache" / "reward-signal" / "data"
    return Path(os.environ.get("REWARD_SIGNAL_DATA_DIR", default)).resolve()


def data_mirror() -> Path | None:
    """A local directory holding the datasets' relative paths (air-gapped clusters, tests)."""
    mirror = os.environ.get("REWARD_SIGNAL_DATA_MIRROR")
    return Path(mirror).resolve() if mirror else None
