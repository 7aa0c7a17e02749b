"""Speed of the signal-quality controls, each as a ratio to a baseline measured in the same run.

    python bench/controls_speed.py                      # 10,000 synthetic problems; corrupt 2,000 of their labels
    python bench/controls_speed.py --source FILE.parquet --rows 2000   # corrupt a sample of a real training set

synth:   generating + writing N problems vs only writing the same rows (baseline: parquet I/O).
corrupt: corrupting 50% of the labels vs one rule-based grading pass over the boxed original answers
         (baseline: the grader; corruption grades each proposal both ways and retries the rejected ones).
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

from reward_signal.data.corrupt import corrupt_file
from reward_signal.data.parquet import read_rows, write_rows
from reward_signal.data.synth import KINDS, synth_rows
from reward_signal.rewards import grade_many


def _timed(action) -> float:  # noqa: ANN001 - any zero-argument callable
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=10_000, help="synthetic problems to generate")
    parser.add_argument(
        "--source", type=Path, help="training parquet to corrupt (default: the synthetic rows)"
    )
    parser.add_argument("--rows", type=int, default=2_000, help="rows of the source to corrupt")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        rows: list = []
        generate = _timed(lambda: rows.extend(synth_rows(KINDS, (1, 2, 3, 4, 5), args.n, seed=0)))
        write_only = _timed(lambda: write_rows(out / "synth.parquet", rows))
        print(
            f"synth:   {args.n} problems generated in {generate:.2f} s ({args.n / generate:,.0f}/s); "
            f"generate+write / write-only (baseline) = {(generate + write_only) / write_only:.1f}x"
        )

        source_rows = read_rows(args.source) if args.source else rows
        sample = sorted(random.Random(0).sample(range(len(source_rows)), min(args.rows, len(source_rows))))
        source = write_rows(out / "source.parquet", [source_rows[i] for i in sample])
        truths = [source_rows[i]["reward_model"]["ground_truth"] for i in sample]
        grade_many(["\\boxed{1}"], ["1"])  # start the worker pool outside both timings
        baseline = _timed(lambda: grade_many([f"\\boxed{{{t}}}" for t in truths], truths))
        corrupt = _timed(lambda: corrupt_file(source, out / "corrupted.parquet", 0.5, "wrong", seed=0))
        print(
            f"corrupt: {len(sample)} rows at fraction 0.5 in {corrupt:.2f} s; "
            f"corrupt / one grading pass (baseline, {baseline:.2f} s) = {corrupt / baseline:.1f}x"
        )


if __name__ == "__main__":
    main()
