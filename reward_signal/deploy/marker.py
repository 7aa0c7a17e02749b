"""Where a run's completion marker goes: `<runs>/<experiment name>/TRAINING_COMPLETE`.

The container command (`rs-train`) asks this module for the path before training, so the name
comes from the launcher's own experiment parser (never from the file name), and a broken
experiment fails here with the configuration exit code before any GPU work starts.

    python -m reward_signal.deploy.marker EXPERIMENT [--name RUN_NAME]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from reward_signal.common.errors import KitError
from reward_signal.common.paths import runs_dir

MARKER = "TRAINING_COMPLETE"


def marker_path(experiment: str, name: str | None = None) -> Path:
    """The marker of `experiment` (file path or shipped name), or of the run renamed to `name`."""
    from reward_signal.launch.experiment import load_experiment

    run_name = name or load_experiment(experiment).name
    return runs_dir() / run_name / MARKER


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m reward_signal.deploy.marker", description=marker_path.__doc__
    )
    parser.add_argument("experiment", help="experiment file or shipped name")
    parser.add_argument("--name", help="run name given to `reward-signal train --name`")
    args = parser.parse_args(argv)
    try:
        print(marker_path(args.experiment, args.name))
    except KitError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main())
