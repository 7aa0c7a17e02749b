"""A reused pool of worker processes for the sympy work, with a hard per-task time bound.

A task that overruns is cancelled, which kills its worker (pebble replaces it), and is counted as a
timeout; the caller gets control back within the bound whatever thread it runs in. Workers are
forked from a forkserver that has math-verify loaded and warmed up (`worker_warmup.py`), so a replacement
starts in milliseconds and no worker is ever forked from a multi-threaded process (a Ray actor, a VERL
executor thread).
"""

from __future__ import annotations

import atexit
import logging
import multiprocessing
import os
import queue
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any

from pebble import ProcessExpired, ProcessFuture, ProcessPool

LOG = logging.getLogger(__name__)
WORKERS_ENV = "REWARD_SIGNAL_POOL_WORKERS"
_PRELOAD = ["reward_signal.rewards.worker_warmup"]


def default_workers() -> int:
    """Worker count: $REWARD_SIGNAL_POOL_WORKERS, else the usable cores capped at 4 (VERL runs 8 reward actors)."""
    if os.environ.get(WORKERS_ENV):
        return max(1, int(os.environ[WORKERS_ENV]))
    return max(1, min(4, len(os.sched_getaffinity(0))))


@dataclass(frozen=True)
class Outcome:
    """What came back from a guarded task: its value, or why there is none."""

    value: Any = None
    timed_out: bool = False
    queued: bool = False  # timed out without ever starting
    died: bool = False  # the worker died under the task (killed from outside, out of memory)
    failed: bool = False  # given up: the task raised, or its worker died twice


# A pool with tasks outstanding that finishes none for the bound plus this long is stuck: a worker was
# killed from outside while holding pebble's channel lock, and nothing will ever be read again.
STALL_GRACE = 5.0


