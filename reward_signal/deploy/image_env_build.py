"""Building the image's Python environment on CPU: Python 3.12, uv, the index, the cached install.

The lock is installed as the Dockerfile installs it (hash-checked, binary-only except the antlr4
sdist, no dependency resolution), for the lock's own `--python-platform`. The result (about 10 GB)
is cached under `<cache>/<sha256 of the lock>/`, reused only when its completion marker matches
the `Recipe`, and built in a temporary directory renamed into place, so a killed build is never
reused. The kit goes into a small per-run venv layered on it (a `.pth` adds the cached
site-packages), so no run changes the cache.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from reward_signal.common.errors import KitError
from reward_signal.common.paths import REPO_ROOT
from reward_signal.common.pins import IMAGE_PYTHON
from reward_signal.deploy.image import normalize

# The Dockerfile's `pip install` flags for the lock (tests/unit/deploy/test_image_env.py checks they agree).
INSTALL_FLAGS = (
    "--require-hashes",
    "--only-binary",
    ":all:",
    "--no-binary",
    "antlr4-python3-runtime",
    "--no-deps",
)
DEFAULT_INDEX = "https://pypi.org/simple"
MARKER = "image-env-complete.json"
KEEP_ENVS = 2
STEP_TIMEOUT_S = 1800.0


class ImageEnvError(KitError):
    """The image environment could not be built, or failed a check in it."""


def say(message: str) -> None:
    print(f"image-env: {message}", flush=True)


def lock_target(lock: Path) -> tuple[str, str]:
    """(--python-platform, --python-version) from the `uv pip compile` command in the lock's header."""
    header = "\n".join(lock.read_text(encoding="utf-8").splitlines()[:3])
    platform = re.search(r"--python-platform\s+(\S+)", header)
    version = re.search(r"--python-version\s+(\S+)", header)
    if not platform or not version:
        raise ImageEnvError(
            f"{lock}: its header has no `uv pip compile ... --python-platform P --python-version V` "
            "command; regenerate it with the command in docker/requirements.in"
        )
    return platform.group(1), version.group(1)


