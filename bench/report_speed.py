"""How long `reward-signal report` takes on a realistic study, against reading the same inputs.

Writes 24 synthetic runs (3 reward types x 8 data sizes, 200 steps, VERL 0.9.1 keys, 3 resumed runs)
to a temporary directory, then times, in the same process and on the same files:
  baseline  reading and merging every run's inputs (run.json, metrics attempts, eval summary)
  report    the full report (read, diagnose, 39 figures as 200-dpi PNG + PDF, runs.csv, report.md,
            report.html)
and prints seconds and the ratio report / baseline (median of --repeat runs each).

    python bench/report_speed.py [--repeat 3] [--jobs N]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import timeit
from collections.abc import Callable
from pathlib import Path

from reward_signal.report.build import build_report
from reward_signal.report.runs import find_run_dirs, load_run
from reward_signal.report.synthetic import write_study


def timed(task: Callable[[], object], repeat: int) -> float:
    """Median wall time of `repeat` calls."""
    return statistics.median(timeit.repeat(task, number=1, repeat=repeat))


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=None, help="figure processes (default: one per CPU)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        runs = write_study(root / "runs", steps=200)
        pattern = [str(root / "runs")]
        baseline = timed(lambda: [load_run(d) for d in find_run_dirs(pattern)], args.repeat)
        report = timed(lambda: build_report(pattern, root / "report", jobs=args.jobs), args.repeat)
    print(f"runs: {len(runs)} (3 reward types x 8 data sizes, 200 steps each)")
    print(f"baseline (read inputs): {baseline:.3f} s")
    print(f"report (everything):    {report:.3f} s")
    print(f"ratio report/baseline:  {report / baseline:.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
