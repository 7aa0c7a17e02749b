"""The pool never fails silently and never storms: guard-less scripts, workers that cannot start, restarts."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import psutil
import pytest
from pebble import ProcessPool

from reward_signal.rewards import grade_many
from reward_signal.rewards.pool import (
    MAX_RESTARTS,
    GuardedPool,
    WorkerPoolError,
    WorkerStartupError,
    get_pool,
)

REPO = Path(__file__).resolve().parents[3]
TAG = "REWARD_SIGNAL_TEST_TAG"

# A script with no main guard, as people write them: workers must not re-run it.
GUARDLESS = """
from reward_signal.rewards.verl_entry import compute_score_batch
n = 40
golds = [f"x^2+{2 * k}x+{k * k}" for k in range(1, n + 1)]
answers = [f"The square is \\\\boxed{{(x+{k})^2}}." for k in range(1, n + 1)]
records = compute_score_batch(["t"] * n, answers, golds, timeout=20)
print("SCORES", sum(r["score"] for r in records), sum(r["timed_out"] for r in records))
"""


def _tagged(tag: str) -> list[psutil.Process]:
    """Live processes whose environment carries `tag` (a script, its forkserver and workers inherit it)."""
    found = []
    for process in psutil.process_iter():
        try:
            if process.environ().get(TAG) == tag and process.status() != psutil.STATUS_ZOMBIE:
                found.append(process)
        except (psutil.AccessDenied, psutil.NoSuchProcess, psutil.ZombieProcess):
            continue
    return found


def _settled(count: Callable[[], int], timeout: float = 10.0) -> int:
    """`count()` once it has stopped changing (workers killed on a timeout are replaced within ~0.1 s)."""
    deadline = time.monotonic() + timeout
    last = count()
    while time.monotonic() < deadline:
        time.sleep(0.3)
        now = count()
        if now == last:
            return now
        last = now
    return last


def test_guardless_script_scores_correctly_and_leaves_no_process(tmp_path: Path) -> None:
    script = tmp_path / "score_without_guard.py"
    script.write_text(GUARDLESS)
    tag = uuid.uuid4().hex
    env = {**os.environ, "PYTHONPATH": str(REPO), TAG: tag, "REWARD_SIGNAL_POOL_WORKERS": "2"}
    run = subprocess.run(
        [sys.executable, str(script)], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=240
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert "SCORES 40.0 0.0" in run.stdout, run.stdout + run.stderr[-2000:]
    assert "bootstrapping phase" not in run.stderr and "worker died" not in run.stderr
    assert _settled(lambda: len(_tagged(tag))) == 0, [p.cmdline() for p in _tagged(tag)]


def _descendants() -> int:
    return len(psutil.Process().children(recursive=True))


class _DiesOnStart(GuardedPool):
    """Workers exit before taking a task, as they did when they re-ran a guard-less main script."""

    def _new_pebble_pool(self) -> ProcessPool:
        return ProcessPool(
            max_workers=self.workers, context=self._context, initializer=os._exit, initargs=(3,)
        )


def test_workers_that_cannot_start_raise_one_clear_error_and_leave_nothing() -> None:
    get_pool()  # the forkserver is up, so only workers could be left behind
    before = _settled(_descendants)
    start = time.monotonic()
    with pytest.raises(WorkerStartupError, match="could not start.*REWARD_SIGNAL_POOL_WORKERS"):
        _DiesOnStart(2)
    assert time.monotonic() - start < 30
    assert _settled(_descendants) == before


def test_restarts_without_progress_are_bounded() -> None:
    pool = GuardedPool(1)
    try:
        for _ in range(MAX_RESTARTS):
            pool.restart()
        with pytest.raises(WorkerPoolError, match="restarted 3 times in a row"):
            pool.restart()
    finally:
        pool.close()
    assert pool.worker_pids() == []


def test_long_lived_process_keeps_a_constant_number_of_workers() -> None:
    """100 batches with timeouts (worker killed and replaced) and restarts: the process count never grows."""
    pool = get_pool()
    baseline = _settled(_descendants)
    counts = []
    for batch in range(100):
        golds = [f"x^2+{2 * k}x+{k * k}" for k in range(batch * 4, batch * 4 + 4)]
        answers = [f"\\boxed{{(x+{k})^2}}" for k in range(batch * 4, batch * 4 + 4)]
        if batch % 20 == 0:  # a sample that overruns its bound: its worker is killed and replaced
            answers[0], golds[0] = "\\boxed{9^{9^{9^9}}}", "3"
        if batch % 50 == 25:
            pool.restart()
        grades = grade_many(answers, golds, timeout=1.0)
        assert all(g.correct for g in grades[1:])
        assert grades[0].timed_out == (batch % 20 == 0)
        counts.append(_descendants())
    assert max(counts) <= baseline + pool.workers  # at most a replacement starting while a killed one exits
    assert _settled(_descendants) == baseline