def _python_version(candidate: str) -> str | None:
    try:
        result = subprocess.run(
            [candidate, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return result.stdout.strip() if result.returncode == 0 else None


def python_candidates(version: str, env: Mapping[str, str]) -> list[str]:
    """Where a Python `version` usually is: PATH, pyenv's versions, uv's managed pythons, /usr."""
    name = f"python{version}"
    found = [shutil.which(name, path=env.get("PATH"))]
    pyenv = Path(env.get("PYENV_ROOT", Path.home() / ".pyenv"))
    found += [str(p) for p in sorted(pyenv.glob(f"versions/{version}.*/bin/{name}"), reverse=True)]
    uv_pythons = Path.home() / ".local" / "share" / "uv" / "python"
    found += [str(p) for p in sorted(uv_pythons.glob(f"cpython-{version}.*/bin/{name}"), reverse=True)]
    found += [f"/usr/local/bin/{name}", f"/usr/bin/{name}"]
    return list(dict.fromkeys(path for path in found if path))


def find_python(version: str, candidates: Sequence[str]) -> str:
    """The first candidate that runs and reports `version`; ImageEnvError naming every one tried."""
    tried = []
    for candidate in candidates:
        reported = _python_version(candidate)
        if reported == version:
            return candidate
        tried.append(f"{candidate} ({'not runnable' if reported is None else 'is ' + reported})")
    raise ImageEnvError(
        f"no Python {version} interpreter found (the image runs Python {version}); tried: "
        + ("; ".join(tried) or "nothing")
        + f". Install it (apt-get install python{version}-venv python{version}-dev, or "
        f"`pyenv install {version}`) or pass --python PATH"
    )


def find_uv() -> str:
    for candidate in (shutil.which("uv"), str(Path(sys.executable).parent / "uv")):
        if candidate and Path(candidate).is_file():
            return candidate
    raise ImageEnvError(
        "uv not found on PATH or beside this Python: install the test extra (pip install -e '.[test]')"
    )


def check_index(index_url: str, project: str, timeout: float = 30.0) -> None:
    """The package index answers for the lock's first project; ImageEnvError otherwise (never a skip)."""
    url = f"{index_url.rstrip('/')}/{normalize(project)}/"
    try:
        with urllib.request.urlopen(urllib.request.Request(url), timeout=timeout) as response:
            response.read(1)
    except urllib.error.HTTPError as exc:
        raise ImageEnvError(
            f"package index {index_url} answered HTTP {exc.code} for {url}: the image environment "
            "cannot be installed, and this check never skips. Fix the network or pass --index-url"
        ) from exc
    except (urllib.error.URLError, OSError) as exc:
        raise ImageEnvError(
            f"package index {index_url} cannot be reached ({getattr(exc, 'reason', exc)}): the image "
            "environment cannot be installed, and this check never skips. Fix the network or pass --index-url"
        ) from exc


def run(
    command: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path = REPO_ROOT,
    timeout: float = STEP_TIMEOUT_S,
) -> subprocess.CompletedProcess[str]:
    """Run a command, capturing output; a timeout becomes an ImageEnvError naming the command."""
    try:
        return subprocess.run(
            list(command),
            env=dict(env) if env is not None else None,
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise ImageEnvError(f"`{' '.join(command)}` did not finish in {timeout:.0f} s") from exc


def must(result: subprocess.CompletedProcess[str], what: str, tail: int = 4000) -> None:
    if result.returncode != 0:
        output = (result.stdout + result.stderr)[-tail:]
        raise ImageEnvError(f"{what} failed (exit {result.returncode}):\n{output}")


@dataclass(frozen=True)
class Recipe:
    """Everything that decides the cached environment's content besides the lock itself."""

    python: str
    platform: str
    flags: tuple[str, ...]
    pytest: str

    def as_json(self) -> dict[str, object]:
        return {
            "python": self.python,
            "platform": self.platform,
            "flags": list(self.flags),
            "pytest": self.pytest,
        }


def cache_key(lock: Path) -> str:
    return hashlib.sha256(lock.read_bytes()).hexdigest()


def cached_env(cache_root: Path, key: str, recipe: Recipe) -> Path | None:
    """The cached environment for `key`, if it was completed with this recipe."""
    env_dir = cache_root / key
    try:
        marker = json.loads((env_dir / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return env_dir if marker.get("recipe") == recipe.as_json() else None


def venv_site_packages(env_dir: Path) -> Path:
    return env_dir / "lib" / f"python{IMAGE_PYTHON}" / "site-packages"


def build_env(
    cache_root: Path, key: str, lock: Path, python: str, uv: str, index_url: str, recipe: Recipe
) -> Path:
    """Install the lock into a new venv in a temporary directory, then rename it to `<cache>/<key>`.

    The venv's console scripts keep the temporary path; only its site-packages is used (layered).
    """
    cache_root.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=f".build-{key[:12]}-", dir=cache_root))
    try:
        env_dir = building / "env"
        must(run([python, "-m", "venv", "--without-pip", str(env_dir)]), f"{python} -m venv")
        uv_env = {**os.environ, "UV_PYTHON_DOWNLOADS": "never"}
        install = [
            uv,
            "pip",
            "install",
            "--python",
            str(env_dir / "bin" / "python"),
            "--index-url",
            index_url,
        ]
        must(
            run(
                [
                    *install,
                    "--python-platform",
                    recipe.platform,
                    "--compile-bytecode",
                    *recipe.flags,
                    "-r",
                    str(lock),
                ],
                env=uv_env,
            ),
            f"installing {lock} (as the Dockerfile does)",
        )
        must(
            run([*install, "--compile-bytecode", f"pytest=={recipe.pytest}"], env=uv_env),
            "installing pytest for the reward test",
        )
        marker = {
            "recipe": recipe.as_json(),
            "lock": str(lock),
            "built": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        (env_dir / MARKER).write_text(json.dumps(marker, indent=2), encoding="utf-8")
        target = cache_root / key
        if target.exists():  # an incomplete or other-recipe leftover (a complete one was reused before)
            shutil.rmtree(target)
        try:
            env_dir.rename(target)
        except OSError:
            if cached_env(cache_root, key, recipe) is None:  # not a concurrent build that finished first
                raise
        return target
    finally:
        shutil.rmtree(building, ignore_errors=True)


def prune(cache_root: Path, keep: Sequence[Path], limit: int = KEEP_ENVS) -> None:
    """Delete cached environments beyond the `limit` most recently used (10 GB each) and dead builds."""
    entries = [p for p in cache_root.iterdir() if (p / MARKER).is_file() and p not in keep]
    entries.sort(key=lambda p: (p / MARKER).stat().st_mtime, reverse=True)
    for stale in entries[max(0, limit - len(keep)) :]:
        say(f"removing the unused cached environment {stale}")
        shutil.rmtree(stale, ignore_errors=True)
    for build in cache_root.glob(".build-*"):
        if time.time() - build.stat().st_mtime > 6 * 3600:
            shutil.rmtree(build, ignore_errors=True)


def make_layer(base: Path, python: str, uv: str, repo: Path, dest: Path) -> Path:
    """A small venv seeing the cached site-packages, with the kit installed as the Dockerfile does."""
    must(run([python, "-m", "venv", "--without-pip", str(dest)]), f"{python} -m venv")
    pth = venv_site_packages(dest) / "_reward_signal_image_env.pth"
    pth.write_text(f"import site; site.addsitedir({str(venv_site_packages(base))!r})\n", encoding="utf-8")
    must(
        run(
            [
                uv,
                "pip",
                "install",
                "--python",
                str(dest / "bin" / "python"),
                "--no-deps",
                "--no-build-isolation",
                "--no-index",
                "-e",
                str(repo),
            ]
        ),
        "installing the kit (--no-deps, as the Dockerfile does)",
    )
    return dest


def pytest_version() -> str:
    try:
        return metadata.version("pytest")
    except metadata.PackageNotFoundError as exc:
        raise ImageEnvError(
            "pytest is not installed here: install the test extra (pip install -e '.[test]')"
        ) from exc
