"""A reused pool of worker processes for the sympy work, with a hard per-task time bound.

A task that overruns is cancelled, which kills its worker (pebble replaces it), and is counted as a
timeout; the caller gets control back within the bound whatever thread it runs in. Workers are
forked from a forkserver that has math-verify preloaded, so a replacement starts in milliseconds and
no worker is ever forked from a multi-threaded process (a Ray actor, a VERL executor thread).
"""

from __future__ import annotations

import atexit
import logging
import multiprocessing
import os
import threading
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
    failed: bool = False


class GuardedPool:
    """Process pool where every task has a wall-clock bound and an overrun never blocks the caller."""

    def __init__(self, workers: int) -> None:
        self._context = multiprocessing.get_context("forkserver")
        self._context.set_forkserver_preload(_PRELOAD)
        self.workers = workers
        self._pool = ProcessPool(max_workers=workers, context=self._context)
        self._lock = threading.Lock()
        self.timeouts = 0
        self.failures = 0
        self.restarts = 0

    def _live_pool(self) -> ProcessPool:
        """The pebble pool, replaced if it broke (pebble gives up when a worker dies while tasks queue)."""
        with self._lock:
            if not self._pool.active:
                LOG.warning("reward worker pool broke; starting a new one")
                self._pool.stop()
                self._pool = ProcessPool(max_workers=self.workers, context=self._context)
                self.restarts += 1
            return self._pool

    def submit(self, fn: Callable[..., Any], args: Sequence[Any], timeout: float) -> ProcessFuture:
        # pebble's own timeout (counted from task start) is the backstop if no caller ever waits.
        return self._live_pool().schedule(fn, args=list(args), timeout=timeout)

    def outcome(
        self, future: ProcessFuture, wait: float | None, retry: Callable[[], ProcessFuture] | None
    ) -> Outcome:
        """Wait for a task; an overrun kills its worker; a worker that died under us gets one retry.

        `wait` bounds the caller's wait from now (single calls); with None, pebble's per-task bound,
        counted from the moment the task starts, decides (batches, where tasks queue behind each other).
        """
        try:
            return Outcome(value=future.result(timeout=wait))
        except (FutureTimeout, TimeoutError):
            future.cancel()  # kills the worker if the task is running; pebble starts a fresh one
            with self._lock:
                self.timeouts += 1
            return Outcome(timed_out=True)
        except (ProcessExpired, BrokenProcessPool) as exc:
            if retry is not None:
                LOG.warning("reward worker died (%s); retrying the sample once", exc)
                return self.outcome(retry(), wait, None)
            with self._lock:
                self.failures += 1
            return Outcome(failed=True)
        except Exception as exc:  # math-verify bug on a strange input: score it wrong, keep going
            LOG.warning("reward worker raised %s: %s", type(exc).__name__, exc)
            with self._lock:
                self.failures += 1
            return Outcome(failed=True)

    def run(self, fn: Callable[..., Any], args: Sequence[Any], timeout: float) -> Outcome:
        """Run one task under the bound (retrying once on a dead worker)."""
        return self.outcome(self.submit(fn, args, timeout), timeout, lambda: self.submit(fn, args, timeout))

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


def counters() -> dict[str, int]:
    """Timeouts and failures so far in this process (0 before any guarded work)."""
    pool = _POOL if os.getpid() == _POOL_PID else None
    return {"timeouts": pool.timeouts if pool else 0, "failures": pool.failures if pool else 0}
