"""VERL's custom reward function signatures, over the package's scorer (the script shim re-exports these).

The reward type comes from VERL's `reward_kwargs` (`reward_type=...` plus its parameters) or, for the
seed's shell scripts, from $REWARD_MODEL_TYPE.
"""

from __future__ import annotations

import os
from typing import Any

from reward_signal.common.errors import ConfigError, DataError
from reward_signal.rewards.grading import DEFAULT_TIMEOUT, grade_many
from reward_signal.rewards.majority import group_majorities
from reward_signal.rewards.records import GROUP_REWARD_TYPES, hit_length_limit, prompt_key, record, score
from reward_signal.rewards.reward_types import REWARD_TYPES, resolve_params

REWARD_TYPE_ENV = "REWARD_MODEL_TYPE"
TIMEOUT_ENV = "REWARD_SIGNAL_TIMEOUT"
# The seed's names for $REWARD_MODEL_TYPE (and `train --reward-type`): RANDOM_REWARD is its format-gated coin.
SEED_TYPE_NAMES = {"RULE_BASED": "rule_based", "RANDOM_REWARD": "random_format_gated"}


def reward_type_from_env() -> str:
    """The reward type named by $REWARD_MODEL_TYPE (seed names or ours), default rule_based."""
    raw = os.environ.get(REWARD_TYPE_ENV, "RULE_BASED").strip()
    name = SEED_TYPE_NAMES.get(raw.upper(), raw.lower())
    if name not in REWARD_TYPES:
        choices = ", ".join([*SEED_TYPE_NAMES, *REWARD_TYPES])
        raise ConfigError(f"{REWARD_TYPE_ENV}={raw!r} is not a reward type: choose one of {choices}")
    return name


def settings(kwargs: dict[str, Any]) -> tuple[str, float, dict[str, Any]]:
    """(reward type, timeout, type parameters) from VERL's kwargs; VERL-internal keys are dropped."""
    params = {k: v for k, v in kwargs.items() if k not in ("reward_router_address", "reward_model_tokenizer")}
    reward_type = params.pop("reward_type", None) or reward_type_from_env()
    raw_timeout = params.pop("timeout", os.environ.get(TIMEOUT_ENV, DEFAULT_TIMEOUT))
    try:
        timeout = float(raw_timeout)
    except (TypeError, ValueError):
        timeout = -1.0
    if not timeout > 0:
        raise ConfigError(f"reward timeout must be a positive number of seconds, got {raw_timeout!r}")
    return reward_type, timeout, params


def compute_score(
    data_source: str | None,
    solution_str: str,
    ground_truth: str,
    extra_info: dict | None = None,
    **kwargs: Any,
) -> dict[str, Any]:
    """One sample, as VERL's naive reward manager calls it (from any thread of a Ray actor)."""
    reward_type, timeout, params = settings(kwargs)
    return score(
        solution_str,
        ground_truth,
        reward_type=reward_type,
        data_source=data_source,
        extra_info=extra_info,
        timeout=timeout,
        **params,
    )


def compute_score_batch(
    data_sources: list[str | None],
    solution_strs: list[str],
    ground_truths: list[str],
    extra_infos: list[dict | None] | None = None,
    progress: bool = False,
    **kwargs: Any,
) -> list[dict[str, Any]]:
    """A batch, graded in parallel over the reused pool (offline scoring, evaluation, older VERL)."""
    reward_type, timeout, params = settings(kwargs)
    _, merged = resolve_params(reward_type, dict(params))  # a bad config fails before any grading work
    extras = list(extra_infos) if extra_infos is not None else [None] * len(solution_strs)
    if merged["grader"] == "seed":
        from reward_signal.rewards import seed_grader

        grades = seed_grader.grade_many(list(solution_strs), list(ground_truths), progress=progress)
    else:
        grades = grade_many(
            list(solution_strs),
            list(ground_truths),
            timeout=timeout,
            progress=progress,
            data_sources=data_sources,
            truncated=[hit_length_limit(extra) for extra in extras],
        )
    per_sample = [params] * len(grades)
    if reward_type in GROUP_REWARD_TYPES:
        majorities = group_majorities([g.pred for g in grades], group_keys(extras), timeout)
        per_sample = [{**params, "majority_answer": answer} for answer in majorities]
    return [
        record(verdict, solution, reward_type, source, extra, timeout, sample_params, truth)
        for verdict, solution, source, extra, sample_params, truth in zip(
            grades, solution_strs, data_sources, extras, per_sample, ground_truths, strict=True
        )
    ]


def group_keys(extra_infos: list[dict | None]) -> list[str]:
    """Each sample's prompt group (VERL `uid`, else dataset `index`); a sample with neither cannot be grouped."""
    keys = [prompt_key(extra) for extra in extra_infos]
    missing = [i for i, key in enumerate(keys) if not key]
    if missing:
        raise DataError(
            f"majority_vote groups responses by prompt, but sample(s) {missing[:5]} have no extra_info "
            "'uid' or 'index': add one per prompt (the same for all responses to that prompt)"
        )
    return keys
