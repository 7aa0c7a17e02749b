"""The Python environment that will train: versions against the pins, imports, torch.cuda, C toolchain.

Imports and the CUDA probe run in child interpreters: a broken import (or one that hangs probing a
GPU) is reported with its own error line instead of taking the doctor down, and each import starts
from a clean interpreter, as `main_ppo` does.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from importlib import metadata
from pathlib import Path

from reward_signal.common.versions import meets_floor
from reward_signal.deploy.doctor.check import OK, SKIP, Check, problem

# What the image must import: VERL's trainer entry (it pulls hydra, omegaconf and the verl-core
# extras), the rollout engine, and what the kit itself loads in training and grading.
IMAGE_IMPORTS: tuple[str, ...] = (
    "verl.trainer.main_ppo",
    "vllm",
    "ray",
    "torch",
    "transformers",
    "math_verify",
    "wandb",
    "flash_attn",
)
# Import name -> distribution, where the import belongs to a package that may be absent on purpose.
IMPORT_DISTRIBUTIONS = {"flash_attn": "flash-attn"}
IMPORT_TIMEOUT_S = 300.0
# torch.cuda.init() raises with the driver's own message when CUDA cannot start.
CUDA_PROBE = (
    "import torch; torch.cuda.init(); "
    "print(torch.cuda.device_count(), torch.version.cuda, torch.cuda.get_device_name(0))"
)
# The C compilers Triton tries, in its order ($CC first), to build its launcher stubs at run time.
COMPILERS = ("cc", "gcc", "clang")


def _version_check(
    name: str,
    wanted: str,
    accepts: Callable[[str], bool],
    blocking: bool,
    version_of: Callable[[str], str],
    absent_reason: str | None = None,
) -> Check:
    """One installed distribution against a requirement that reads `wanted` ("image pins 2.11.0")."""
    label = f"version {name}"
    try:
        found = version_of(name)
    except metadata.PackageNotFoundError:
        if absent_reason:
            return Check(label, SKIP, f"not installed: {absent_reason}")
        return problem(label, blocking, f"not installed ({wanted})")
    if accepts(found):
        return Check(label, OK, found)
    return problem(label, blocking, f"{found} installed, {wanted}")


def check_versions(
    expected: Mapping[str, str],
    strict: bool,
    absent_ok: Mapping[str, str] | None = None,
    version_of: Callable[[str], str] = metadata.version,
) -> list[Check]:
    """Installed distributions against the image pins; a mismatch fails only with `strict` (inside the image).

    A local build label does not count (`2.11.0+cu130` is 2.11.0). `absent_ok` maps distributions that
    may be missing here to the reason (reported as skipped).
    """
    return [
        _version_check(
            name,
            f"image pins {pinned}",
            lambda found, pinned=pinned: found.split("+", 1)[0] == pinned,
            strict,
            version_of,
            (absent_ok or {}).get(name),
        )
        for name, pinned in expected.items()
    ]


def check_floors(
    floors: Mapping[str, str], blocking: bool, version_of: Callable[[str], str] = metadata.version
) -> list[Check]:
    """Resolver-chosen packages VERL needs at a minimum version (see IMAGE_FLOORS in pins.py)."""
    return [
        _version_check(
            name,
            f"VERL needs >= {floor}",
            lambda found, floor=floor: meets_floor(found, floor),
            blocking,
            version_of,
        )
        for name, floor in floors.items()
    ]


def _last_error_line(stderr: str) -> str:
    """The exception line of a traceback (`ImportError: cannot import name ...`), else the last line."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    return lines[-1] if lines else "no error output"


def _compiler_error(stderr: str) -> str:
    """The first diagnostic a compiler printed (later lines are context and carets)."""
    for line in stderr.splitlines():
        if "error" in line:
            return line.strip()
    return _last_error_line(stderr)


