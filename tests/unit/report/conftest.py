"""Report fixtures: scratch copies of the hand-written run directories."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.unit.report.rundirs import REPORT_ASSETS


@pytest.fixture
def resumed_run(tmp_path: Path) -> Path:
    """The hand-written resumed run (two attempts) copied to a scratch directory."""
    return Path(shutil.copytree(REPORT_ASSETS / "resumed-run", tmp_path / "runs" / "resumed-run"))
