"""Reward throughput: verl 0.9.1's math_verify scorer vs the kit's compute_score and compute_score_batch.

Scores the same responses (built from the 8K training set's ground truths: correct, equivalent forms, wrong,
unboxed, long and hard-to-parse) with
  (a) verl.utils.reward_score.math_verify.compute_score, called per sample as VERL's naive manager does,
  (b) our compute_score, per sample,
  (c) our compute_score_batch, one call,
and prints samples/s, the ratios to (a), and verdict disagreements (timeouts excluded). verl's scorer
gets the plain gold answer (it would box the JSON list string otherwise); ours gets the dataset's value.

    python bench/reward_throughput.py [--n 2000] [--parquet PATH] [--seed 0]
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

DEFAULT_PARQUET = (
    Path(__file__).resolve().parents[2] / "shared/data/seed/data/old/train_novel_hybrid_8k_with_gt.parquet"
)
FILLER = "We expand the expression, collect like terms and check the boundary cases one by one. "


def _variant(kind: str, gold: str, rng: random.Random) -> str:
    """One response of the given kind for this gold answer."""
    is_int = gold.lstrip("-").isdigit() and len(gold) < 30
    if kind == "correct":
        return f"Working through the problem step by step gives \\boxed{{{gold}}}."
    if kind == "equivalent":
        form = f"\\frac{{{2 * int(gold)}}}{{2}}" if is_int else f" {gold} "
        return f"Simplifying, the answer is \\boxed{{{form}}}"
    if kind == "wrong":
        return f"So the answer is \\boxed{{{int(gold) + rng.randint(1, 9)}}}." if is_int else "\\boxed{0}"
    if kind == "unboxed":
        return f"After checking all cases, the final answer is {gold}"
    if kind == "long":
        return FILLER * rng.randint(40, 120) + f"Therefore the answer is $\\boxed{{{gold}}}$."
    return f"Final: \\boxed{{\\displaystyle {gold}\\,\\text{{ units}}}}"  # hard to parse


KINDS = (("correct", 30), ("equivalent", 10), ("wrong", 20), ("unboxed", 15), ("long", 15), ("hard", 10))


def build_cases(parquet: Path, n: int, seed: int) -> list[tuple[str, str, str, str]]:
    """(kind, response, dataset ground truth, plain gold) for n responses, deterministic given the seed."""
    import pyarrow.parquet as pq

    rows = pq.read_table(parquet, columns=["reward_model"]).column("reward_model").to_pylist()
    truths = [row["ground_truth"] for row in rows]
    rng = random.Random(seed)
    kinds = [k for k, weight in KINDS for _ in range(weight)]
    cases = []
    for _ in range(n):
        truth = rng.choice(truths)
        gold = json.loads(truth)[0].strip()
        kind = rng.choice(kinds)
        cases.append((kind, _variant(kind, gold, rng), truth, gold))
    return cases


def _timed(label: str, fn: Callable[[], list[Any]], n: int) -> tuple[list[Any], float]:
    """Run `fn`, print its throughput, return (its result, samples/s)."""
    start = time.perf_counter()
    result = fn()
    elapsed = time.perf_counter() - start
    print(f"{label:<48} {n / elapsed:9.1f} samples/s   ({elapsed:.2f} s)")
    return result, n / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--parquet", type=Path, default=DEFAULT_PARQUET)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if not args.parquet.is_file():
        raise SystemExit(f"{args.parquet} not found: pass --parquet (the seed's 8K training set)")

    from verl.utils.reward_score.math_verify import compute_score as verl_score

    from reward_signal.rewards.grading import start_cold
    from reward_signal.rewards.verl_entry import compute_score, compute_score_batch

    cases = build_cases(args.parquet, args.n, args.seed)
    print(f"{len(cases)} responses: " + ", ".join(f"{k} {sum(c[0] == k for c in cases)}" for k, _ in KINDS))
    # Warm up both pools so worker start-up is not charged to either side.
    for _, response, truth, gold in cases[:8]:
        verl_score(response, gold)
        compute_score("train", response, truth, {})

    verl_v, verl_rate = _timed(
        "(a) verl math_verify.compute_score, per sample",
        lambda: [float(verl_score(r, gold)) for _, r, _, gold in cases],
        len(cases),
    )
    ours, one_rate = _timed(
        "(b) kit compute_score, per sample",
        lambda: [compute_score("train", r, t, {}) for _, r, t, _ in cases],
        len(cases),
    )
    start_cold()  # (c) starts from fresh workers and no remembered verdicts: nothing carried over from (b)
    batch, batch_rate = _timed(
        "(c) kit compute_score_batch, one call",
        lambda: compute_score_batch(["train"] * len(cases), [c[1] for c in cases], [c[2] for c in cases]),
        len(cases),
    )
    one_v, batch_v = [rec["acc"] for rec in ours], [rec["acc"] for rec in batch]
    timed_out = {i for i in range(len(cases)) if ours[i]["timed_out"] or batch[i]["timed_out"]}
    disagree_b = [i for i in range(len(cases)) if i not in timed_out and verl_v[i] != one_v[i]]
    disagree_c = [i for i in range(len(cases)) if i not in timed_out and verl_v[i] != batch_v[i]]
    # Steady state: both sides warmed by the runs above, scored on another set of the same mix (no repeats).
    other = build_cases(args.parquet, args.n, args.seed + 1)
    _, verl_warm = _timed(
        "(a') verl, warm workers, another set", lambda: [verl_score(r, g) for _, r, _, g in other], len(other)
    )
    _, ours_warm = _timed(
        "(b') kit per sample, warm, another set",
        lambda: [compute_score("train", r, t, {}) for _, r, t, _ in other],
        len(other),
    )
    print(f"ratio (b)/(a) = {one_rate / verl_rate:.2f}   (target >= 2)")
    print(f"ratio (c)/(a) = {batch_rate / verl_rate:.2f}   (target >= 3)")
    print(f"steady state: ratio (b')/(a') = {ours_warm / verl_warm:.2f}")
    print(f"accuracy: verl {sum(verl_v) / len(cases):.4f}, kit {sum(one_v) / len(cases):.4f}")
    print(f"timeouts (kit): {len(timed_out)}")
    print(f"disagreements with verl outside timeouts: (b) {len(disagree_b)}, (c) {len(disagree_c)}")
    for i in (disagree_b + disagree_c)[:10]:
        kind, response, truth, _ = cases[i]
        print(
            f"  #{i} {kind}: verl {verl_v[i]} kit {one_v[i]}/{batch_v[i]} gold {truth} response {response[-120:]!r}"
        )


if __name__ == "__main__":
    main()
