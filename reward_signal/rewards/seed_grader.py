"""The seed's verdicts (`grader: seed`), so a run can pay exactly the paper's reward.

The seed's reward function (`reward_function.py` at f3e0a8c) scores correctness with verl's
`math_verify.compute_score(response, str(ground_truth))`, which wraps the string in `\\boxed{...}`. The
training set stores ground truths as JSON-list strings (`["84\\%"]`), so the seed's gold is the boxed list
text, and on some prompts a response boxing exactly the answer is paid 0; the kit's grader (`grader: kit`)
reads the list. Its format check (the RANDOM_REWARD gate) counts non-greedy `\\boxed{...}` matches of two
patterns (a doubly escaped `\\\\boxed{` counts twice) and wants exactly one; `<think>` is ignored and
`\\fbox` or `\\boxed {` do not count. This module reproduces both on verl's own scorer, unchanged.
"""

from __future__ import annotations

import re
from typing import Any

from reward_signal.rewards.extraction import last_boxed
from reward_signal.rewards.grading import Grade

# The seed's two patterns; a match of each counts (they overlap on `\\boxed{`).
_SEED_BOX_PATTERNS = (re.compile(r"\\\\boxed\{.*?\}"), re.compile(r"\\boxed\{.*?\}"))
# verl's math_verify.compute_score default, which the seed never changed.
SEED_TIMEOUT = 30.0


def seed_format_ok(solution_str: str) -> bool:
    """The seed's `format_validity`: exactly one `\\boxed{...}` match over its two patterns."""
    return sum(len(pattern.findall(solution_str)) for pattern in _SEED_BOX_PATTERNS) == 1


def seed_gold(ground_truth: Any) -> str:
    """The gold text the seed hands to math_verify: the first item of a Python list, else `str()` of it."""
    if isinstance(ground_truth, list) and ground_truth:
        return str(ground_truth[0])
    return str(ground_truth)


def seed_correct(solution_str: str, ground_truth: Any) -> bool:
    """verl's math_verify on the seed's gold (its subprocess pool bounds each call at 30 s, scoring 0)."""
    from verl.utils.reward_score import math_verify

    try:
        return float(math_verify.compute_score(solution_str, seed_gold(ground_truth))) == 1.0
    except Exception:  # the seed's `compute_rule_based_score` pays 0 on any error
        return False


def grade(solution_str: str, ground_truth: Any, timeout: float = SEED_TIMEOUT) -> Grade:
    """The seed's verdict as a Grade; `pred` is the last boxed answer (for logs and majority vote only).

    `timeout` is accepted for the common grader signature and ignored: verl's scorer owns its bound."""
    del timeout
    return Grade(
        correct=seed_correct(solution_str, ground_truth),
        pred=last_boxed(solution_str),
        timed_out=False,
        format_ok=seed_format_ok(solution_str),
    )


def grade_many(solutions: list[str], ground_truths: list[Any], progress: bool = False) -> list[Grade]:
    """The seed's verdicts for a batch, one call at a time as the seed's batch function made them."""
    from tqdm import tqdm

    if len(solutions) != len(ground_truths):
        raise ValueError(f"{len(solutions)} solutions but {len(ground_truths)} ground truths")
    pairs = zip(solutions, ground_truths, strict=True)
    return [
        grade(solution, truth)
        for solution, truth in tqdm(pairs, total=len(solutions), disable=not progress, desc="seed grading")
    ]
