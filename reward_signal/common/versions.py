"""Installed versions of the kit and the image's pinned libraries, recorded with every run and evaluation."""

from __future__ import annotations

from collections.abc import Iterable
from importlib import metadata

from reward_signal.common.pins import IMAGE_PINS

RECORDED = ("reward-signal", *IMAGE_PINS)


def installed_versions(names: Iterable[str] = RECORDED) -> dict[str, str | None]:
    """Version of each distribution, None where it is not installed (e.g. vllm on a CPU machine)."""
    found: dict[str, str | None] = {}
    for name in names:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = None
    return found
