"""Installed versions of the kit and the image's pinned libraries, recorded with every run and evaluation."""

from __future__ import annotations

import re
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


def release(version: str) -> tuple[int, ...]:
    """The numeric release of a PEP 440 version (`2.3.1+cpu` -> (2, 3, 1)), enough to compare with a floor.

    Pre-release tags are ignored (`1.3.0rc1` counts as 1.3.0): the floors guard against releases a
    whole major or minor behind, which is what resolvers fall back to.
    """
    match = re.match(r"\d+(?:\.\d+)*", version.strip())
    if not match:
        raise ValueError(f"{version!r} is not a version number")
    return tuple(int(part) for part in match.group(0).split("."))


def meets_floor(version: str, floor: str) -> bool:
    """`version` >= `floor` by release number (1.3.8 >= 1.3; 0.11.3 < 1.3)."""
    return release(version) >= release(floor)