def _import_one(python: str, module: str, timeout: float) -> tuple[bool, str]:
    started = time.monotonic()
    try:
        result = subprocess.run(
            [python, "-c", f"import {module}"], capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        return False, f"did not finish in {timeout:.0f} s"
    if result.returncode != 0:
        return False, _last_error_line(result.stderr)
    return True, f"imported in {time.monotonic() - started:.1f} s"


def check_imports(
    modules: Sequence[str],
    blocking: bool,
    python: str = sys.executable,
    absent_ok: Mapping[str, str] | None = None,
    version_of: Callable[[str], str] = metadata.version,
    timeout: float = IMPORT_TIMEOUT_S,
) -> list[Check]:
    """Import each module in a fresh interpreter (two at a time: the heavy ones take 10-20 s each).

    A module whose distribution is in `absent_ok` and not installed is skipped with the reason.
    """
    skipped: dict[str, str] = {}
    for module in modules:
        distribution = IMPORT_DISTRIBUTIONS.get(module)
        if distribution and absent_ok and distribution in absent_ok:
            try:
                version_of(distribution)
            except metadata.PackageNotFoundError:
                skipped[module] = f"{distribution} not installed: {absent_ok[distribution]}"
    to_run = [module for module in modules if module not in skipped]
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = dict(zip(to_run, pool.map(lambda m: _import_one(python, m, timeout), to_run), strict=True))
    checks = []
    for module in modules:
        if module in skipped:
            checks.append(Check(f"import {module}", SKIP, skipped[module]))
        else:
            imported, detail = results[module]
            checks.append(
                Check(f"import {module}", OK, detail)
                if imported
                else problem(f"import {module}", blocking, detail)
            )
    return checks


def check_torch_cuda(
    blocking: bool, python: str = sys.executable, timeout: float = IMPORT_TIMEOUT_S
) -> Check:
    """torch can initialise CUDA: the driver, the container toolkit's libcuda and torch's CUDA wheels fit."""
    try:
        result = subprocess.run(
            [python, "-c", CUDA_PROBE], capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        return problem("torch.cuda", blocking, f"torch.cuda.init() did not finish in {timeout:.0f} s")
    if result.returncode != 0:
        return problem("torch.cuda", blocking, _last_error_line(result.stderr))
    count, cuda, name = result.stdout.strip().split(" ", 2)
    return Check("torch.cuda", OK, f"CUDA {cuda}, {count} device(s), first: {name}")


def find_compiler(env: Mapping[str, str]) -> str | None:
    """The C compiler Triton would use: $CC, else the first of cc, gcc, clang on PATH."""
    if env.get("CC"):
        return shutil.which(env["CC"], path=env.get("PATH"))
    for name in COMPILERS:
        found = shutil.which(name, path=env.get("PATH"))
        if found:
            return found
    return None


def check_compiler(compiler: str | None, blocking: bool) -> Check:
    """Triton, vLLM and FlashInfer compile C/CUDA glue on first use on the GPU node, inside the container."""
    if compiler is None:
        return problem(
            "c compiler",
            blocking,
            "no $CC, cc, gcc or clang on PATH: Triton, vLLM and FlashInfer compile kernels' C launchers "
            "at run time (install build-essential in the image)",
        )
    result = subprocess.run([compiler, "--version"], capture_output=True, text=True, timeout=30, check=False)
    first = (result.stdout or result.stderr).splitlines()[:1]
    return Check("c compiler", OK, f"{compiler}: {first[0] if first else 'version unknown'}")


def check_python_headers(compiler: str | None, blocking: bool, include_dir: Path | None = None) -> Check:
    """Python.h exists for this interpreter and, with a compiler, a file including it compiles."""
    include = include_dir or Path(sysconfig.get_paths()["include"])
    header = include / "Python.h"
    if not header.is_file():
        version = f"{sys.version_info.major}.{sys.version_info.minor}"
        return problem(
            "python headers",
            blocking,
            f"no {header}: Triton's launcher includes Python.h (install python{version}-dev in the image)",
        )
    if compiler is None:
        return Check("python headers", OK, f"{header} (not compiled: no C compiler)")
    with tempfile.TemporaryDirectory(prefix="doctor-") as tmp:
        source = Path(tmp) / "probe.c"
        source.write_text("#include <Python.h>\nint main(void) { return Py_IsInitialized(); }\n")
        result = subprocess.run(
            [compiler, "-fsyntax-only", f"-I{include}", str(source)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    if result.returncode != 0:
        return problem(
            "python headers",
            blocking,
            f"{header} does not compile with {compiler}: {_compiler_error(result.stderr)}",
        )
    return Check("python headers", OK, f"{header} compiles with {compiler}")
