"""The image's thin shell commands behave as the manifests rely on."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import REPO_ROOT

WAIT = REPO_ROOT / "docker" / "wait-for-file.sh"
TRAIN = REPO_ROOT / "docker" / "train.sh"


def sh(*args: str | Path, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["sh", *map(str, args)], capture_output=True, text=True, timeout=timeout)


def test_wait_for_file_returns_as_soon_as_the_marker_exists(tmp_path: Path) -> None:
    marker = tmp_path / "TRAINING_COMPLETE"
    marker.write_text("2026-01-01T00:00:00Z\n")
    result = sh(WAIT, marker, "5", "1")
    assert result.returncode == 0 and "found" in result.stdout


def test_wait_for_file_gives_up_after_its_bound(tmp_path: Path) -> None:
    start = time.monotonic()
    result = sh(WAIT, tmp_path / "never", "2", "1")
    assert result.returncode == 1 and "gave up after 2s" in result.stderr
    assert time.monotonic() - start < 10


def test_wait_for_file_sees_a_marker_written_while_waiting(tmp_path: Path) -> None:
    marker = tmp_path / "TRAINING_COMPLETE"
    waiting = subprocess.Popen(["sh", str(WAIT), str(marker), "20", "1"], stdout=subprocess.PIPE, text=True)
    time.sleep(1.5)
    marker.write_text("done\n")
    assert waiting.wait(timeout=10) == 0


def test_scripts_print_usage_on_missing_arguments() -> None:
    for script in (WAIT, TRAIN):
        result = sh(script)
        assert result.returncode == 2 and result.stderr.startswith("usage:")


def test_train_stops_before_any_work_on_a_bad_experiment(tmp_path: Path) -> None:
    """rs-train resolves the marker first, so a broken experiment exits 78 (podFailurePolicy: FailJob)."""
    result = subprocess.run(
        ["sh", str(TRAIN), str(tmp_path / "missing.yaml"), "MODE2"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO_ROOT,
        env={
            "PATH": "/usr/bin:/bin:" + str(Path(sys.executable).parent),
            "REWARD_SIGNAL_RUNS_DIR": str(tmp_path),
        },
    )
    assert result.returncode == 78, result.stderr
    assert "missing.yaml" in result.stderr and not any(tmp_path.iterdir())
