"""Grade sampled responses with the training reward's own grader and label equivalent answers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def grade_problems(
    problems: Sequence[list[dict[str, Any]]], timeout: float = 5.0, progress: bool = False
) -> None:
    """Fill `pred`, `score` and `answer_group` into each problem's records, in place.

    All responses are graded in one parallel `grade_many` call; answer groups (for maj@k) are built
    per problem with math-verify equivalence, so `1/2` and `0.5` vote together.
    """
    from reward_signal.eval.metrics import group_answers
    from reward_signal.rewards import grade_many, same_answer

    flat = [record for records in problems for record in records]
    if not flat:
        return
    grades = grade_many(
        [str(r["response"]) for r in flat],
        [str(r["ground_truth"]) for r in flat],
        timeout=timeout,
        progress=progress,
        data_sources=[r.get("data_source") for r in flat],
    )
    for record, grade in zip(flat, grades, strict=True):
        record["pred"] = grade.pred
        record["score"] = 1.0 if grade.correct else 0.0
        record["grade_timed_out"] = grade.timed_out
    for records in problems:
        groups = group_answers([r["pred"] for r in records], lambda a, b: same_answer(a, b, timeout=timeout))
        for record, group in zip(records, groups, strict=True):
            record["answer_group"] = group
