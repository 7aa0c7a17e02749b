"""Every reward type's definition, reproducibility of the random ones, and validation always rule-based."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from reward_signal.common.errors import ConfigError
from reward_signal.rewards import REWARD_TYPES, score
from reward_signal.rewards.grading import Grade
from reward_signal.rewards.judge.kinds import JUDGE_KINDS
from reward_signal.rewards.reward_types import Sample, unit_draw
from reward_signal.rewards.verl_entry import compute_score, compute_score_batch
from tests.conftest import REPO_ROOT

RIGHT = "<think>17+25</think> so \\boxed{42}"
WRONG = "\\boxed{41}"
RIGHT_BAD_FORMAT = (
    "\\boxed{40}, then after fixing a slip \\boxed{42}"  # last box right; two boxes fail the format check
)
NO_BOX = "I give up"
TRAIN = {"split": "train", "index": 3}


def _paid(solution: str, reward_type: str, **params: object) -> float:
    return score(
        solution, '["42"]', reward_type=reward_type, data_source="train-math-x", extra_info=TRAIN, **params
    )["score"]


# Types scored from the response alone (judge types and difficulty hybrids have their own tests).
BASE_TYPES = {"rule_based", "random", "random_format_gated", "format", "noisy", "inverted", "majority_vote"}


def test_registry_names_and_codes_are_unique() -> None:
    hybrids = {"majority_hard_rule_easy", "majority_easy_rule_hard"}
    assert set(REWARD_TYPES) == BASE_TYPES | set(JUDGE_KINDS) | hybrids
    assert len({t.code for t in REWARD_TYPES.values()}) == len(REWARD_TYPES)


def test_rule_based_format_inverted() -> None:
    table = {
        # solution: (rule_based, format, inverted)
        RIGHT: (1.0, 1.0, 0.0),
        WRONG: (0.0, 1.0, 1.0),
        RIGHT_BAD_FORMAT: (1.0, 0.0, 0.0),
        NO_BOX: (0.0, 0.0, 0.0),
    }
    for solution, expected in table.items():
        got = tuple(_paid(solution, name) for name in ("rule_based", "format", "inverted"))
        assert got == expected, solution


def test_record_keys_are_identical_for_every_type_and_outcome() -> None:
    keys = {"score", "acc", "format_ok", "timed_out", "reward_type", "validation", "pred"}
    for name in sorted(BASE_TYPES):
        params = {"majority_answer": "42"} if name == "majority_vote" else {}
        for solution in (RIGHT, WRONG, NO_BOX):
            record = score(solution, "42", reward_type=name, extra_info=TRAIN, **params)
            expected = keys | ({"majority_agrees"} if name == "majority_vote" else set())
            assert set(record) == expected
            assert all(isinstance(record[k], float) for k in expected - {"reward_type", "pred"})
            assert isinstance(record["pred"], str)
            assert record["reward_type"] == REWARD_TYPES[name].code


def test_acc_is_true_accuracy_whatever_is_paid() -> None:
    record = score(WRONG, "42", reward_type="inverted", extra_info=TRAIN)
    assert (record["score"], record["acc"]) == (1.0, 0.0)


def _many(reward_type: str, n: int = 400, **params: object) -> list[float]:
    return [
        score(f"\\boxed{{{i}}}", "42", reward_type=reward_type, extra_info={"index": i % 7}, **params)[
            "score"
        ]
        for i in range(n)
    ]


def test_random_is_bernoulli_p_and_ignores_the_response() -> None:
    mean = sum(_many("random", p=0.3)) / 400
    assert 0.22 < mean < 0.38
    assert set(_many("random", n=50, p=1.0)) == {1.0} and set(_many("random", n=50, p=0.0)) == {0.0}
    # Bad format or wrong answers still get paid: the response is irrelevant to the reward.
    assert {_paid(NO_BOX, "random", p=1.0), _paid(WRONG, "random", p=1.0)} == {1.0}


def test_random_format_gated_is_zero_on_bad_format_else_half() -> None:
    assert {_paid(NO_BOX, "random_format_gated", seed=s) for s in range(20)} == {0.0}
    assert {_paid(RIGHT_BAD_FORMAT, "random_format_gated", seed=s) for s in range(20)} == {0.0}
    paid = [_paid(WRONG, "random_format_gated", seed=s) for s in range(200)]
    assert 0.38 < sum(paid) / 200 < 0.62


def test_noisy_flips_rule_based_with_probability_p() -> None:
    flips = [
        score(f"\\boxed{{{42 if i % 2 else 41}}}", "42", reward_type="noisy", p=0.2, extra_info={"index": i})
        for i in range(400)
    ]
    flipped = sum(r["score"] != r["acc"] for r in flips) / 400
    assert 0.14 < flipped < 0.26
    assert all(r["acc"] == (1.0 if i % 2 else 0.0) for i, r in enumerate(flips))
    assert _many("noisy", n=30, p=0.0) == [0.0] * 30


def _sample(prompt_key: str, response: str, occasion: str = "") -> Sample:
    return Sample(Grade(False, None, False, True), response, prompt_key, 5.0, occasion=occasion)


def test_random_draws_depend_on_seed_prompt_response_and_occasion() -> None:
    assert _many("random", seed=1) == _many("random", seed=1)
    assert _many("random", seed=1) != _many("random", seed=2)
    draw = unit_draw(0, _sample("a", "x"), "random")
    assert draw == unit_draw(0, _sample("a", "x"), "random")
    assert draw != unit_draw(0, _sample("b", "x"), "random")
    assert draw != unit_draw(0, _sample("a", "y"), "random")
    assert draw != unit_draw(0, _sample("a", "x", "step=2/session=0"), "random")
    assert draw != unit_draw(1, _sample("a", "x"), "random")


def test_random_and_noisy_are_reproducible_across_processes() -> None:
    code = (
        "import json; from reward_signal.rewards import score\n"
        "print(json.dumps([[score(f'\\\\boxed{{{i}}}', '42', reward_type=t, extra_info={'index': i % 5}, seed=7)"
        "['score'] for i in range(60)] for t in ('random', 'noisy', 'random_format_gated')]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO_ROOT, check=True
    )
    here = [
        [
            score(f"\\boxed{{{i}}}", "42", reward_type=t, extra_info={"index": i % 5}, seed=7)["score"]
            for i in range(60)
        ]
        for t in ("random", "noisy", "random_format_gated")
    ]
    assert json.loads(out.stdout) == here


@pytest.mark.parametrize("reward_type", sorted(REWARD_TYPES))
@pytest.mark.parametrize(
    ("data_source", "extra_info"),
    [
        ("HuggingFaceH4/MATH-500", {"index": 1}),
        ("test-math-aime24", None),
        ("train-math-x", {"split": "test"}),
    ],
)
def test_validation_is_always_rule_based(reward_type: str, data_source: str, extra_info: dict | None) -> None:
    for solution, expected in ((WRONG, 0.0), (RIGHT, 1.0), (NO_BOX, 0.0)):
        record = score(
            solution, "42", reward_type=reward_type, data_source=data_source, extra_info=extra_info
        )
        assert record["score"] == expected
        assert record["reward_type"] == REWARD_TYPES["rule_based"].code
        assert record["validation"] == 1.0


def test_training_sources_named_like_eval_sets_are_not_validation() -> None:
    record = score(
        WRONG, "42", reward_type="inverted", data_source="train-math-aime19832023", extra_info=TRAIN
    )
    assert (record["score"], record["validation"]) == (1.0, 0.0)


def test_bad_configs_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="unknown reward type 'rule'"):
        score(RIGHT, "42", reward_type="rule")
    with pytest.raises(ConfigError, match="no parameter"):
        score(RIGHT, "42", reward_type="rule_based", p=0.5)
    with pytest.raises(ConfigError, match=r"p must be a number in \[0, 1\], got 1.5"):
        score(RIGHT, "42", reward_type="noisy", p=1.5)
    with pytest.raises(ConfigError, match="needs every response of a prompt"):
        score(RIGHT, "42", reward_type="majority_vote", extra_info=TRAIN)


def test_majority_vote_batch_groups_by_uid_then_index() -> None:
    solutions = [
        "\\boxed{2}",
        "\\boxed{2.0}",
        "\\boxed{3}",
        "\\boxed{5}",
        "\\boxed{\\frac{10}{2}}",
        "no answer",
    ]
    extras = [{"uid": "a", "index": 0}, {"uid": "a", "index": 1}, {"uid": "a", "index": 2}] + [
        {"index": 9}
    ] * 3
    records = compute_score_batch(["train"] * 6, solutions, ["3"] * 6, extras, reward_type="majority_vote")
    assert [r["score"] for r in records] == [1.0, 1.0, 0.0, 1.0, 1.0, 0.0]
    assert [r["acc"] for r in records] == [0.0, 0.0, 1.0, 0.0, 0.0, 0.0]


def test_env_var_selects_reward_type_seed_names(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REWARD_MODEL_TYPE", "RANDOM_REWARD")
    assert (
        compute_score("train", NO_BOX, "42", TRAIN)["reward_type"] == REWARD_TYPES["random_format_gated"].code
    )
    monkeypatch.setenv("REWARD_MODEL_TYPE", "format")
    assert compute_score("train", WRONG, "42", TRAIN)["score"] == 1.0
    # reward_kwargs from VERL's config win over the environment
    assert compute_score("train", WRONG, "42", TRAIN, reward_type="rule_based")["score"] == 0.0
    monkeypatch.setenv("REWARD_MODEL_TYPE", "BOGUS")
    with pytest.raises(ConfigError, match="REWARD_MODEL_TYPE='BOGUS'"):
        compute_score("train", WRONG, "42", TRAIN)


def test_batch_equals_per_sample() -> None:
    solutions = [RIGHT, WRONG, RIGHT_BAD_FORMAT, NO_BOX, "The answer is 42"]
    extras = [{"index": i} for i in range(5)]
    batch = compute_score_batch(["train"] * 5, solutions, ["42"] * 5, extras, reward_type="noisy", p=0.5)
    single = [
        compute_score("train", s, "42", e, reward_type="noisy", p=0.5)
        for s, e in zip(solutions, extras, strict=True)
    ]
    assert batch == single
