"""VERL's custom reward function signatures, over the package's scorer (the script shim re-exports these).

The reward type comes from VERL's `reward_kwargs` (`reward_type=...` plus its parameters) or, for the
seed's shell scripts, from $REWARD_MODEL_TYPE. Judge types ask a generative judge: VERL awaits
`compute_score_async` in its reward actor's event loop (the launcher selects it), `compute_score` runs
the same client on a per-process background loop for synchronous callers.
"""

from __future__ import annotations

import asyncio
import functools
import os
from typing import Any

from reward_signal.common.errors import ConfigError, DataError
from reward_signal.rewards.grading import DEFAULT_TIMEOUT, grade_many
from reward_signal.rewards.judge.kinds import JUDGE_KINDS
from reward_signal.rewards.majority import agrees, group_majorities
from reward_signal.rewards.records import (
    GROUP_REWARD_TYPES,
    hit_length_limit,
    is_validation,
    prompt_key,
    record,
    score,
)
from reward_signal.rewards.reward_types import REWARD_TYPES, resolve_params

REWARD_TYPE_ENV = "REWARD_MODEL_TYPE"
TIMEOUT_ENV = "REWARD_SIGNAL_TIMEOUT"
# The seed's names for $REWARD_MODEL_TYPE (and `train --reward-type`): RANDOM_REWARD is its format-gated coin.
SEED_TYPE_NAMES = {
    "RULE_BASED": "rule_based",
    "RANDOM_REWARD": "random_format_gated",
    "MAJORITY_VOTE": "majority_vote",
    "MAJORITY_VOTE_CHUNK": "majority_vote",  # the seed chunked the same vote to save memory
    "MAJORITY_50_DIFFICULT_RULE_50_EASY": "majority_hard_rule_easy",
    "REVERSE_MAJORITY_50_EASY_RULE_50_DIFFICULT": "majority_easy_rule_hard",
    **{kind.seed_name: kind.name for kind in JUDGE_KINDS.values()},
}
# Seed types verl 0.9.1 cannot train through a reward function (docs/judges.md, "What verl 0.9.1 allows").
UNTRAINABLE_SEED_TYPES = {
    "INTUITOR": "its reward is the policy's self-certainty, computed from the actor's logits inside the trainer",
    "INTUITOR_50_DIFFICULT_RULE_50_EASY": "half of it is the policy's self-certainty (see INTUITOR)",
    "PRM_STEP_LEVEL_ADVANTAGE": "it needs per-step rewards in the advantage, and the reward loop passes one scalar",
}
ROUTER_KWARG = "reward_router_address"


def reward_type_from_env() -> str:
    """The reward type named by $REWARD_MODEL_TYPE (seed names or ours), default rule_based."""
    raw = os.environ.get(REWARD_TYPE_ENV, "RULE_BASED").strip()
    if raw.upper() in UNTRAINABLE_SEED_TYPES:
        raise ConfigError(
            f"{REWARD_TYPE_ENV}={raw}: verl 0.9.1 cannot train it through a reward function, because "
            f"{UNTRAINABLE_SEED_TYPES[raw.upper()]} (see docs/judges.md)"
        )
    name = SEED_TYPE_NAMES.get(raw.upper(), raw.lower())
    if name not in REWARD_TYPES:
        choices = ", ".join([*SEED_TYPE_NAMES, *REWARD_TYPES])
        raise ConfigError(f"{REWARD_TYPE_ENV}={raw!r} is not a reward type: choose one of {choices}")
    return name


def settings(kwargs: dict[str, Any]) -> tuple[str, float, dict[str, Any]]:
    """(reward type, timeout, type parameters) from VERL's kwargs; VERL-internal keys are dropped."""
    params = {k: v for k, v in kwargs.items() if k not in (ROUTER_KWARG, "reward_model_tokenizer")}
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
    if reward_type in JUDGE_KINDS and not is_validation(data_source, extra_info):
        from reward_signal.rewards.judge.client import run_shared

        # The same coroutine VERL awaits, on one background loop per process (one client, one bound).
        return run_shared(compute_score_async(data_source, solution_str, ground_truth, extra_info, **kwargs))
    return score(
        solution_str,
        ground_truth,
        reward_type=reward_type,
        data_source=data_source,
        extra_info=extra_info,
        timeout=timeout,
        **params,
    )


async def compute_score_async(
    data_source: str | None,
    solution_str: str,
    ground_truth: str,
    extra_info: dict | None = None,
    **kwargs: Any,
) -> dict[str, Any]:
    """One sample, awaited by VERL's naive manager in its reward actor's loop (selected for judge types):
    the judge client lives in that loop, so GENRM_MAX_WORKERS bounds the actor's requests in flight."""
    reward_type, timeout, params = settings(kwargs)
    loop = asyncio.get_running_loop()
    if reward_type not in JUDGE_KINDS or is_validation(data_source, extra_info):
        call = functools.partial(compute_score, data_source, solution_str, ground_truth, extra_info, **kwargs)
        return await loop.run_in_executor(None, call)
    from reward_signal.rewards.judge.client import JudgeSettings, loop_client
    from reward_signal.rewards.judge.scoring import judged_record

    resolve_params(reward_type, dict(params))
    router = kwargs.get(ROUTER_KWARG)
    return await judged_record(
        lambda: loop_client(JudgeSettings.from_env(router_address=router)),
        solution_str,
        ground_truth,
        reward_type,
        data_source,
        extra_info,
        timeout,
        params,
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
    if reward_type in JUDGE_KINDS:
        from reward_signal.rewards.judge.client import JudgeSettings
        from reward_signal.rewards.judge.scoring import judged_batch

        router = kwargs.get(ROUTER_KWARG)
        rows = list(zip(solution_strs, ground_truths, data_sources, extras, strict=True))
        return judged_batch(
            rows,
            reward_type,
            timeout,
            params,
            lambda: JudgeSettings.from_env(router_address=router),
            progress,
        )
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
    agreement = [0.0] * len(grades)
    if reward_type in GROUP_REWARD_TYPES:
        majorities = group_majorities([g.pred for g in grades], group_keys(extras), timeout)
        per_sample = [{**params, "majority_answer": answer} for answer in majorities]
        settled: dict[tuple[str | None, str, str | None], float] = {}
        for index, key in enumerate(zip(majorities, ground_truths, data_sources, strict=True)):
            if key not in settled:
                settled[key] = float(agrees(key[0], key[1], timeout, key[2]))
            agreement[index] = settled[key]
    return [
        record(
            verdict,
            solution,
            reward_type,
            source,
            extra,
            timeout,
            sample_params,
            truth,
            majority_agrees=agree,
        )
        for verdict, solution, source, extra, sample_params, truth, agree in zip(
            grades, solution_strs, data_sources, extras, per_sample, ground_truths, agreement, strict=True
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
