"""The image's thin shell commands, rehearsed on CPU with a stand-in trainer: attempt markers,
no marker after a failure, and SIGTERM reaching the trainer (as tini -g delivers it) before exit."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from reward_signal.deploy.marker import ATTEMPT_FILE, MARKER
from tests.conftest import REPO_ROOT
from tests.unit.deploy.conftest import TINY

WAIT = REPO_ROOT / "docker" / "wait-for-training.sh"
TRAIN = REPO_ROOT / "docker" / "train.sh"
# Stands in for the `reward-signal` CLI: `data fetch` succeeds; `train` behaves as $FAKE_TRAIN says
# and, on SIGTERM, takes a second to "shut down cleanly" before exiting 143.
STAND_IN = """#!/bin/sh
case "$1" in
  data) exit 0 ;;
  train)
    [ -e "$RUNS/tiny-grpo/TRAINING_COMPLETE" ] && echo yes > "$LOGS/saw-old-marker"
    trap 'sleep 1; echo done > "$LOGS/cleaned-up"; exit 143' TERM
    echo "$$" > "$LOGS/trainer.pid"
    case "$FAKE_TRAIN" in
      ok) exit 0 ;;
      fail) exit 3 ;;
      hang) while :; do sleep 0.1; done ;;
    esac ;;
