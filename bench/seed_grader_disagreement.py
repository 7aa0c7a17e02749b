"""How often `grader: seed` and `grader: kit` disagree on the 8K training set (figure in docs/fidelity.md).

For every training prompt, one response boxes exactly its gold answer (the first item of the JSON list):
`The answer is \\boxed{<gold>}.` Both graders score it; a prompt where they differ changes the training
reward of a reproduction (the seed boxes the raw JSON-list string, so e.g. `84\\%` or `(p,q)=(3,3)` fail).

    python bench/seed_grader_disagreement.py [--parquet PATH] [--examples 8] [--json OUT]
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

SHARED = Path(os.environ.get("REWARD_SIGNAL_SHARED", Path(__file__).resolve().parents[2] / "shared"))
DEFAULT_PARQUET = SHARED / "data/seed/data/old/train_novel_hybrid_8k_with_gt.parquet"


def main() -> None:
    from reward_signal.common.files import write_json
    from reward_signal.common.ground_truth import ground_truth_answers
    from reward_signal.data.parquet import read_table
    from reward_signal.rewards import seed_grader
    from reward_signal.rewards.grading import grade_many

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parquet", type=Path, default=DEFAULT_PARQUET)
    parser.add_argument("--examples", type=int, default=8, help="disagreements to print")
    parser.add_argument("--json", type=Path, help="write the counts and every disagreement here")
    args = parser.parse_args()

    rows = read_table(args.parquet, columns=["reward_model"]).column("reward_model").to_pylist()
    truths = [row["ground_truth"] for row in rows]
    responses = [f"The answer is \\boxed{{{ground_truth_answers(t)[0]}}}." for t in truths]

    start = time.perf_counter()
    kit = grade_many(responses, truths, progress=True)
    kit_s = time.perf_counter() - start
    start = time.perf_counter()
    seed = seed_grader.grade_many(responses, truths, progress=True)
    seed_s = time.perf_counter() - start

    differ = [
        {"row": i, "ground_truth": truths[i], "kit": k.correct, "seed": s.correct}
        for i, (k, s) in enumerate(zip(kit, seed, strict=True))
        if k.correct != s.correct
    ]
    seed_only_zero = sum(1 for d in differ if d["kit"] and not d["seed"])
    total = len(truths)
    print(f"{total} prompts, a response boxing exactly the gold answer:")
    print(f"  kit pays 1: {sum(g.correct for g in kit)}   seed pays 1: {sum(g.correct for g in seed)}")
    print(f"  disagree: {len(differ)} ({len(differ) / total:.1%}); seed 0 / kit 1: {seed_only_zero}")
    print(f"  grading time: kit {kit_s:.1f} s, seed {seed_s:.1f} s (ratio seed/kit {seed_s / kit_s:.1f})")
    for d in differ[: args.examples]:
        print(f"  row {d['row']}: gold {d['ground_truth']}  kit={int(d['kit'])} seed={int(d['seed'])}")
    if args.json:
        write_json(args.json, {"prompts": total, "disagree": len(differ), "rows": differ})


if __name__ == "__main__":  # verl's math_verify pool spawns workers: keep the guard
    main()
