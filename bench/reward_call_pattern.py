"""Reward speed in verl 0.9.1's real call pattern: the kit vs verl's built-in math_verify scorer.

verl 0.9.1's naive reward manager (`experimental/reward_loop/reward_manager/naive.py`) scores each finished
response on its own: `run_single` is a coroutine of an async Ray actor, and a synchronous `compute_score`
runs via `loop.run_in_executor(None, ...)`, so many samples are scored concurrently from the default
thread pool. This benchmark issues every sample of a mix that way (asyncio.gather over run_in_executor) for
  (a) verl.utils.reward_score.math_verify.compute_score (its own 4-process spawn pool),
  (b) the kit's compute_score,
and also times (c) the kit's compute_score_batch in one call, and (d) (b) again with the math-verify
speed-ups switched off ($REWARD_SIGNAL_MATHVERIFY_SPEEDUPS=0). Each scorer runs in a fresh process, warmed
on a different set of the same mix, on distinct responses; the kit reports how many verdicts came from
its memo, and the mix's answer shapes are counted (one process parsing every answer and gold: how many
parses replayed a recorded shape's parser decisions). Two mixes: "hard" (answers that need sympy:
expanded polynomials, intervals vs inequalities, rearranged equations, radicals, several boxes, unboxed
endings) and "8k" (built from the 8K training set's ground truths, as bench/reward_throughput.py does);
optionally "grader" (the labeled grader benchmark's responses: many answer shapes, few repeats). Prints samples/s, the ratios to (a), and
verdict differences from (a) outside timeouts.

    python bench/reward_call_pattern.py [--n 1000] [--mix hard 8k grader] [--rounds 3] [--parquet PATH]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
SCORERS = ("verl", "kit", "kit_batch", "kit_plain")
LABELS = (
    "(a) verl math_verify, per sample",
    "(b) kit compute_score, per sample",
    "(c) kit compute_score_batch",
    "(d) = (b), math-verify speed-ups off",
)
SHARED = Path(os.environ.get("REWARD_SIGNAL_SHARED", BENCH.parents[1] / "shared"))
DEFAULT_PARQUET = SHARED / "data/seed/data/old/train_novel_hybrid_8k_with_gt.parquet"
# The 8K mix's kinds (bench/reward_throughput.py) whose responses state the gold answer.
RIGHT_KINDS = frozenset({"correct", "equivalent", "unboxed", "long", "hard"})


def hard_cases(n: int, seed: int) -> list[tuple[str, str, bool]]:
    """(response, gold, right) triples that need sympy, every response distinct; `seed` shifts the numbers.

    All but the third kind state the gold answer in another form; the third is wrong."""
    base = 1000 * seed + 3
    makers = (
        lambda k: (f"Expanding, the result is $\\boxed{{(x+{k})^2}}$.", f"x^2+{2 * k}x+{k * k}"),
        lambda k: (f"So the polynomial is \\boxed{{(x-{k})(x+{k + 1})}}", f"x^2+x-{k * (k + 1)}"),
        lambda k: (f"Hence \\boxed{{(x+{k})^2}}.", f"x^2-{2 * k}x+{k * k}"),  # wrong
        lambda k: (f"The solution set is \\boxed{{-{k} \\le x \\le {k + 3}}}", f"[-{k},{k + 3}]"),
        lambda k: (f"The line is \\boxed{{y={k}x+{k + 1}}}.", f"{k}x-y+{k + 1}=0"),
        lambda k: (f"The length is \\boxed{{\\sqrt{{{4 * k * k * 2}}}}}.", f"{2 * k}\\sqrt{{2}}"),
        lambda k: (f"Therefore the answer is ${k} + \\sqrt{{{k * k * 4}}}$.", f"{3 * k}"),
        lambda k: (f"The roots are \\boxed{{{k}}} and \\boxed{{-{k + 1}}}.", f"-{k + 1}, {k}"),
        lambda k: (
            f"<think>Check.</think> So \\boxed{{\\frac{{{k}\\pi}}{{{k + 1}}}}}",
            f"\\frac{{{2 * k}\\pi}}{{{2 * k + 2}}}",
        ),
        lambda k: (
            f"We get $\\boxed{{\\dfrac{{{k}}}{{\\sqrt{{{k + 2}}}}}}}$",
            f"\\frac{{{k}\\sqrt{{{k + 2}}}}}{{{k + 2}}}",
        ),
    )
    return [(*makers[i % len(makers)](base + i // len(makers)), i % len(makers) != 2) for i in range(n)]


def eight_k_cases(n: int, seed: int, parquet: Path) -> list[tuple[str, str, bool]]:
    """(response, dataset ground truth, right) from bench/reward_throughput.py's 8K-derived mix."""
    sys.path.insert(0, str(BENCH))
    from reward_throughput import build_cases

    distinct: dict[str, tuple[str, str, bool]] = {}
    for draw in range(seed, seed + 50):  # draw until n distinct responses (the mix repeats some)
        for kind, response, truth, _ in build_cases(parquet, n, draw):
            distinct.setdefault(response, (response, truth, kind in RIGHT_KINDS))
        if len(distinct) >= n:
            break
    return list(distinct.values())[:n]


