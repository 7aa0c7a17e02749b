"""How long `data contamination` takes on the seed 8K set against AIME 2024/2025, MATH-500 and AMC,
as a ratio to the baseline of just reading the same parquet files into rows.

Usage: python bench/contamination_speed.py [--seed ../shared/data/seed] [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from reward_signal.data.contamination import find_contamination
from reward_signal.data.parquet import read_rows

REPO_ROOT = Path(__file__).resolve().parents[1]
TRAIN = "data/old/train_novel_hybrid_8k_with_gt.parquet"
EVALS = {
    "aime2024": "data/math/eval_data/aime2024.parquet",
    "aime2025": "data/math/eval_data/aime2025.parquet",
    "math500": "data/math/eval_data/math500.parquet",
    "amc": "data/math/eval_data/amc_test.parquet",
}


def median_time(repeat: int, work: Callable[[], object]) -> float:
    """Median wall time of `repeat` runs, in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seed", type=Path, default=REPO_ROOT.parent / "shared" / "data" / "seed")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    train = args.seed / TRAIN
    evals = {name: args.seed / path for name, path in EVALS.items()}
    missing = [str(p) for p in (train, *evals.values()) if not p.is_file()]
    if missing:
        print(f"missing seed files: {', '.join(missing)} (pass --seed DIR)", file=sys.stderr)
        return 2

    baseline = median_time(args.repeat, lambda: [read_rows(p) for p in (train, *evals.values())])
    check = median_time(args.repeat, lambda: find_contamination(train, evals))
    _, report = find_contamination(train, evals)
    print(
        f"train rows: {report['train_rows']}, eval problems: {sum(e['rows'] for e in report['eval'].values())}"
    )
    print(f"baseline (read the 5 parquet files into rows): {baseline:.3f} s")
    print(f"contamination check (13-grams, all 4 eval sets): {check:.3f} s")
    print(f"ratio check / baseline: {check / baseline:.1f}x")
    flagged = {name: entry["contaminated_train_rows"] for name, entry in report["eval"].items()}
    print(f"flagged training rows per eval set: {flagged}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
