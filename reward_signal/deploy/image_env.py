"""The image's own Python environment, built on CPU from docker/requirements.lock and exercised (a CI step).

Why: tests in the developer's venv say nothing about what the image ships. A lock that resolved
hydra-core 0.11 passed every test while `import verl.trainer.main_ppo` failed in the image. So this
installs the lock as the Dockerfile does (hash-checked, binary-only except the antlr4 sdist, no
dependency resolution, Python 3.12, the lock's own `--python-platform`), adds the kit without
dependencies, and runs in that environment: `reward-signal doctor --cpu-only` (versions equal the
pins; VERL's trainer, vllm, ray, torch, transformers, math_verify and wandb import; a C compiler
and Python.h), `train --dry-run` of every shipped experiment in every mode, and the reward test
inside VERL's RewardLoopWorker Ray actor.

It cannot cover what needs a GPU: CUDA kernels, flash-attn (compiled in the image's builder
stage from its own lock), NCCL, the NVIDIA driver.

Every check runs even when an earlier one failed (a broken lock shows both the inconsistency
and the import it breaks), and every phase prints its wall time. Building and caching the
environment: reward_signal/deploy/image_env_build.py.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from reward_signal.common.errors import KitError
from reward_signal.common.paths import REPO_ROOT
from reward_signal.common.pins import BUILT_FROM_SOURCE, IMAGE_PYTHON
from reward_signal.deploy.doctor import FAIL, OK, Check, format_table
from reward_signal.deploy.doctor.python_env import IMAGE_IMPORTS, IMPORT_DISTRIBUTIONS
from reward_signal.deploy.image import DEFAULT_LOCK, locked_versions
from reward_signal.deploy.image_env_build import (
    DEFAULT_INDEX,
    INSTALL_FLAGS,
    MARKER,
    ImageEnvError,
    Recipe,
    build_env,
    cache_key,
    cached_env,
    check_index,
    find_python,
    find_uv,
    lock_target,
    make_layer,
    must,
    prune,
    pytest_version,
    python_candidates,
    run,
    say,
)

# The imports this environment must pass; flash-attn is compiled in the image only (skipped here).
REQUIRED_IMPORTS = tuple(m for m in IMAGE_IMPORTS if IMPORT_DISTRIBUTIONS.get(m) not in BUILT_FROM_SOURCE)
REWARD_TEST = "tests/integration/test_reward_verl.py"


@contextmanager
def timed(phase: str) -> Iterator[None]:
    """Announce a phase and print its wall time, also when it fails."""
    started = time.monotonic()
    say(f"{phase} ...")
    try:
        yield
    finally:
        say(f"{phase}: {time.monotonic() - started:.1f} s")


def layer_env(layer: Path, extra: Mapping[str, str]) -> dict[str, str]:
    """The environment for commands in the layer: its bin first, nothing leaking in from the caller's venv."""
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV"}}
    env["PATH"] = f"{layer / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    return {**env, **extra}


def doctor_problems(checks: Sequence[Check]) -> list[str]:
    """Failed checks, and required imports that did not pass (a skipped import is not a passed one)."""
    by_name = {check.name: check for check in checks}
    problems = [f"{c.name}: {c.detail}" for c in checks if c.status == FAIL]
    for module in REQUIRED_IMPORTS:
        check = by_name.get(f"import {module}")
        if check is None or check.status not in {OK, FAIL}:
            problems.append(
                f"import {module}: {'not checked' if check is None else check.status + ', ' + check.detail}"
            )
    return problems


def run_doctor(env: Mapping[str, str]) -> None:
    result = run(["reward-signal", "doctor", "--cpu-only", "--json", "--min-free-gb", "0"], env=env)
    try:
        checks = [Check(**item) for item in json.loads(result.stdout)]
    except (ValueError, TypeError) as exc:
        raise ImageEnvError(
            f"`reward-signal doctor --cpu-only` crashed (exit {result.returncode}):\n{result.stderr[-4000:]}"
        ) from exc
    print(format_table(checks), flush=True)
    problems = doctor_problems(checks)
    if problems:
        raise ImageEnvError(
            "`reward-signal doctor --cpu-only` in the image environment failed:\n  " + "\n  ".join(problems)
        )


def experiments(repo: Path) -> list[Path]:
    """The shipped experiment files, relative to `repo` (the commands run there)."""
    found = sorted(path.relative_to(repo) for path in (repo / "script" / "experiments").glob("*.yaml"))
    if not found:
        raise ImageEnvError(f"no experiments under {repo / 'script' / 'experiments'}")
    return found


def summary(output: str, markers: Sequence[str]) -> str:
    """The lines of a printed report that say what failed (its output was already shown in full)."""
    lines = [line for line in output.splitlines() if line.startswith(tuple(markers))]
    return "\n".join(lines[-20:]) or output.strip()[-2000:]


