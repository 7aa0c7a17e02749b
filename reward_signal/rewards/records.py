"""The per-sample reward record VERL receives: the reward paid plus what training logs need next to it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reward_signal.common.errors import ConfigError
from reward_signal.rewards.grading import DEFAULT_TIMEOUT, Grade, grade
from reward_signal.rewards.judge.judgement import NOT_ASKED, Judgement
from reward_signal.rewards.judge.kinds import JUDGE_KINDS
from reward_signal.rewards.reward_types import Sample, resolve_params

# Reward types that need every response of a prompt at once.
GROUP_REWARD_TYPES = frozenset({"majority_vote", "majority_hard_rule_easy", "majority_easy_rule_hard"})
# Evaluation sets are always scored rule-based, whatever the training reward type.
EVAL_DATA_SOURCES = frozenset({"HuggingFaceH4/MATH-500"})
EVAL_PREFIX = "test-"
# data_source substrings of the seed's other validation sets (its `validation_patterns`): the science
# tests, the STEM multiple-choice benchmarks, and logic sets the seed names but does not ship.
VALIDATION_PATTERNS = (
    "test-scp",
    "stem__gpqa",
    "stem__supergpqa",
    "mmlu_sci",
    "stem__mmlu",
    "logic__arcagi",
    "logic__zebra_puzzle",
)


def is_validation(data_source: str | None, extra_info: Mapping[str, Any] | None) -> bool:
    """Validation data: extra_info split 'test', or a data_source of an evaluation set (the seed's rule:
    `test-*`, MATH-500, or a data_source containing one of VALIDATION_PATTERNS, case-insensitively)."""
    if extra_info and str(extra_info.get("split", "")).lower() == "test":
        return True
    if not data_source:
        return False
    source = str(data_source)
    lowered = source.lower()
    return (
        source in EVAL_DATA_SOURCES
        or lowered.startswith(EVAL_PREFIX)
        or any(pattern in lowered for pattern in VALIDATION_PATTERNS)
    )


def hit_length_limit(extra_info: Mapping[str, Any] | None) -> bool:
    """extra_info `truncated`: the response stopped at the length limit (verl 0.9.1's naive manager does not
    pass this; a manager or an offline file that knows it can), so only a boxed answer counts."""
    return bool(extra_info and extra_info.get("truncated"))


def prompt_key(extra_info: Mapping[str, Any] | None) -> str:
    """The prompt's identity for reproducible draws: VERL's `uid` when given, else the dataset `index`."""
    if not extra_info:
        return ""
    for key in ("uid", "index"):
        if extra_info.get(key) is not None:
            return str(extra_info[key])
    return ""


def grade_with(
    grader: str,
    solution_str: str,
    ground_truth: Any,
    timeout: float,
    data_source: str | None = None,
    truncated: bool = False,
) -> Grade:
    """The verdict of the chosen grader (`grader` parameter): the kit's, or the seed's exact one (which,
    like the seed, sends every data source to math_verify and knows nothing of truncation)."""
    if grader == "seed":
        from reward_signal.rewards import seed_grader

        return seed_grader.grade(solution_str, ground_truth)
    return grade(solution_str, ground_truth, timeout=timeout, data_source=data_source, truncated=truncated)


def record(
    verdict: Grade,
    solution_str: str,
    reward_type: str,
    data_source: str | None,
    extra_info: Mapping[str, Any] | None,
    timeout: float,
    params: Mapping[str, Any],
    ground_truth: str = "",
    occasion: str = "",
    *,
    judgement: Judgement | None = None,
    majority_agrees: float = 0.0,
) -> dict[str, Any]:
    """The record for an already graded sample; the same keys for every sample (VERL takes them from the first).

    Keys: score (reward paid), acc (rule-based correctness, always), format_ok, timed_out, reward_type
    (numeric code, see REWARD_TYPES), validation (1 if scored rule-based as validation data), pred.
    `occasion` (training step and group position) makes a randomised reward's draw a fresh one.
    Judge types add the judge_* numbers of `Judgement.fields`; group types add majority_agrees (1 when
    the group's majority answer equals the dataset's answer; its mean is the seed's majority accuracy).
    """
    validation = is_validation(data_source, extra_info)
    kind, merged = resolve_params(reward_type, dict(params))  # validate even when validation overrides it
    if validation:
        kind, merged = resolve_params("rule_based", {"grader": merged["grader"]})
    sample = Sample(
        verdict,
        solution_str,
        prompt_key(extra_info),
        timeout,
        ground_truth,
        occasion,
        extra_info=extra_info,
        judgement=judgement,
    )
    paid = kind.pay(sample, merged)
    result = {
        "score": float(paid),
        "acc": float(verdict.correct),
        "format_ok": float(verdict.format_ok),
        "timed_out": float(verdict.timed_out),
        "reward_type": kind.code,
        "validation": float(validation),
        "pred": verdict.pred if verdict.pred is not None else "",
    }
    if reward_type in JUDGE_KINDS:
        result |= (judgement or NOT_ASKED).fields()
    elif reward_type in GROUP_REWARD_TYPES:
        result["majority_agrees"] = float(majority_agrees)
    return result


def score(
    solution_str: str,
    ground_truth: str,
    *,
    reward_type: str = "rule_based",
    data_source: str | None = None,
    extra_info: Mapping[str, Any] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    **params: Any,
) -> dict[str, Any]:
    """Score one response under `reward_type` (parameters as keyword arguments); see `record` for the keys."""
    _, merged = resolve_params(reward_type, dict(params))  # fail on a bad config before any grading work
    if (
        reward_type in GROUP_REWARD_TYPES
        and "majority_answer" not in params
        and not is_validation(data_source, extra_info)
    ):
        raise ConfigError(
            f"reward type {reward_type!r} needs every response of a prompt at once: score batches with "
            "compute_score_batch, or train with the overrides from verl_wiring.reward_overrides (group manager)"
        )
    verdict = grade_with(
        merged["grader"], solution_str, ground_truth, timeout, data_source, hit_length_limit(extra_info)
    )
    return record(verdict, solution_str, reward_type, data_source, extra_info, timeout, params, ground_truth)
