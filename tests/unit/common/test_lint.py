"""ruff (configured in pyproject.toml) passes on every Python file, so CI enforces the style."""

import shutil
import subprocess

import pytest

from tests.conftest import REPO_ROOT

PATHS = ["reward_signal", "tests", "bench", "script"]


@pytest.mark.parametrize("command", [["check"], ["format", "--check"]], ids=["check", "format"])
def test_ruff_passes(command: list[str]) -> None:
    ruff = shutil.which("ruff")
    assert ruff, "ruff is not on PATH: install the test extra (pip install -e '.[test]')"
    result = subprocess.run(
        [ruff, *command, *PATHS], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
