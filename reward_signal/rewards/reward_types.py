"""Registry of reward types: each maps a graded sample to the reward actually paid.

Randomised rewards are decided by a hash of (seed, occasion, prompt key, response), never by global RNG
state, so a rerun with the same seed pays the same rewards in every process and Ray worker. In training,
the occasion is the global step and the response's position in its group (set by the kit's reward manager),
so the same response to the same prompt gets a fresh coin in every step and at every group position, as
the seed's `random.choice` did; offline scoring has no occasion and repeats its draws.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from reward_signal.common.errors import ConfigError, DataError
from reward_signal.common.ground_truth import ground_truth_answers
from reward_signal.rewards.grading import Grade
from reward_signal.rewards.judge.judgement import Judgement
from reward_signal.rewards.judge.kinds import JUDGE_KINDS
from reward_signal.rewards.science import within_tolerance


@dataclass(frozen=True)
class Sample:
    """What a reward type may look at: the verdict, the response, its prompt key and gold, the occasion
    (training step and group position) that makes a randomised reward's draw a fresh one, the row's
    extra_info (difficulty hybrids) and the judge's decision (judge types)."""

    grade: Grade
    response: str
    prompt_key: str
    timeout: float
    ground_truth: str = ""
    occasion: str = ""
    extra_info: Mapping[str, Any] | None = None
    judgement: Judgement | None = None


@dataclass(frozen=True)
class RewardType:
    """A reward type: `code` is the number logged as `reward_type` (VERL averages every extra into a metric)."""

    name: str
    code: int
    definition: str
    pay: Callable[[Sample, dict[str, Any]], float]
    defaults: dict[str, Any] = field(default_factory=dict)

    @property
    def draws(self) -> bool:
        """Randomised (it takes a `seed`): training must give it an occasion, see the module docstring."""
        return "seed" in self.defaults


def unit_draw(seed: int, sample: Sample, salt: str) -> float:
    """A reproducible uniform draw in [0, 1) from the sample's identity and occasion."""
    text = f"{salt}\0{seed}\0{sample.occasion}\0{sample.prompt_key}\0{sample.response}"
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def _rule_based(sample: Sample, params: dict[str, Any]) -> float:
    if sample.grade.correct:
        return 1.0
    golds = ground_truth_answers(sample.ground_truth) if sample.ground_truth else ()
    return float(within_tolerance(sample.grade.pred, golds, params["rel_tol"]))


def _random(sample: Sample, params: dict[str, Any]) -> float:
    return float(unit_draw(params["seed"], sample, "random") < params["p"])


def _random_format_gated(sample: Sample, params: dict[str, Any]) -> float:
    return _random(sample, params) if sample.grade.format_ok else 0.0


def _format(sample: Sample, params: dict[str, Any]) -> float:
    return float(sample.grade.format_ok)


def _noisy(sample: Sample, params: dict[str, Any]) -> float:
    flip = unit_draw(params["seed"], sample, "noisy") < params["p"]
    return float(sample.grade.correct != flip)


def _inverted(sample: Sample, params: dict[str, Any]) -> float:
    return float(sample.grade.format_ok and not sample.grade.correct)


def _majority_vote(sample: Sample, params: dict[str, Any]) -> float:
    from reward_signal.rewards.grading import same_answer

    majority = params["majority_answer"]
    pred = sample.grade.pred
    if majority is None or pred is None:
        return 0.0
    return float(same_answer(pred, majority, timeout=sample.timeout))


def _judged(sample: Sample, params: dict[str, Any]) -> float:
    if sample.judgement is None:
        raise ConfigError(
            "judge reward types need the judge's reply: score them with compute_score / compute_score_async "
            "(reward_signal.rewards.verl_entry), which ask the judge"
        )
    return sample.judgement.score


def difficulty(extra_info: Mapping[str, Any] | None, model: str) -> float:
    """The row's `extra_info.model_difficulty[model]` (how many of 16 samples that model got wrong)."""
    table = (extra_info or {}).get("model_difficulty")
    value = table.get(model) if isinstance(table, Mapping) else None
    if isinstance(value, bool) or not isinstance(value, int | float):
        index = (extra_info or {}).get("index", "?")
        raise DataError(
            f"difficulty hybrid reward: row index {index} has no numeric extra_info.model_difficulty[{model!r}] "
            f"(got {value!r}; keys {sorted(table) if isinstance(table, Mapping) else 'none'}): train on a set "
            "that carries it (the 8K set does) or set the type's difficulty_model parameter"
        )
    return float(value)


# The hybrids' rule-based half is the seed's exact verdict (rule_based without a tolerance).
def _majority_if_hard(sample: Sample, params: dict[str, Any]) -> float:
    hard = difficulty(sample.extra_info, params["difficulty_model"]) > params["threshold"]
    return _majority_vote(sample, params) if hard else float(sample.grade.correct)


def _majority_if_easy(sample: Sample, params: dict[str, Any]) -> float:
    hard = difficulty(sample.extra_info, params["difficulty_model"]) > params["threshold"]
    return float(sample.grade.correct) if hard else _majority_vote(sample, params)


