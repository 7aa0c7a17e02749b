"""README's test command is what CI runs, so the documented command can never rot."""

import os
import re
import shutil
import subprocess
from pathlib import Path

from tests.conftest import REPO_ROOT


def test_ci_runs_the_readme_test_command() -> None:
    readme = (REPO_ROOT / "README.md").read_text()
    match = re.search(r"Run the tests[^\n]*\n\n```bash\n(.+?)\n```", readme)
    assert match, "README must have a 'Run the tests' block with one bash command"
    command = match.group(1).strip()
    ci_lines = [line.strip() for line in (REPO_ROOT / ".ci" / "run").read_text().splitlines()]
    assert command in ci_lines


def test_ci_builds_its_own_fresh_venv_and_lints_clean() -> None:
    """A venv without the machine's site-packages, so nothing preinstalled can hide a resolution problem."""
    script = REPO_ROOT / ".ci" / "run"
    text = script.read_text()
    assert '"$python" -m venv "$venv"' in text and "--system-site-packages" not in text
    assert 'source "$venv/bin/activate"' in text
    assert subprocess.run(["bash", "-n", script], capture_output=True).returncode == 0
    shellcheck = shutil.which("shellcheck")
    assert shellcheck, "shellcheck is not on PATH: install the test extra (pip install -e '.[test]')"
    result = subprocess.run([shellcheck, script], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


def test_ci_fails_loudly_without_an_interpreter(tmp_path: Path) -> None:
    result = subprocess.run(
        ["bash", REPO_ROOT / ".ci" / "run"],
        capture_output=True,
        text=True,
        env={
            **os.environ,
            "REWARD_SIGNAL_CI_PYTHON": str(tmp_path / "python3-missing"),
            "TMPDIR": str(tmp_path),
        },
        timeout=60,
    )
    assert result.returncode == 1
    assert "python3-missing" in result.stderr and "REWARD_SIGNAL_CI_PYTHON" in result.stderr
