"""`reward-signal train --dry-run` of experiments in every mode, in ONE process.

The image-environment check runs this inside the image's Python environment. Each dry-run there
spends about 10 s importing VERL (torch, transformers, tensordict) and under a second rendering
and validating; one process pays the import once instead of once per experiment and mode.
The data checks are left out (`--no-data-check`): the controls experiments read generated files,
and the data checks run in the test suite on the seed data.

    python -m reward_signal.deploy.dry_runs script/experiments/*.yaml
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
import time
from collections.abc import Iterator, Mapping, Sequence

from reward_signal.launch.modes import Mode

# A MODE3 layout for rendering only: --dry-run never contacts the cluster.
MODE3_ENV = {"RAY_ADDRESS": "127.0.0.1:6379", "NNODES": "2", "GPUS_PER_NODE": "8"}


@contextlib.contextmanager
def environment(values: Mapping[str, str]) -> Iterator[None]:
    """Set variables for the block (MODE3 reads its cluster layout from the environment)."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def dry_run(experiment: str, mode: Mode) -> str | None:
    """None when the experiment renders and validates in `mode`, else what the CLI said."""
    from reward_signal.cli import main

    errors = io.StringIO()
    with (
        environment(MODE3_ENV if mode is Mode.MODE3 else {}),
        contextlib.redirect_stdout(io.StringIO()),
        contextlib.redirect_stderr(errors),
    ):
        try:
            code = main(["train", "--exp", experiment, "--mode", mode.value, "--dry-run", "--no-data-check"])
        except Exception as exc:  # noqa: BLE001 - report a crash as this cell's failure, then go on
            return f"{type(exc).__name__}: {exc}"
    return None if code == 0 else errors.getvalue().strip() or f"exit {code}"


def main(argv: Sequence[str] | None = None) -> int:
    experiments = list(sys.argv[1:] if argv is None else argv)
    if not experiments:
        print("usage: python -m reward_signal.deploy.dry_runs EXPERIMENT.yaml ...", file=sys.stderr)
        return 2
    failures = 0
    for experiment in experiments:
        for mode in Mode:
            started = time.monotonic()
            problem = dry_run(experiment, mode)
            failures += problem is not None
            status = "ok  " if problem is None else "FAIL"
            print(
                f"{status} train --dry-run {experiment} {mode.value} ({time.monotonic() - started:.1f} s)",
                flush=True,
            )
            if problem:
                print(f"     {problem}", flush=True)
    print(f"{failures} of {len(experiments) * len(Mode)} dry-runs failed", flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