esac
exit 64
"""


def sh(*args: str | Path, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["sh", *map(str, args)], capture_output=True, text=True, timeout=timeout, cwd=REPO_ROOT
    )


def test_wait_returns_once_the_marker_holds_the_attempt(tmp_path: Path) -> None:
    marker = tmp_path / MARKER
    marker.write_text("attempt-2\n")
    result = sh(WAIT, marker, "--attempt", "attempt-2", "--timeout", "5", "--poll", "1")
    assert result.returncode == 0 and "found" in result.stdout


def test_wait_rejects_a_marker_of_an_earlier_attempt(tmp_path: Path) -> None:
    """Jobs deleted and applied again: the old marker must not start an evaluation of the old checkpoint."""
    marker = tmp_path / MARKER
    marker.write_text("attempt-1\n")
    start = time.monotonic()
    result = sh(WAIT, marker, "--attempt", "attempt-2", "--timeout", "2", "--poll", "1")
    assert result.returncode == 1, result.stderr
    assert "gave up after 2s" in result.stderr and "belongs to attempt attempt-1" in result.stderr
    assert time.monotonic() - start < 15
    # Without --attempt the run's latest TRAINING_ATTEMPT is expected (compose, by hand).
    (tmp_path / ATTEMPT_FILE).write_text("attempt-2\n")
    assert sh(WAIT, marker, "--timeout", "1", "--poll", "1").returncode == 1
    marker.write_text("attempt-2\n")
    assert sh(WAIT, marker, "--timeout", "1", "--poll", "1").returncode == 0


def test_wait_refuses_an_evaluation_nobody_started_for_an_attempt(tmp_path: Path) -> None:
    """A Job un-suspended by hand has no attempt annotation: the downward API gives an empty string."""
    (tmp_path / MARKER).write_text("attempt-1\n")
    result = sh(WAIT, tmp_path / MARKER, "--attempt", "", "--timeout", "1")
    assert result.returncode == 1 and "started by its training pod" in result.stderr


def test_wait_sees_a_marker_written_while_waiting(tmp_path: Path) -> None:
    marker = tmp_path / MARKER
    waiting = subprocess.Popen(
        ["sh", str(WAIT), str(marker), "--attempt", "a1", "--timeout", "30", "--poll", "0.5"],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    time.sleep(1.5)
    marker.write_text("a1\n")
    assert waiting.wait(timeout=20) == 0


def test_scripts_print_usage_on_missing_arguments() -> None:
    result = sh(TRAIN)
    assert result.returncode == 2 and result.stderr.startswith("usage:")
    assert sh(WAIT).returncode == 2


class Rehearsal:
    """docker/train.sh with the stand-in CLI first on PATH and the real marker module."""

    def __init__(self, tmp_path: Path, behaviour: str) -> None:
        self.runs, self.logs, bin_dir = tmp_path / "runs", tmp_path / "logs", tmp_path / "bin"
        for directory in (self.runs, self.logs, bin_dir):
            directory.mkdir()
        (bin_dir / "reward-signal").write_text(STAND_IN)
        (bin_dir / "reward-signal").chmod(0o755)
        self.marker = self.runs / "tiny-grpo" / MARKER
        self.env = {
            "PATH": f"{bin_dir}:{Path(sys.executable).parent}:/usr/bin:/bin",
            "REWARD_SIGNAL_RUNS_DIR": str(self.runs),
            "RUNS": str(self.runs),
            "LOGS": str(self.logs),
            "FAKE_TRAIN": behaviour,
        }

    def start(self, *wrapper: str) -> subprocess.Popen[str]:
        # Its own process group, as tini's child is: tini -g signals exactly this group.
        return subprocess.Popen(
            [*wrapper, "sh", str(TRAIN), str(TINY), "MODE1"],
            cwd=REPO_ROOT,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )

    def wait_for_trainer(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while not (self.logs / "trainer.pid").exists():
            assert time.monotonic() < deadline, "the stand-in trainer never started"
            time.sleep(0.05)


def test_train_writes_the_attempt_marker_only_after_success_and_drops_a_stale_one(tmp_path: Path) -> None:
    run = Rehearsal(tmp_path, "ok")
    run.marker.parent.mkdir()
    run.marker.write_text("an-earlier-attempt\n")
    process = run.start()
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    attempt = (run.marker.parent / ATTEMPT_FILE).read_text().strip()
    assert run.marker.read_text().strip() == attempt != "an-earlier-attempt"
    assert f"training attempt {attempt}" in out
    assert not (run.logs / "saw-old-marker").exists()  # removed before training began


def test_failed_training_leaves_no_marker_and_keeps_its_exit_status(tmp_path: Path) -> None:
    run = Rehearsal(tmp_path, "fail")
    process = run.start()
    _, err = process.communicate(timeout=120)
    assert process.returncode == 3 and "no completion marker" in err
    assert not run.marker.exists()


def test_bad_experiment_exits_78_before_any_work(tmp_path: Path) -> None:
    run = Rehearsal(tmp_path, "ok")
    result = subprocess.run(
        ["sh", str(TRAIN), str(tmp_path / "missing.yaml"), "MODE2"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO_ROOT,
        env=run.env,
    )
    assert result.returncode == 78, result.stderr
    assert "missing.yaml" in result.stderr and not any(run.runs.iterdir())


@pytest.mark.parametrize("to_group", [True, False], ids=["tini-g-signals-the-group", "only-the-script"])
def test_sigterm_reaches_the_trainer_and_the_script_outlives_its_shutdown(
    tmp_path: Path, to_group: bool
) -> None:
    run = Rehearsal(tmp_path, "hang")
    process = run.start()
    run.wait_for_trainer()
    if to_group:
        os.killpg(process.pid, signal.SIGTERM)
    else:
        os.kill(process.pid, signal.SIGTERM)
    _, err = process.communicate(timeout=30)
    # The script returned only after the trainer's one-second clean-up, with the trainer's status.
    assert (run.logs / "cleaned-up").exists(), err
    assert process.returncode == 143 and not run.marker.exists()


def test_under_real_tini_the_trainer_gets_sigterm(tmp_path: Path) -> None:
    """The image's entrypoint itself (`tini -g --`), where tini is installed."""
    tini = shutil.which("tini")
    if tini is None:
        pytest.skip("tini is not installed (the group-signal rehearsal above covers tini -g's behaviour)")
    run = Rehearsal(tmp_path, "hang")
    process = run.start(tini, "-g", "--")
    run.wait_for_trainer()
    os.kill(process.pid, signal.SIGTERM)
    process.communicate(timeout=30)
    assert (run.logs / "cleaned-up").exists() and process.returncode == 143


def test_wait_then_execs_the_command_only_for_a_finished_attempt(tmp_path: Path) -> None:
    """compose's eval service: `rs-wait-for-training MARKER --timeout 0 -- reward-signal eval ...`."""
    marker = tmp_path / MARKER
    (tmp_path / ATTEMPT_FILE).write_text("attempt-2\n")
    then = ["--", "sh", "-c", "echo evaluating; exit 7"]
    refused = sh(WAIT, marker, "--timeout", "0", *then)
    assert refused.returncode == 1 and "evaluating" not in refused.stdout
    marker.write_text("attempt-2\n")
    ran = sh(WAIT, marker, "--timeout", "0", *then)
    assert ran.returncode == 7 and "evaluating" in ran.stdout  # exec'd: its status is the command's