def grader_cases(n: int, seed: int) -> list[tuple[str, str, bool]]:
    """The labeled grader benchmark's distinct responses (bench/grader_cases.py): many answer shapes, few
    repeats. `seed` 0 is the run (all cases, up to n); any other seed gives a small warm-up set of
    answers written here, so the run's own shapes are not seen before it."""
    if seed != 0:
        return [
            (f"The answer is $\\boxed{{{k}\\sqrt{{{k + 1}}}}}$", f"{k}\\sqrt{{{k + 1}}}", True)
            for k in range(n)
        ]
    sys.path.insert(0, str(BENCH))
    from grader_cases import all_cases

    distinct: dict[str, tuple[str, str, bool]] = {}
    for case in all_cases():
        distinct.setdefault(case.response, (case.response, case.gold, bool(case.label)))
    return list(distinct.values())[:n]


def cases_for(mix: str, n: int, seed: int, parquet: Path) -> list[tuple[str, str, bool]]:
    if mix == "grader":
        return grader_cases(n, seed)
    return hard_cases(n, seed) if mix == "hard" else eight_k_cases(n, seed, parquet)


def _plain_gold(truth: str) -> str:
    from reward_signal.common.ground_truth import ground_truth_answers

    return ground_truth_answers(truth)[0]


async def _concurrently(fn: Any, cases: list[tuple[str, str, bool]]) -> list[Any]:
    """Every sample through loop.run_in_executor(None, ...), all in flight at once (verl's reward loop)."""
    loop = asyncio.get_running_loop()
    return await asyncio.gather(
        *(loop.run_in_executor(None, fn, response, truth) for response, truth, _ in cases)
    )


def child(scorer: str, mix: str, n: int, parquet: Path) -> dict[str, Any]:
    """Measure one scorer on one mix in this (fresh) process; returns rate, verdicts, timeouts, memo hits."""
    from reward_signal.rewards.grading import remembered_verdicts
    from reward_signal.rewards.verl_entry import compute_score, compute_score_batch

    def verl_one(response: str, truth: str) -> tuple[float, bool]:
        from verl.utils.reward_score.math_verify import compute_score as verl_score

        return float(verl_score(response, _plain_gold(truth))), False

    def kit_one(response: str, truth: str) -> tuple[float, bool]:
        record = compute_score("train", response, truth, {})
        return record["acc"], bool(record["timed_out"])

    one = verl_one if scorer == "verl" else kit_one
    warm = cases_for(mix, 16, 7, parquet)  # another seed: warm pools, nothing to remember for the run
    asyncio.run(_concurrently(one, warm))
    cases = cases_for(mix, n, 0, parquet)
    hits_before = remembered_verdicts()
    start = time.perf_counter()
    if scorer == "kit_batch":
        records = compute_score_batch(["train"] * len(cases), [c[0] for c in cases], [c[1] for c in cases])
        results = [(rec["acc"], bool(rec["timed_out"])) for rec in records]
    else:
        results = asyncio.run(_concurrently(one, cases))
    elapsed = time.perf_counter() - start
    return {
        "rate": len(cases) / elapsed,
        "seconds": elapsed,
        "verdicts": [bool(score) for score, _ in results],
        "timeouts": [i for i, (_, timed_out) in enumerate(results) if timed_out],
        "memo_hits": remembered_verdicts() - hits_before if scorer != "verl" else 0,
        "distinct_responses": len({c[0] for c in cases}),
        "labels": [c[2] for c in cases],
    }