def run_printed(command: Sequence[str], env: Mapping[str, str], what: str, markers: Sequence[str]) -> None:
    """Run a command in the layer, show its whole output, and fail with just its failure lines."""
    result = run(command, env=env)
    print(result.stdout + result.stderr, end="", flush=True)
    if result.returncode != 0:
        raise ImageEnvError(
            f"{what} (exit {result.returncode}):\n{summary(result.stdout + result.stderr, markers)}"
        )


def run_dry_runs(layer: Path, exps: Sequence[Path], env: Mapping[str, str]) -> None:
    """`train --dry-run` of every experiment in every mode, in one process (see deploy/dry_runs.py)."""
    command = [str(layer / "bin" / "python"), "-m", "reward_signal.deploy.dry_runs", *map(str, exps)]
    run_printed(command, env, "train --dry-run failed", ["FAIL", "     "])


def run_reward_test(layer: Path, env: Mapping[str, str]) -> None:
    command = [str(layer / "bin" / "python"), "-m", "pytest", REWARD_TEST, "-p", "no:cacheprovider", "-q"]
    run_printed(
        command, env, "the rewards inside VERL's RewardLoopWorker failed", ["FAILED", "ERROR", "E   "]
    )


def base_env(args: argparse.Namespace, lock: Path, python: str, uv: str, recipe: Recipe) -> Path:
    """The cached environment for this lock and recipe, installed first when there is none."""
    key = cache_key(lock)
    base = cached_env(args.cache_dir, key, recipe)
    if base is not None:
        say(f"reusing the cached environment {base}")
        (base / MARKER).touch()  # most recently used: kept by prune
    else:
        with timed(f"installing the lock into a new environment under {args.cache_dir} (about 10 GB)"):
            check_index(args.index_url, next(iter(locked_versions(lock)), "pip"))
            base = build_env(args.cache_dir, key, lock, python, uv, args.index_url, recipe)
    prune(args.cache_dir, keep=[base])
    return base


def run_checks(checks: Sequence[tuple[str, Callable[[], None]]]) -> list[str]:
    """Run every check, timed, even after a failure; the failures, each with what it said."""
    failures = []
    for title, check in checks:
        try:
            with timed(title):
                check()
        except ImageEnvError as exc:
            say(f"{title}: FAILED")
            failures.append(f"{title}: {exc}")
    return failures


def check_image_env(args: argparse.Namespace) -> None:
    lock = args.lock.resolve()
    platform, version = lock_target(lock)
    python = find_python(version, [args.python] if args.python else python_candidates(version, os.environ))
    uv = find_uv()
    recipe = Recipe(python=version, platform=platform, flags=INSTALL_FLAGS, pytest=pytest_version())
    say(f"lock {lock} (sha256 {cache_key(lock)[:16]}...), Python {version} at {python}, platform {platform}")
    base = base_env(args, lock, python, uv, recipe)
    with tempfile.TemporaryDirectory(prefix="reward-signal-image-env-") as tmp:
        with timed("installing the kit into a per-run layer (--no-deps)"):
            layer = make_layer(base, python, uv, REPO_ROOT, Path(tmp) / "layer")
        env = layer_env(layer, {"REWARD_SIGNAL_RUNS_DIR": str(Path(tmp) / "runs"), "WANDB_MODE": "offline"})
        failures = run_checks(
            [
                (
                    "uv pip check (every locked requirement satisfied)",
                    lambda: must(
                        run([uv, "pip", "check", "--python", str(base / "bin" / "python")]), "uv pip check"
                    ),
                ),
                ("reward-signal doctor --cpu-only", lambda: run_doctor(env)),
                (
                    "train --dry-run of every shipped experiment in every mode",
                    lambda: run_dry_runs(layer, experiments(REPO_ROOT), env),
                ),
                (f"{REWARD_TEST} (RewardLoopWorker Ray actors)", lambda: run_reward_test(layer, env)),
            ]
        )
    if failures:
        raise ImageEnvError(
            f"{len(failures)} check(s) failed in the image environment:\n" + "\n".join(failures)
        )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m reward_signal.deploy.image_env", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--lock", type=Path, default=DEFAULT_LOCK, help="the image lock (default: %(default)s)"
    )
    parser.add_argument(
        "--python", help=f"a Python {IMAGE_PYTHON} interpreter (default: searched on PATH, pyenv, uv, /usr)"
    )
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
        / "reward-signal"
        / "image-env",
        help="where installed environments are kept, by the lock's sha256 (default: %(default)s)",
    )
    parser.add_argument(
        "--index-url",
        default=os.environ.get("UV_DEFAULT_INDEX") or os.environ.get("UV_INDEX_URL") or DEFAULT_INDEX,
        help="package index for the lock (default: $UV_DEFAULT_INDEX, $UV_INDEX_URL or %(default)s)",
    )
    args = parser.parse_args(argv)
    started = time.monotonic()
    try:
        check_image_env(args)
    except KitError as exc:
        say(f"FAILED after {time.monotonic() - started:.1f} s")
        print(f"error: {exc}", file=sys.stderr, flush=True)
        return 1
    say(f"passed in {time.monotonic() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
