"""A reused pool of worker processes for the sympy work, with a hard per-task time bound.

A task that overruns is cancelled, which kills its worker (pebble replaces it), and is counted as a
timeout; the bound runs from the moment the task starts, so a sample is scored 0 for a timeout only when
it really ran past it. Workers are forked from a forkserver that has math-verify loaded and warmed up
(`worker_warmup.py`), so a replacement starts in milliseconds and no worker is ever forked from a
multi-threaded process (a Ray actor, a VERL executor thread).

Workers never re-import the caller's main script (`_WorkerContext`), so a script without an
`if __name__ == "__main__":` guard works. A pool whose workers cannot start raises `WorkerStartupError`
at once, and a pool that keeps getting stuck raises `WorkerPoolError` after `MAX_RESTARTS` restarts in a
row without progress; a replaced pool's workers are killed, so restarts never pile up processes.
"""

from __future__ import annotations

import atexit
import logging
import multiprocessing
import os
import queue
import sys
import threading
import time
import types
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.context import ForkServerContext, ForkServerProcess
from typing import Any

from pebble import ProcessExpired, ProcessFuture, ProcessPool

LOG = logging.getLogger(__name__)
WORKERS_ENV = "REWARD_SIGNAL_POOL_WORKERS"
_PRELOAD = ["reward_signal.rewards.worker_warmup"]
# How long a new pool may take to run its first task (forkserver start plus math-verify warm-up).
STARTUP_BOUND = 120.0
# Restarts in a row, with no task finished in between, before the pool gives up with an error.
MAX_RESTARTS = 3
# A pool with tasks outstanding that finishes none for the bound plus this long is stuck: a worker was
# killed from outside while holding pebble's channel lock, and nothing will ever be read again.
STALL_GRACE = 5.0
# How often a waiting caller checks whether its pool was replaced or got stuck.
POLL = 0.5


class WorkerPoolError(RuntimeError):
    """The reward worker pool cannot grade: raised instead of paying every sample a silent 0."""


class WorkerStartupError(WorkerPoolError):
    """Reward worker processes exit as they start."""


def default_workers() -> int:
    """Worker count: $REWARD_SIGNAL_POOL_WORKERS, else the usable cores capped at 4 (VERL runs 8 reward actors)."""
    if os.environ.get(WORKERS_ENV):
        return max(1, int(os.environ[WORKERS_ENV]))
    return max(1, min(4, len(os.sched_getaffinity(0))))


_MAIN_LOCK = threading.Lock()


@contextmanager
def _main_module_hidden() -> Iterator[None]:
    """Show multiprocessing a bare `__main__` while it writes a worker's start-up data.

    A forkserver (or spawn) child re-runs the parent's main script, found through `sys.modules["__main__"]`,
    before it reads its task. In a script without a main guard that re-run calls the scorer again inside the
    half-started worker, which dies ("...before the current process has finished its bootstrapping phase").
    Workers only run functions of this package, never the script's, so they do not need it: a main module
    with neither `__file__` nor `__spec__` tells multiprocessing to leave the child's main alone.
    """
    with _MAIN_LOCK:
        real = sys.modules["__main__"]
        sys.modules["__main__"] = types.ModuleType("__main__")
        try:
            yield
        finally:
            sys.modules["__main__"] = real


class _WorkerProcess(ForkServerProcess):
    @staticmethod
    def _Popen(process_obj: Any) -> Any:  # noqa: N802 - multiprocessing's name
        with _main_module_hidden():
            return ForkServerProcess._Popen(process_obj)


class _WorkerContext(ForkServerContext):
    """The forkserver context, with workers that start without re-running the main script."""

    Process = _WorkerProcess


@dataclass(frozen=True)
class Outcome:
    """What came back from a guarded task: its value, or why there is none."""

    value: Any = None
    timed_out: bool = False  # the task ran past its bound (counted from its start)
    died: bool = False  # the worker died under the task (killed from outside, out of memory)
    failed: bool = False  # given up: the task raised, or its worker died twice