def run_fresh(scorer: str, mix: str, n: int, parquet: Path, kit_workers: int) -> dict[str, Any]:
    """`child` in a new interpreter, so no pool, cache or parser state carries over between scorers."""
    command = [
        sys.executable,
        __file__,
        "--child",
        scorer,
        "--mix",
        mix,
        "--n",
        str(n),
        "--parquet",
        str(parquet),
    ]
    from reward_signal.rewards.mathverify_speedups import SWITCH_ENV

    env = {
        **os.environ,
        "REWARD_SIGNAL_POOL_WORKERS": str(kit_workers),
        SWITCH_ENV: "0" if scorer == "kit_plain" else "1",
    }
    done = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
    if done.returncode != 0:
        raise SystemExit(f"{scorer} on {mix} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _shapes(cases: list[tuple[str, str, bool]]) -> str:
    """How often the mix's answers and golds repeat an answer shape (a token-type sequence), as one process
    parsing all of them sees it: the replayed parses skip ANTLR's prediction."""
    from reward_signal.common.ground_truth import ground_truth_answers
    from reward_signal.rewards import grading, mathverify_speedups, verification

    for response, truth, _ in cases:
        golds = ground_truth_answers(truth)
        fast, boxed, region = grading._fast_grade(response, golds)
        if fast is None:
            verification.parse_pred(boxed, region)
            for gold in golds:
                verification.parse_gold(gold)
    counts = mathverify_speedups.counts()
    total = counts["replayed"] + counts["recorded"]
    return (
        f"  answer shapes, one process parsing the mix: {counts['replayed']} of {total} LaTeX parses "
        f"replayed a recorded shape, {counts['recorded']} ran in full (a new shape or a parse error)"
    )


def _verdict_table(runs: dict[str, dict[str, Any]]) -> None:
    """Each scorer's agreement with the intended verdicts, and where the kit differs from verl's scorer."""
    base, labels = runs["verl"], runs["verl"]["labels"]
    for scorer in SCORERS:
        verdicts = runs[scorer]["verdicts"]
        right = sum(v == label for v, label in zip(verdicts, labels, strict=True))
        line = f"  {scorer:<10} agrees with the intended verdict on {right} of {len(labels)}"
        if scorer != "verl":
            skip = set(runs[scorer]["timeouts"])
            differ = [i for i, v in enumerate(verdicts) if i not in skip and v != base["verdicts"][i]]
            changed = [i for i in differ if base["verdicts"][i] == labels[i]]
            line += f"; differs from verl on {len(differ)}, where verl was right on {len(changed)}"
        print(line)


def _median_runs(mix: str, args: argparse.Namespace) -> dict[str, dict[str, Any]]:
    """Each scorer `--rounds` times, the order rotated every round so drifting machine load hits all
    alike; each scorer's run with the median rate is kept (its verdicts are the same in every round)."""
    rounds: dict[str, list[dict[str, Any]]] = {scorer: [] for scorer in SCORERS}
    for turn in range(args.rounds):
        shift = turn % len(SCORERS)
        for scorer in SCORERS[shift:] + SCORERS[:shift]:
            rounds[scorer].append(run_fresh(scorer, mix, args.n, args.parquet, args.kit_workers))
    return {
        scorer: sorted(runs, key=lambda run: run["rate"])[len(runs) // 2] for scorer, runs in rounds.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--mix", nargs="+", choices=("hard", "8k", "grader"), default=["hard", "8k"])
    parser.add_argument("--parquet", type=Path, default=DEFAULT_PARQUET)
    parser.add_argument(
        "--kit-workers",
        type=int,
        default=4,
        help="the kit's pool size (default 4, verl's math_verify pool size)",
    )
    parser.add_argument(
        "--rounds", type=int, default=3, help="fresh runs per scorer; the median rate is shown"
    )
    parser.add_argument("--child", choices=SCORERS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.mix[0], args.n, args.parquet)))
        return
    if "8k" in args.mix and not args.parquet.is_file():
        raise SystemExit(
            f"{args.parquet} not found: pass --parquet (the seed's 8K training set) or --mix hard"
        )
    print(f"machine load before: {os.getloadavg()[0]:.2f} (1-min), {os.cpu_count()} cores")
    print(f"worker processes: verl 4 (its spawn pool), kit {args.kit_workers} (REWARD_SIGNAL_POOL_WORKERS)")
    for mix in args.mix:
        runs = _median_runs(mix, args)
        base = runs["verl"]
        print(f"\nmix {mix}: {len(base['labels'])} samples, {base['distinct_responses']} distinct responses")
        for scorer, label in zip(SCORERS, LABELS, strict=True):
            run = runs[scorer]
            print(
                f"  {label:<38} {run['rate']:8.1f} samples/s  ratio {run['rate'] / base['rate']:5.2f}  "
                f"timeouts {len(run['timeouts'])}  from memo {run['memo_hits']}"
            )
        _verdict_table(runs)
        print(_shapes(cases_for(mix, args.n, 0, args.parquet)))
    print(f"\nmachine load after: {os.getloadavg()[0]:.2f} (1-min)")


if __name__ == "__main__":
    main()
