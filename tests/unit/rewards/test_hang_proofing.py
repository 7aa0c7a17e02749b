"""Adversarial inputs return within the bound (+1 s) without raising, and the pool survives dead workers."""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest

from reward_signal.rewards import grade, grade_many
from reward_signal.rewards.pool import GuardedPool, get_pool

BOUND = 1.5
NESTED_FRACS = "\\frac{1}{" * 500 + "2" + "}" * 500
ADVERSARIAL = {
    "power-tower": ("\\boxed{10^{10^{10^{10}}}}", "5"),
    "nine-tower": ("\\boxed{9^{9^{9^9}}}", "3"),
    "unboxed-tower": ("so it is 9^{9^{9^9}}", "3"),
    "500-nested-frac": (f"\\boxed{{{NESTED_FRACS}}}", "1"),
    "2MB-response": ("lorem ipsum " * 174763 + "\\boxed{7}", "7"),
    "2MB-unboxed": ("x + " * 524288, "7"),
    "nul-bytes": ("\x00\\boxed{4\x00}\x00", "4"),
    "unbalanced-braces": ("\\boxed{{{{{{3}" + "{" * 10000, "3"),
    "many-unclosed-boxes": ("\\boxed{" * 100000, "3"),
    "100k-digit-number": ("\\boxed{" + "9" * 100000 + "}", "9" * 100000),
    "100k-digit-vs-small": ("\\boxed{" + "9" * 100000 + ".5}", "12"),
    "lone-surrogate": ("\\boxed{\ud800}", "1"),
}


@pytest.fixture(scope="module", autouse=True)
def warm_pool() -> None:
    """Start the workers first: the bound is per sample, not for the one-off pool start."""
    assert get_pool().run(os.getpid, (), timeout=60).value


@pytest.mark.parametrize("case", sorted(ADVERSARIAL))
def test_adversarial_input_returns_within_bound(case: str) -> None:
    solution, gold = ADVERSARIAL[case]
    start = time.monotonic()
    verdict = grade(solution, gold, timeout=BOUND)
    assert time.monotonic() - start < BOUND + 1.0
    assert isinstance(verdict.correct, bool)
    assert grade("\\boxed{2\\sqrt{2}}", "\\sqrt{8}", timeout=5).correct  # the pool is still usable


def test_adversarial_batch_within_bound_per_sample() -> None:
    cases = list(ADVERSARIAL.values())
    start = time.monotonic()
    grades = grade_many([s for s, _ in cases], [g for _, g in cases], timeout=BOUND)
    workers = get_pool().workers
    slow = sum(g.timed_out for g in grades)
    # Samples run `workers` at a time, each bounded: the batch cannot take longer than that schedule.
    assert time.monotonic() - start < (slow / workers + 1) * (BOUND + 1.0) + 2.0
    assert len(grades) == len(cases)
    assert all(g.correct is False for g in grades if g.timed_out)


def test_timed_out_sample_is_counted_and_scored_zero() -> None:
    pool = get_pool()
    before = pool.timeouts
    verdict = grade("\\boxed{9^{9^{9^9}}}", "3", timeout=BOUND)
    assert verdict.timed_out and not verdict.correct
    assert pool.timeouts == before + 1


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def test_worker_that_dies_is_retried_once_then_failed_and_pool_recovers() -> None:
    pool = GuardedPool(1)
    try:
        outcome = pool.run(_die, (), timeout=5)
        assert outcome.failed and not outcome.timed_out and pool.failures == 1
        assert pool.run(os.getpid, (), timeout=5).value > 0
    finally:
        pool.close()


def test_workers_killed_mid_batch_do_not_lose_samples(caplog: pytest.LogCaptureFixture) -> None:
    pool = get_pool()
    # Unboxed answers go through math-verify in the workers, so the batch keeps them busy for a while.
    solutions = [f"so the answer is ${i} + \\sqrt{{{i * i * 4}}}$" for i in range(1, 1201)]
    golds = [f"{3 * i}" for i in range(1, 1201)]
    killer = threading.Timer(0.15, lambda: [os.kill(pid, signal.SIGKILL) for pid in pool.worker_pids()])
    killer.start()
    grades = grade_many(solutions, golds, timeout=3)  # a kill that wedges the pool costs 3 + 5 s
    killer.join()
    # The kill hit tasks in flight: pebble reports each dead worker, or marks the whole pool broken when
    # every worker dies at once (then the batch goes on in a new pool).
    assert "reward worker died" in caplog.text or "reward worker pool broke" in caplog.text
    assert [g.correct for g in grades] == [True] * 1200
    assert grade("\\boxed{\\frac{1}{2}}", "0.5").correct


def test_broken_pebble_pool_is_replaced() -> None:
    """pebble marks its pool broken if a worker dies while tasks wait; the next task gets a new pool."""
    pool = GuardedPool(1)
    try:
        assert pool.run(os.getpid, (), timeout=30).value
        pool._pool.stop()  # the state a broken pebble pool is left in: no longer active
        assert pool.run(os.getpid, (), timeout=30).value
        assert pool.restarts == 1
    finally:
        pool.close()


def test_stuck_pool_is_restarted_and_the_batch_finishes() -> None:
    """A worker killed while holding pebble's channel lock leaves a pool that never reads a task again.

    Holding that lock here produces the same state: no task can start, so none ever finishes.
    """
    pool = GuardedPool(2)
    try:
        assert pool.run(os.getpid, (), timeout=30).value  # workers up
        reader_lock = pool._pool._pool_manager.worker_manager.workers_channel.mutex.reader_mutex
        reader_lock.acquire()
        try:
            start = time.monotonic()
            outcomes = pool.run_many(abs, [(-i,) for i in range(20)], timeout=1.0)
        finally:
            reader_lock.release()
        assert [o.value for o in outcomes] == list(range(20))
        assert pool.restarts == 1
        assert time.monotonic() - start < 1.0 + 5.0 + 5.0
    finally:
        pool.close()


def test_stuck_pool_is_restarted_by_single_calls_too() -> None:
    """A single call whose task cannot start waits through one restart and is then served: never a fake timeout."""
    pool = GuardedPool(1)
    try:
        assert pool.run(os.getpid, (), timeout=30).value
        reader_lock = pool._pool._pool_manager.worker_manager.workers_channel.mutex.reader_mutex
        reader_lock.acquire()
        try:
            outcome = pool.run(abs, (-1,), timeout=1.0)
        finally:
            reader_lock.release()
        assert outcome.value == 1 and not outcome.timed_out
        assert pool.restarts == 1
    finally:
        pool.close()
