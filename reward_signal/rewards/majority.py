"""Majority vote over a prompt's group of responses (label-free reward, maj@k grouping).

Answers are clustered by math-verify equivalence (`same_answer`); the most common cluster wins, ties going
to the cluster seen first, so the result is deterministic for a given response order.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

from reward_signal.rewards.grading import DEFAULT_TIMEOUT, grade, same_answer


def majority_answer(preds: Sequence[str | None], timeout: float = DEFAULT_TIMEOUT) -> str | None:
    """Representative of the largest equivalence class of the given answers (None if nobody answered)."""
    clusters: list[list[str]] = []
    for pred in preds:
        if pred is None or not pred.strip():
            continue
        for cluster in clusters:
            if same_answer(cluster[0], pred, timeout=timeout):
                cluster.append(pred)
                break
        else:
            clusters.append([pred])
    if not clusters:
        return None
    return max(clusters, key=len)[0]  # max keeps the first of equal-sized clusters


def group_majorities(
    preds: Sequence[str | None], groups: Sequence[Hashable], timeout: float = DEFAULT_TIMEOUT
) -> list[str | None]:
    """For every sample, the majority answer of the group it belongs to."""
    members: dict[Hashable, list[int]] = {}
    for index, group in enumerate(groups):
        members.setdefault(group, []).append(index)
    winners = {group: majority_answer([preds[i] for i in idx], timeout) for group, idx in members.items()}
    return [winners[group] for group in groups]


def agrees(
    majority: str | None, ground_truth: str, timeout: float = DEFAULT_TIMEOUT, data_source: str | None = None
) -> bool:
    """Whether a group's majority answer is the dataset's answer (the seed logs this rate for majority vote)."""
    return (
        majority is not None and grade(f"\\boxed{{{majority}}}", ground_truth, timeout, data_source).correct
    )
