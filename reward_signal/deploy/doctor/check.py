"""One doctor finding, and the policy that decides whether a problem blocks the run."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

OK, WARN, FAIL, SKIP = "ok", "warn", "fail", "skip"


@dataclass(frozen=True)
class Check:
    """`status` is ok, warn (worth knowing), fail (the requested run cannot work) or skip (not checked here)."""

    name: str
    status: str
    detail: str


def problem(name: str, blocking: bool, detail: str) -> Check:
    """A finding that fails when the run depends on it and only warns otherwise."""
    return Check(name, FAIL if blocking else WARN, detail)


def skipped(names: Collection[str], reason: str) -> list[Check]:
    """Checks not run here, reported as such: a skipped GPU check is never a passed one."""
    return [Check(name, SKIP, reason) for name in names]


@dataclass(frozen=True)
class Policy:
    """What the doctor is asked to vouch for.

    `mode`: the run about to start (its GPUs, /dev/shm and disk needs block). `strict`: this is the
    image, so versions, imports and build tools must be exactly right. `cpu_only`: check the image's
    Python environment on a machine without GPUs; GPU checks are skipped, never passed.
    """

    mode: str | None = None
    strict: bool = False
    cpu_only: bool = False

    @property
    def environment_blocks(self) -> bool:
        """Versions, imports, compiler and writable directories decide the exit code."""
        return self.strict or self.cpu_only or self.mode is not None

    @property
    def run_blocks(self) -> bool:
        """Resources of a concrete run (disk, network) decide the exit code."""
        return self.mode is not None