def _kill(processes: Sequence[multiprocessing.process.BaseProcess]) -> None:
    """Terminate processes, then kill the ones that linger (a worker stuck in sympy ignores nothing)."""
    for process in processes:
        try:
            process.terminate()
        except (OSError, ValueError):
            continue
    for process in processes:
        try:
            process.join(1.0)
            if process.is_alive():
                process.kill()
                process.join(1.0)
        except (OSError, ValueError, AssertionError):
            continue


class GuardedPool:
    """Process pool where every task has a wall-clock bound from its start and no failure is silent."""

    def __init__(self, workers: int) -> None:
        self._context = _WorkerContext()
        self._context.set_forkserver_preload(_PRELOAD)
        self.workers = workers
        self._lock = threading.Lock()
        self.timeouts = 0
        self.failures = 0
        self.restarts = 0
        self._stuck_restarts = 0  # restarts since a task last finished
        self._pool = self._start()

    def _new_pebble_pool(self) -> ProcessPool:
        return ProcessPool(max_workers=self.workers, context=self._context)

    def _start(self) -> ProcessPool:
        """A new pebble pool whose workers have proved they start (else `WorkerStartupError`, nothing left behind)."""
        pool = self._new_pebble_pool()
        self._unfinished = 0
        self._busy_since = self._last_finish = time.monotonic()
        probe = pool.schedule(os.getpid, timeout=STARTUP_BOUND)
        try:
            self._await_probe(pool, probe)
        except BaseException as exc:
            self._stop(pool)
            raise WorkerStartupError(
                f"reward worker processes could not start ({type(exc).__name__}: {exc}); their own error, if "
                "any, is printed above. Check that `python -c 'import reward_signal.rewards.worker_warmup'` "
                "works in this environment and that memory and process limits allow "
                f"${WORKERS_ENV} (now {self.workers}) more processes; lower it if memory is short."
            ) from exc
        return pool

    @staticmethod
    def _await_probe(pool: ProcessPool, probe: ProcessFuture) -> None:
        """Wait for the start-up probe, failing as soon as pebble gives the pool up.

        When every worker dies at start, pebble marks the pool broken, but a probe its scheduler picks up a
        moment later is never answered nor aborted: waiting on the probe alone would take the whole bound.
        """
        deadline = time.monotonic() + STARTUP_BOUND + STALL_GRACE
        while True:
            try:
                probe.result(timeout=POLL)
                return
            except FutureTimeout:
                if not pool.active:
                    raise BrokenProcessPool("every reward worker exited as it started") from None
                if time.monotonic() > deadline:
                    raise

    @staticmethod
    def _stop(pool: ProcessPool) -> None:
        """Stop a pebble pool and kill its workers now (pebble's own stop leaves that to a thread that may hang)."""
        workers = list(pool._pool_manager.worker_manager.workers.values())
        pool.stop()
        _kill(workers)

    def _live_pool(self) -> ProcessPool:
        """The pebble pool, replaced if it broke (pebble gives up when a worker dies while tasks queue)."""
        with self._lock:
            pool, broken = self._pool, not self._pool.active
        if broken:
            LOG.warning("reward worker pool broke; starting a new one")
            self.restart(pool)
        return self._pool

    def restart(self, stale: ProcessPool | None = None) -> None:
        """Replace the pebble pool and kill its workers; tasks of the old pool must be resubmitted.

        With `stale`, only if that pool is still current (threads that all saw it stuck restart it once).
        Raises `WorkerPoolError` after `MAX_RESTARTS` restarts in a row with no task finished in between.
        """
        with self._lock:
            if stale is not None and stale is not self._pool:
                return
            old = self._pool
            self._stuck_restarts += 1
            self.restarts += 1
            if self._stuck_restarts > MAX_RESTARTS:
                self._stop(old)
                raise WorkerPoolError(
                    f"reward worker pool restarted {MAX_RESTARTS} times in a row without finishing a task; "
                    "something kills its workers (check memory: dmesg, the container's limit) or a sample "
                    f"wedges them. Lower ${WORKERS_ENV} or the batch size and rerun."
                )
            self._stop(old)
            self._pool = self._start()

    def stalled(self, limit: float) -> bool:
        """Tasks are outstanding, yet none has finished (or been killed on overrun) for `limit` seconds."""
        with self._lock:
            quiet = time.monotonic() - max(self._last_finish, self._busy_since)
            return self._unfinished > 0 and quiet > limit

    def _track(self, pool: ProcessPool, future: ProcessFuture) -> None:
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
                        self._stuck_restarts = 0

        future.add_done_callback(done)

    def submit(
        self, fn: Callable[..., Any], args: Sequence[Any], timeout: float
    ) -> tuple[ProcessPool, ProcessFuture]:
        # pebble's own timeout (counted from task start) kills an overrunning worker even if nobody waits.
        pool = self._live_pool()
        future = pool.schedule(fn, args=list(args), timeout=timeout)
        self._track(pool, future)
        return pool, future

    def settle(self, future: ProcessFuture) -> Outcome:
        """The outcome of a finished task (pebble's per-task bound has already decided a timeout)."""
        try:
            return Outcome(value=future.result(timeout=0))
        except (FutureTimeout, TimeoutError):
            with self._lock:
                self.timeouts += 1
            return Outcome(timed_out=True)
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
        """Run one task, bounded by `timeout` from its start (see `run_many`)."""
        return self.run_many(fn, [args], timeout)[0]

    def run_many(
        self,
        fn: Callable[..., Any],
        args_list: Sequence[Sequence[Any]],
        timeout: float,
        on_done: Callable[[], None] | None = None,
    ) -> list[Outcome]:
        """Run tasks in parallel, each bounded by `timeout` from its start.

        A task whose worker died is retried once; if the retry dies too and a fresh pool cannot start, the
        cause is a start-up failure and `WorkerStartupError` is raised. A stuck pool is restarted (bounded).
        """
        outcomes: list[Outcome | None] = [None] * len(args_list)
        attempts = [0] * len(args_list)
        finished: queue.SimpleQueue[ProcessFuture] = queue.SimpleQueue()
        # Each task in flight with the pool it went to: after a restart (by this caller or another), tasks
        # of the replaced pool may never finish, so they are found by their pool and resubmitted.
        live: dict[ProcessFuture, tuple[int, ProcessPool]] = {}

        def launch(index: int) -> None:
            pool, future = self.submit(fn, args_list[index], timeout)
            live[future] = (index, pool)
            future.add_done_callback(finished.put)

        def relaunch(futures: list[ProcessFuture]) -> None:
            for future in futures:
                index, _ = live.pop(future)
                launch(index)

        for index in range(len(args_list)):
            launch(index)
        while live:
            try:
                future = finished.get(timeout=POLL)
            except queue.Empty:
                orphaned = [f for f, (_, pool) in live.items() if pool is not self._pool]
                if orphaned:  # the pool was replaced under these tasks
                    relaunch(orphaned)
                elif self.stalled(timeout + STALL_GRACE):
                    LOG.warning(
                        "reward worker pool stuck; restarting it and resubmitting %d samples", len(live)
                    )
                    self.restart(self._pool)
                    relaunch(list(live))
                continue
            entry = live.pop(future, None)
            if entry is None:  # a task of a pool that was replaced, already resubmitted
                continue
            index, pool = entry
            outcome = self.settle(future)
            if outcome.died:
                attempts[index] += 1
                if attempts[index] < 2:
                    launch(index)
                    continue
                if not self._workers_start():
                    self.restart(pool)  # raises WorkerStartupError if new workers cannot start either
                outcome = self.give_up()
            outcomes[index] = outcome
            if on_done is not None:
                on_done()
        return [o if o is not None else Outcome(failed=True) for o in outcomes]

    def _workers_start(self) -> bool:
        """Whether the pool still runs a trivial task: tells a sample that kills its worker from workers
        that die as they start."""
        _, probe = self.submit(os.getpid, (), STARTUP_BOUND)
        try:
            probe.result(timeout=STARTUP_BOUND + STALL_GRACE)
        except Exception:
            return False
        return True

    def worker_pids(self) -> list[int]:
        """PIDs of live workers (for tests that kill one mid-batch)."""
        return list(self._pool._pool_manager.worker_manager.workers)

    def close(self) -> None:
        self._stop(self._pool)
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
