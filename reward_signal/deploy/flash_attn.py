"""What the flash-attn compile depends on, so it runs once per torch / CUDA / architecture list.

flash-attn 2.8.3 has no wheel for torch 2.11 + CUDA 13 + Python 3.12 (its v2.8.3 release built
torch 2.4-2.8 with CUDA 12.9 only), so it is compiled: hours on a hosted runner. The compile needs
only torch and a few build tools, so it installs `docker/flash-attn-build.lock`, the part of
`docker/requirements.lock` those need (blocks copied verbatim; a test keeps the two in step).
`key` hashes exactly the compile's inputs: the image workflow caches the wheel under it, and a lock
change that does not touch torch keeps the key, so nothing recompiles.

    python -m reward_signal.deploy.flash_attn key          # the cache key of the current inputs
    python -m reward_signal.deploy.flash_attn build-lock   # rewrite docker/flash-attn-build.lock
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from reward_signal.common.files import write_text
from reward_signal.common.paths import REPO_ROOT
from reward_signal.deploy.image import DEFAULT_DOCKERFILE, DEFAULT_LOCK, dockerfile_args, normalize

DOCKER = REPO_ROOT / "docker"
BUILD_LOCK = DOCKER / "flash-attn-build.lock"
SDIST_LOCK = DOCKER / "flash-attn.lock"
BUILD_SCRIPT = DOCKER / "build-flash-attn.sh"
# What `setup.py bdist_wheel` imports or runs (flash-attn's own runtime dependencies are not needed).
BUILD_ROOTS = ("torch", "setuptools", "wheel", "packaging", "ninja", "psutil")
# Dockerfile ARGs whose values change the compiled wheel.
KEY_ARGS = ("CUDA_TAG", "FLASH_ATTN_CUDA_ARCHS")
HEADER = (
    "# The part of docker/requirements.lock that compiling flash-attn needs (torch and build tools),\n"
    "# blocks copied verbatim. Regenerate with `python -m reward_signal.deploy.flash_attn build-lock`.\n"
)
_BLOCK_START = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==")


def lock_blocks(text: str) -> dict[str, str]:
    """uv lock text -> {normalized name: its block (the pin, hash lines and `# via` comments)}."""
    blocks: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in text.splitlines(keepends=True):
        match = _BLOCK_START.match(line)
        if match:
            current = blocks.setdefault(normalize(match[1]), [])
        elif not line.startswith((" ", "\t")):
            current = None
        if current is not None:
            current.append(line)
    return {name: "".join(lines) for name, lines in blocks.items()}


def required_by(block: str) -> set[str]:
    """The packages a block's `# via` comment names (requirement files and projects are skipped)."""
    names = set()
    for line in block.splitlines():
        text = line.strip().removeprefix("#").strip()
        text = text.removeprefix("via").strip()
        if text and not text.startswith(("-r", "-c")) and "(" not in text and "==" not in text:
            names.add(normalize(text))
    return names


def closure(blocks: dict[str, str], roots: Iterable[str]) -> list[str]:
    """`roots` and everything they require, directly or not, in lock order."""
    needed = {normalize(root) for root in roots}
    missing = needed - blocks.keys()
    if missing:
        raise ValueError(f"not in the lock: {', '.join(sorted(missing))}")
    grew = True
    while grew:
        grew = False
        for name, block in blocks.items():
            if name not in needed and required_by(block) & needed:
                needed.add(name)
                grew = True
    return [name for name in blocks if name in needed]


def build_lock_text(lock: Path = DEFAULT_LOCK) -> str:
    blocks = lock_blocks(lock.read_text(encoding="utf-8"))
    return HEADER + "".join(blocks[name] for name in closure(blocks, BUILD_ROOTS))


def cache_key(
    dockerfile: Path = DEFAULT_DOCKERFILE, files: Sequence[Path] = (BUILD_LOCK, SDIST_LOCK, BUILD_SCRIPT)
) -> str:
    """`flash-attn-<16 hex>` over the compile's inputs: its locks, its script, CUDA tag and architectures."""
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    args = dockerfile_args(dockerfile)
    for name in KEY_ARGS:
        digest.update(f"{name}={args.get(name, '')}\0".encode())
    return f"flash-attn-{digest.hexdigest()[:16]}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m reward_signal.deploy.flash_attn", description=__doc__)
    parser.add_argument("command", choices=["key", "build-lock"])
    args = parser.parse_args(argv)
    if args.command == "key":
        print(cache_key())
    else:
        write_text(BUILD_LOCK, build_lock_text())
        print(f"wrote {BUILD_LOCK}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
