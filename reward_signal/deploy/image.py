"""Facts about the image read from its own build files: locked versions, Dockerfile ARGs and labels.

Tests use these to check that pins.py, the lock, the Dockerfile and README agree; the release
workflow runs `python -m reward_signal.deploy.image --require-digests` so that no release is built
from a base image named by tag alone.
"""

from __future__ import annotations

import argparse
import re
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path

from reward_signal.common.errors import ConfigError
from reward_signal.common.paths import REPO_ROOT
from reward_signal.common.pins import BUILT_FROM_SOURCE, IMAGE_FLOORS, IMAGE_PINS
from reward_signal.common.versions import meets_floor

DEFAULT_LOCK = REPO_ROOT / "docker" / "requirements.lock"
DEFAULT_DOCKERFILE = REPO_ROOT / "Dockerfile"
DIGEST_ARGS = ("CUDA_DEVEL_DIGEST", "CUDA_BASE_DIGEST")
_PIN_RE = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s\\;]+)", re.MULTILINE)
_DIGEST_RE = re.compile(r"^sha256:[0-9a-f]{64}$")


def normalize(name: str) -> str:
    """PEP 503 name: `Flash_Attn` and `flash-attn` are the same distribution."""
    return re.sub(r"[-_.]+", "-", name).lower()


def locked_versions(lock: Path = DEFAULT_LOCK) -> dict[str, str]:
    """`name==version` pins of a requirements/lock file, by normalized name."""
    try:
        text = lock.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{lock}: cannot read the lock file ({exc.strerror})") from exc
    return {normalize(name): version for name, version in _PIN_RE.findall(text)}


def lock_problems(lock: Path = DEFAULT_LOCK) -> list[str]:
    """Why `lock` cannot build a working image: a pin that disagrees with pins.py, or a version under a floor.

    Run before the (10 GB) install of the image environment, and by the lock's unit test.
    """
    locked = locked_versions(lock)
    problems = []
    for name, pinned in IMAGE_PINS.items():
        found = locked.get(normalize(name))
        if name not in BUILT_FROM_SOURCE and found != pinned:
            problems.append(
                f"{lock}: {name} is {found or 'missing'}, reward_signal/common/pins.py pins {pinned}"
            )
    for name, floor in IMAGE_FLOORS.items():
        found = locked.get(normalize(name))
        if found is None or not meets_floor(found, floor):
            problems.append(
                f"{lock}: {name} is {found or 'missing'}, VERL needs >= {floor} "
                "(see IMAGE_FLOORS in reward_signal/common/pins.py); regenerate the lock"
            )
    return problems


def instructions(dockerfile: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs with line continuations joined and comments dropped."""
    joined = re.sub(r"\\\n", " ", dockerfile.read_text(encoding="utf-8"))
    pairs = []
    for line in joined.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            keyword, _, rest = stripped.partition(" ")
            pairs.append((keyword.upper(), rest.strip()))
    return pairs


def assignments(text: str) -> dict[str, str]:
    """`A=1 B="x y"` -> {"A": "1", "B": "x y"} (shell-style quoting, as Docker parses it)."""
    result = {}
    for token in shlex.split(text):
        key, sep, value = token.partition("=")
        result[key] = value if sep else ""
    return result


def _assigned(dockerfile: Path, instruction: str) -> dict[str, str]:
    """KEY=VALUE pairs of every `instruction` line (a later definition wins, as in a multi-stage build)."""
    found: dict[str, str] = {}
    for keyword, rest in instructions(dockerfile):
        if keyword == instruction:
            found.update(assignments(rest))
    return found


def dockerfile_args(dockerfile: Path = DEFAULT_DOCKERFILE) -> dict[str, str]:
    """Default values of every ARG."""
    return _assigned(dockerfile, "ARG")


def dockerfile_labels(dockerfile: Path = DEFAULT_DOCKERFILE) -> dict[str, str]:
    """Every LABEL key and its (unexpanded) value."""
    return _assigned(dockerfile, "LABEL")


_VAR_RE = re.compile(r"\$\{(\w+)(?::([+-])([^}]*))?\}")


def expand(text: str, values: dict[str, str]) -> str:
    """Docker's `${X}`, `${X:+word}` and `${X:-word}` substitution (the forms the Dockerfile uses)."""

    def substitute(match: re.Match[str]) -> str:
        name, operator, word = match.groups()
        value = values.get(name, "")
        if operator == "+":
            return word if value else ""
        if operator == "-":
            return value or word
        return value

    return _VAR_RE.sub(substitute, text)


def base_images(build_args: dict[str, str], dockerfile: Path = DEFAULT_DOCKERFILE) -> list[str]:
    """The images the stages start FROM (each once, in order; earlier stages named in FROM are not
    images), with build args over the Dockerfile's ARG defaults."""
    values = {**dockerfile_args(dockerfile), **build_args}
    images: list[str] = []
    stages: set[str] = set()
    for keyword, rest in instructions(dockerfile):
        if keyword != "FROM":
            continue
        words = rest.split()
        image = expand(words[0], values)
        if image not in stages and image not in images:
            images.append(image)
        if len(words) == 3 and words[1].upper() == "AS":
            stages.add(words[2])
    return images


def missing_digests(build_args: dict[str, str], dockerfile: Path = DEFAULT_DOCKERFILE) -> list[str]:
    """Digest ARGs that are neither a valid default in the Dockerfile nor given as a build arg."""
    defaults = dockerfile_args(dockerfile)
    problems = []
    for name in DIGEST_ARGS:
        value = build_args.get(name) or defaults.get(name, "")
        if not _DIGEST_RE.match(value):
            problems.append(f"{name}={value!r} is not a sha256:<64 hex> digest")
    return problems


def main(argv: Sequence[str] | None = None) -> int:
    """Release gate: exit 1 unless both CUDA base images are pinned by digest."""
    parser = argparse.ArgumentParser(prog="python -m reward_signal.deploy.image", description=main.__doc__)
    parser.add_argument("--require-digests", action="store_true", required=True)
    parser.add_argument("--dockerfile", type=Path, default=DEFAULT_DOCKERFILE)
    parser.add_argument("--build-arg", action="append", default=[], metavar="NAME=VALUE")
    args = parser.parse_args(argv)
    build_args = assignments(" ".join(shlex.quote(item) for item in args.build_arg))
    problems = missing_digests(build_args, args.dockerfile)
    for problem in problems:
        print(
            f"error: {problem}; release images must name their base by digest "
            "(see the Dockerfile header for how to look it up)",
            file=sys.stderr,
        )
    if problems:
        return 1
    for image in base_images(build_args, args.dockerfile):
        print(f"base image: {image}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
