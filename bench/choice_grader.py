"""Accuracy of the multiple-choice letter grader on the labeled table, beside the seed's grader.

    python bench/choice_grader.py [--table tests/assets/rewards/choice_responses.jsonl] [--misses]

kit:  `rule_based` as the kit runs it on a multiple-choice data source (the letter grader, choice.py).
seed: the seed's rule-based reward, verl's math_verify `compute_score(response, gold)` over the whole
      response (the letter parsed as a symbol), measured in the same run on the same rows.
Accuracy = agreement with the table's labels (docs/science.md states the labeling rule).
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

from tqdm import tqdm

from reward_signal.rewards import grade_many

DEFAULT_TABLE = (
    Path(__file__).resolve().parents[1] / "tests" / "assets" / "rewards" / "choice_responses.jsonl"
)
# A data source of a multiple-choice benchmark: it is what routes a sample to the letter grader.
CHOICE_SOURCE = "stem__gpqa_diamond"


def seed_verdicts(rows: list[dict]) -> list[bool]:
    """verl 0.9.1's math_verify scorer, as the seed's reward_function.py calls it for every data source."""
    from verl.utils.reward_score.math_verify import compute_score

    return [compute_score(r["response"], r["gold"]) > 0 for r in tqdm(rows, desc="seed grader", unit="row")]


def _summary(name: str, verdicts: list[bool], rows: list[dict], show: bool) -> float:
    wrong = [r for r, ok in zip(rows, verdicts, strict=True) if ok != bool(r["label"])]
    accuracy = 1 - len(wrong) / len(rows)
    cases = Counter(r["case"] for r in wrong)
    accepted = sum(1 for r in wrong if not r["label"])
    print(
        f"{name:<6} accuracy {accuracy:.3f}  ({len(rows) - len(wrong)}/{len(rows)} agree with the labels; "
        f"{accepted} wrong answers paid, {len(wrong) - accepted} right answers unpaid)"
    )
    if cases:
        print("       disagreements by case: " + ", ".join(f"{c} {n}" for c, n in cases.most_common()))
    if show:
        for r in wrong:
            print(f"         #{r['id']} gold {r['gold']!r} label {r['label']}: {r['response'][-80:]!r}")
    return accuracy


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--table", type=Path, default=DEFAULT_TABLE, help="labeled JSONL table")
    parser.add_argument("--misses", action="store_true", help="print every row a grader gets wrong")
    args = parser.parse_args()
    rows = [json.loads(line) for line in args.table.read_text(encoding="utf-8").splitlines() if line.strip()]
    print(f"{len(rows)} labeled responses ({sum(r['label'] for r in rows)} correct) from {args.table}")
    kit = [
        g.correct
        for g in grade_many(
            [r["response"] for r in rows], [r["gold"] for r in rows], data_sources=[CHOICE_SOURCE] * len(rows)
        )
    ]
    seed = seed_verdicts(rows)
    kit_accuracy = _summary("kit", kit, rows, args.misses)
    seed_accuracy = _summary("seed", seed, rows, args.misses)
    print(f"kit - seed = {kit_accuracy - seed_accuracy:+.3f}")


if __name__ == "__main__":
    main()