_DIFFICULTY_DEFAULTS = {
    "majority_answer": None,
    "threshold": 9,
    "difficulty_model": "DeepSeek-R1-Distill-Qwen-1.5B",
}
# Judge kinds are numbered from 20 and difficulty hybrids from 30, clear of the kit's other types.
_JUDGE_TYPES = tuple(
    RewardType(
        kind.name,
        20 + number,
        f"The seed's {kind.seed_name} (generative judge): {kind.definition}.",
        _judged,
        {"on_failure": "raise"},
    )
    for number, kind in enumerate(JUDGE_KINDS.values())
)

_TYPES = (
    RewardType(
        "rule_based",
        0,
        "1.0 if the final answer matches the ground truth by math-verify (the option letter on multiple-choice "
        "benchmarks), else 0.0. `rel_tol` > 0 (default 0: off, the seed's exact verdict) also pays numeric "
        "answers within that relative tolerance of the gold, units stripped (docs/science.md).",
        _rule_based,
        {"rel_tol": 0.0},
    ),
    RewardType(
        "random",
        1,
        "1 with probability `p` (default 0.5) regardless of the response (Bernoulli, reproducible by `seed`).",
        _random,
        {"p": 0.5, "seed": 0},
    ),
    RewardType(
        "random_format_gated",
        2,
        "The seed's RANDOM_REWARD: 0 if the format check fails, else 1 with probability `p` (default 1/2).",
        _random_format_gated,
        {"p": 0.5, "seed": 0},
    ),
    RewardType("format", 3, "1 if the format check passes, else 0.", _format),
    RewardType(
        "noisy",
        4,
        "The rule-based score flipped with probability `p` (default 0.1, reproducible by `seed`).",
        _noisy,
        {"p": 0.1, "seed": 0},
    ),
    RewardType(
        "inverted", 5, "1 - rule-based, gated by the format check (0 when the format fails).", _inverted
    ),
    RewardType(
        "majority_vote",
        6,
        "Label-free: 1 if the response's answer is math-verify-equivalent to the most common answer of its "
        "prompt's group of responses (`majority_answer`, set by the group scorer), else 0.",
        _majority_vote,
        {"majority_answer": None},
    ),
    *_JUDGE_TYPES,
    RewardType(
        "majority_hard_rule_easy",
        30,
        "The seed's MAJORITY_50_DIFFICULT_RULE_50_EASY: rule-based when extra_info.model_difficulty"
        "[difficulty_model] <= threshold (default 9), majority_vote otherwise.",
        _majority_if_hard,
        _DIFFICULTY_DEFAULTS,
    ),
    RewardType(
        "majority_easy_rule_hard",
        31,
        "The seed's REVERSE_MAJORITY_50_EASY_RULE_50_DIFFICULT: majority_vote when the difficulty is <= "
        "threshold (default 9), rule-based otherwise.",
        _majority_if_easy,
        _DIFFICULTY_DEFAULTS,
    ),
)
REWARD_TYPES: dict[str, RewardType] = {t.name: t for t in _TYPES}
# Which grader decides correctness and format, for every type: the kit's (`grading.grade`) or the seed's
# exact verdicts (`seed_grader.grade`: verl's math_verify on str(ground truth), one-\boxed{} format check).
GRADERS = ("kit", "seed")
COMMON_DEFAULTS: dict[str, Any] = {"grader": "kit"}
# Parameter coercion and range: (cast, check, what the user must give).
_PARAM_RULES: dict[str, tuple[Callable[[Any], Any], Callable[[Any], bool], str]] = {
    "p": (float, lambda v: 0.0 <= v <= 1.0, "a number in [0, 1]"),
    "seed": (int, lambda v: True, "an integer"),
    "on_failure": (
        str,
        lambda v: v in ("raise", "zero"),
        "'raise' (fail the step) or 'zero' (pay 0, count it)",
    ),
    "threshold": (int, lambda v: v >= 0, "a non-negative integer"),
    "difficulty_model": (str, lambda v: bool(v.strip()), "a model name in extra_info.model_difficulty"),
    "rel_tol": (float, lambda v: 0.0 <= v < 1.0, "a number in [0, 1) (0 = exact answers only)"),
    "grader": (str, lambda v: v in GRADERS, " or ".join(GRADERS)),
}


def resolve_params(reward_type: str, params: dict[str, Any]) -> tuple[RewardType, dict[str, Any]]:
    """The type and its full parameter set; unknown types, unknown or out-of-range parameters are ConfigErrors."""
    if reward_type not in REWARD_TYPES:
        raise ConfigError(f"unknown reward type {reward_type!r}: choose one of {', '.join(REWARD_TYPES)}")
    kind = REWARD_TYPES[reward_type]
    allowed = {**COMMON_DEFAULTS, **kind.defaults}
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        raise ConfigError(
            f"reward type {reward_type!r} has no parameter(s) {', '.join(unknown)} (allowed: {', '.join(allowed)})"
        )
    merged = {**allowed, **params}
    for key, (cast, valid, wanted) in _PARAM_RULES.items():
        if key not in merged:
            continue
        try:
            value = cast(merged[key])
        except (TypeError, ValueError):
            value = None
        if value is None or not valid(value):
            raise ConfigError(f"reward type {reward_type!r}: {key} must be {wanted}, got {merged[key]!r}")
        merged[key] = value
    return kind, merged
