"""Grader accuracy on the labeled benchmark: the kit vs plain math-verify 0.9.0 vs verl 0.9.1's scorer.

Prints, for the dev split (the answer rules were tuned on it), the held-out split and all cases, each
grader's accuracy against the labels, per family and in total, and how many of the cases plain
math-verify gets right the kit gets wrong ("changed where math-verify was right").

    python bench/grader_accuracy.py [--split heldout] [--show-errors]

Aims (issue 17): kit >= 0.96 on the held-out split, <= 0.5% changed where math-verify was right.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from grader_cases import Case, all_cases  # noqa: E402

GRADERS = ("kit", "math_verify", "verl")


def plain_math_verify(response: str, golds: tuple[str, ...]) -> bool:
    """math-verify 0.9.0 as its README uses it: gold parsed as boxed LaTeX, the response with its defaults."""
    from math_verify import parse, verify
    from math_verify.parser import LatexExtractionConfig

    pred = parse(response)
    return any(verify(parse("\\boxed{" + gold + "}", [LatexExtractionConfig()]), pred) for gold in golds)


def verl_builtin(response: str, golds: tuple[str, ...]) -> bool:
    """verl 0.9.1's `utils.reward_score.math_verify.compute_score`, given the plain gold answer."""
    from verl.utils.reward_score.math_verify import compute_score

    return any(float(compute_score(response, gold)) > 0 for gold in golds)


def verdicts(cases: list[Case]) -> dict[str, list[bool]]:
    """Each grader's verdict on every case (the kit in one batch, as evaluation scores)."""
    from reward_signal.common.ground_truth import ground_truth_answers
    from reward_signal.rewards import grade_many

    golds = [ground_truth_answers(case.gold) for case in cases]
    kit = [g.correct for g in grade_many([c.response for c in cases], [c.gold for c in cases], timeout=10.0)]
    return {
        "kit": kit,
        "math_verify": [plain_math_verify(c.response, g) for c, g in zip(cases, golds, strict=True)],
        "verl": [verl_builtin(c.response, g) for c, g in zip(cases, golds, strict=True)],
    }


def report(
    title: str, cases: list[Case], results: dict[str, list[bool]], indices: list[int]
) -> dict[str, float]:
    """Print one split's table; return each grader's accuracy on it."""
    families: dict[str, list[int]] = defaultdict(list)
    for i in indices:
        families[cases[i].family].append(i)
    print(f"\n{title}: {len(indices)} cases")
    print(f"{'family':<20}{'n':>5}" + "".join(f"{name:>13}" for name in GRADERS))

    def accuracy(name: str, rows: list[int]) -> float:
        return sum(results[name][i] == bool(cases[i].label) for i in rows) / max(1, len(rows))

    for family, rows in sorted(families.items()):
        print(f"{family:<20}{len(rows):>5}" + "".join(f"{accuracy(n, rows):>13.3f}" for n in GRADERS))
    totals = {name: accuracy(name, indices) for name in GRADERS}
    print(f"{'total':<20}{len(indices):>5}" + "".join(f"{totals[n]:>13.4f}" for n in GRADERS))
    mv_right = [i for i in indices if results["math_verify"][i] == bool(cases[i].label)]
    changed = [i for i in mv_right if results["kit"][i] != results["math_verify"][i]]
    share = len(changed) / max(1, len(mv_right))
    print(f"changed where math-verify was right: {len(changed)} of {len(mv_right)} ({share:.2%})")
    return totals


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--show-errors", action="store_true", help="list the kit's wrong verdicts")
    args = parser.parse_args()
    logging.getLogger("math_verify").setLevel(logging.ERROR)
    cases = all_cases()
    results = verdicts(cases)
    for split in ("dev", "heldout"):
        report(f"split {split}", cases, results, [i for i, c in enumerate(cases) if c.split == split])
    report("all cases", cases, results, list(range(len(cases))))
    if args.show_errors:
        for i, case in enumerate(cases):
            if results["kit"][i] != bool(case.label):
                mv = results["math_verify"][i]
                print(
                    f"  {case.id} [{case.split}] label {case.label} kit {results['kit'][i]:d} mv {mv:d}: "
                    f"gold {case.gold!r} response {case.response[-90:]!r}"
                )


if __name__ == "__main__":
    main()