class GuardedPool:
    """Process pool where every task has a wall-clock bound and an overrun never blocks the caller."""

    def __init__(self, workers: int) -> None:
        self._context = multiprocessing.get_context("forkserver")
        self._context.set_forkserver_preload(_PRELOAD)
        self.workers = workers
        self._pool = ProcessPool(max_workers=workers, context=self._context)
        self._lock = threading.Lock()
        self._unfinished = 0
        self._busy_since = self._last_finish = time.monotonic()
        self.timeouts = 0
        self.failures = 0
        self.restarts = 0

    def _live_pool(self) -> ProcessPool:
        """The pebble pool, replaced if it broke (pebble gives up when a worker dies while tasks queue)."""
        with self._lock:
            broken = not self._pool.active
        if broken:
            LOG.warning("reward worker pool broke; starting a new one")
            self.restart()
        return self._pool

    def restart(self) -> None:
        """Replace the pebble pool (its workers are killed); tasks of the old pool must be resubmitted."""
        with self._lock:
            old = self._pool
            self._pool = ProcessPool(max_workers=self.workers, context=self._context)
            self._unfinished = 0
            self._busy_since = self._last_finish = time.monotonic()
            self.restarts += 1
        old.stop()

    def stalled(self, limit: float) -> bool:
        """Tasks are outstanding, yet none has finished (or been killed on overrun) for `limit` seconds."""
        with self._lock:
            quiet = time.monotonic() - max(self._last_finish, self._busy_since)
            return self._unfinished > 0 and quiet > limit

    def starved(self, limit: float) -> bool:
        """No task has finished for `limit` seconds (judged when a sample waited its whole bound in the queue)."""
        with self._lock:
            return time.monotonic() - self._last_finish > limit

    def _track(self, future: ProcessFuture) -> None:
        pool = self._pool
        with self._lock:
            if self._unfinished == 0:
                self._busy_since = time.monotonic()
            self._unfinished += 1

        def done(finished: ProcessFuture) -> None:
            with self._lock:
                if pool is self._pool:
                    self._unfinished -= 1
                    if not finished.cancelled():
                        self._last_finish = time.monotonic()

        future.add_done_callback(done)

    def submit(self, fn: Callable[..., Any], args: Sequence[Any], timeout: float) -> ProcessFuture:
        # pebble's own timeout (counted from task start) kills an overrunning worker even if nobody waits.
        future = self._live_pool().schedule(fn, args=list(args), timeout=timeout)
        self._track(future)
        return future

    def settle(self, future: ProcessFuture, deadline: float | None) -> Outcome:
        """Wait for a task until `deadline` (time.monotonic; None: pebble's per-task bound decides).

        An overrun cancels the task, which kills its worker; pebble starts a fresh one.
        """
        wait = None if deadline is None else max(0.0, deadline - time.monotonic())
        try:
            return Outcome(value=future.result(timeout=wait))
        except (FutureTimeout, TimeoutError):
            queued = not future.running() and not future.done()
            future.cancel()
            with self._lock:
                self.timeouts += 1
            return Outcome(timed_out=True, queued=queued)
        except (ProcessExpired, BrokenProcessPool) as exc:
            LOG.warning("reward worker died under a sample (%s)", exc)
            return Outcome(died=True)
        except Exception as exc:  # math-verify bug on a strange input: score it wrong, keep going
            LOG.warning("reward worker raised %s: %s", type(exc).__name__, exc)
            return self.give_up()

    def give_up(self) -> Outcome:
        """Count a sample that cannot be graded (scored wrong)."""
        with self._lock:
            self.failures += 1
        return Outcome(failed=True)

    def run(self, fn: Callable[..., Any], args: Sequence[Any], timeout: float) -> Outcome:
        """Run one task; the caller waits at most `timeout` s in all (one retry if its worker died)."""
        deadline = time.monotonic() + timeout
        outcome = self.settle(self.submit(fn, args, timeout), deadline)
        if outcome.died:
            outcome = self.settle(self.submit(fn, args, timeout), deadline)
            if outcome.died:
                outcome = self.give_up()
        if outcome.queued and self.starved(timeout + STALL_GRACE):
            LOG.warning(
                "reward worker pool stuck (no task finished for %.0f s); restarting it", timeout + STALL_GRACE
            )
            self.restart()
        return outcome

    def run_many(
        self,
        fn: Callable[..., Any],
        args_list: Sequence[Sequence[Any]],
        timeout: float,
        on_done: Callable[[], None] | None = None,
    ) -> list[Outcome]:
        """Run tasks in parallel, each bounded by `timeout` from its start; a stuck pool is restarted."""
        outcomes: list[Outcome | None] = [None] * len(args_list)
        attempts = [0] * len(args_list)
        finished: queue.SimpleQueue[ProcessFuture] = queue.SimpleQueue()
        live: dict[ProcessFuture, int] = {}

        def launch(index: int) -> None:
            future = self.submit(fn, args_list[index], timeout)
            live[future] = index
            future.add_done_callback(finished.put)

        for index in range(len(args_list)):
            launch(index)
        while live:
            try:
                future = finished.get(timeout=timeout + STALL_GRACE)
            except queue.Empty:
                if self.stalled(timeout + STALL_GRACE):
                    LOG.warning(
                        "reward worker pool stuck; restarting it and resubmitting %d samples", len(live)
                    )
                    self.restart()
                    waiting = list(live.values())
                    live.clear()
                    for index in waiting:
                        launch(index)
                continue
            index = live.pop(future, None)
            if index is None:  # a task of a pool that was replaced
                continue
            outcome = self.settle(future, None)
            if outcome.died:
                attempts[index] += 1
                if attempts[index] < 2:
                    launch(index)
                    continue
                outcome = self.give_up()
            outcomes[index] = outcome
            if on_done is not None:
                on_done()
        return [o if o is not None else Outcome(failed=True) for o in outcomes]

    def worker_pids(self) -> list[int]:
        """PIDs of live workers (for tests that kill one mid-batch)."""
        return list(self._pool._pool_manager.worker_manager.workers)

    def close(self) -> None:
        self._pool.stop()
        self._pool.join(timeout=5)


_POOL: GuardedPool | None = None
_POOL_PID = 0
_POOL_LOCK = threading.Lock()


def get_pool() -> GuardedPool:
    """The process-wide pool, created on first use (and again after a fork: pools do not survive one)."""
    global _POOL, _POOL_PID
    with _POOL_LOCK:
        if _POOL is None or os.getpid() != _POOL_PID:
            _POOL = GuardedPool(default_workers())
            _POOL_PID = os.getpid()
            atexit.register(_POOL.close)  # stop workers before multiprocessing tears down its resources
        return _POOL


def reset_pool() -> None:
    """Stop this process's pool; the next call starts fresh workers from the (warm) forkserver."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is not None and os.getpid() == _POOL_PID:
            _POOL.close()
            atexit.unregister(_POOL.close)
        _POOL = None
