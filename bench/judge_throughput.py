"""Judge throughput against its concurrency bound: the kit's judge client vs workers / latency.

Starts the loopback OpenAI-compatible judge (tests/judge_server.py) with a fixed injected latency, scores
N distinct responses with a judge reward type through `compute_score_batch` (the client, dedup, gating
and record code training uses), and prints responses/s next to the bound max_workers / latency measured
in the same run, as a ratio. The target is a ratio of at least 0.80.

    python bench/judge_throughput.py [--n 2000] [--latency 0.2] [--workers 64] [--type judge_prm]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # tests/judge_server.py, the loopback judge


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=2000, help="responses to score (default 2000)")
    parser.add_argument("--latency", type=float, default=0.2, help="seconds per judge reply (default 0.2)")
    parser.add_argument("--workers", type=int, default=64, help="GENRM_MAX_WORKERS (default 64)")
    parser.add_argument("--type", default="judge_prm", dest="reward_type", help="judge reward type")
    args = parser.parse_args()

    from reward_signal.rewards.verl_entry import compute_score_batch
    from tests.judge_server import MODEL, judge_server

    verdict = "**Verification: Is the answer correct (Yes/No)? Yes**"
    solutions = [f"<think>step {i}</think> so <answer>\\boxed{{{i}}}</answer>" for i in range(args.n)]
    extras = [{"split": "train", "index": i, "question": f"Problem {i}: compute {i}."} for i in range(args.n)]
    with judge_server(default=verdict, latency=args.latency) as server:
        os.environ.update(
            GENRM_ENDPOINT=server.endpoint,
            GENRM_MODEL_PATH=MODEL,
            GENRM_API_KEY="bench",
            GENRM_MAX_WORKERS=str(args.workers),
            GENRM_MAX_RETRIES="3",
            GENRM_BASE_DELAY="1",
        )
        # One response first, outside the clock: a training process pays its imports once, not per step.
        compute_score_batch(
            ["train-math"],
            ["warm-up"],
            ["0"],
            [{"index": -1, "question": "warm-up"}],
            reward_type=args.reward_type,
        )
        started = time.perf_counter()
        records = compute_score_batch(
            ["train-math"] * args.n,
            solutions,
            [str(i) for i in range(args.n)],
            extras,
            progress=True,
            reward_type=args.reward_type,
        )
        elapsed = time.perf_counter() - started
        stats = server.stats()
    rate = args.n / elapsed
    bound = args.workers / args.latency
    print(
        f"{args.n} responses, {args.reward_type}, latency {args.latency * 1000:.0f} ms, {args.workers} workers"
    )
    print(
        f"  requests sent {stats['requests'] - 1} (+1 warm-up), max in flight {stats['max_in_flight']}, paid {sum(r['score'] for r in records):.0f}"
    )
    print(f"  measured   {rate:8.1f} responses/s ({elapsed:.2f} s)")
    print(f"  bound      {bound:8.1f} responses/s (workers / latency)")
    ratio = rate / bound
    print(f"  ratio      {ratio:8.2f}  (target >= 0.80: {'met' if ratio >= 0.8 else 'NOT met'})")
    return 0 if ratio >= 0.8 else 1


if __name__ == "__main__":
    raise SystemExit(main())
