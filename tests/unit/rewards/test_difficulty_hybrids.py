"""The seed's difficulty hybrids: rule-based on one side of the difficulty threshold, majority vote on the other."""

from __future__ import annotations

import pytest

from reward_signal.common.errors import DataError
from reward_signal.rewards.reward_types import difficulty
from reward_signal.rewards.verl_entry import compute_score_batch

MODEL = "DeepSeek-R1-Distill-Qwen-1.5B"
# Two prompts, four responses each. "hard" (difficulty 12): the majority says 5, the gold is 4.
# "easy" (difficulty 3): the majority says 7, which is the gold.
GROUPS = {
    "hard": (12, "4", ["\\boxed{5}", "\\boxed{\\frac{10}{2}}", "\\boxed{4}", "\\boxed{5.0}"]),
    "easy": (3, "7", ["\\boxed{7}", "\\boxed{7}", "\\boxed{6}", "no answer"]),
}


def _score(reward_type: str, **params: object) -> list[dict]:
    rows = [
        (solution, gold, {"uid": uid, "index": n, "model_difficulty": {MODEL: level, "Other-7B": 16 - level}})
        for n, (uid, (level, gold, solutions)) in enumerate(GROUPS.items())
        for solution in solutions
    ]
    return compute_score_batch(
        ["train-math"] * len(rows),
        [r[0] for r in rows],
        [r[1] for r in rows],
        [r[2] for r in rows],
        reward_type=reward_type,
        **params,
    )


MAJORITY = [1.0, 1.0, 0.0, 1.0] + [1.0, 1.0, 0.0, 0.0]
RULE = [0.0, 0.0, 1.0, 0.0] + [1.0, 1.0, 0.0, 0.0]


def test_majority_on_hard_rule_on_easy() -> None:
    records = _score("majority_hard_rule_easy")
    assert [r["score"] for r in records] == MAJORITY[:4] + RULE[4:]
    assert [r["acc"] for r in records] == RULE


def test_reverse_majority_on_easy_rule_on_hard() -> None:
    records = _score("majority_easy_rule_hard")
    assert [r["score"] for r in records] == RULE[:4] + MAJORITY[4:]


def test_threshold_and_difficulty_model_are_parameters() -> None:
    # threshold 12: difficulty 12 is "easy" (<= threshold), so both prompts are paid rule-based
    assert [r["score"] for r in _score("majority_hard_rule_easy", threshold=12)] == RULE
    # by the other model the hard prompt is easy (16 - 12 = 4) and the easy one hard (13)
    records = _score("majority_hard_rule_easy", difficulty_model="Other-7B")
    assert [r["score"] for r in records] == RULE[:4] + MAJORITY[4:]


def test_majority_agreement_with_the_dataset_answer_is_logged() -> None:
    for reward_type in ("majority_vote", "majority_hard_rule_easy"):
        records = _score(reward_type)
        assert [r["majority_agrees"] for r in records] == [0.0] * 4 + [1.0] * 4


@pytest.mark.parametrize(
    "extra_info",
    [
        {"uid": "a", "index": 17},
        {"uid": "a", "index": 17, "model_difficulty": {"Other-7B": 3}},
        {"uid": "a", "index": 17, "model_difficulty": {MODEL: None}},
        {"uid": "a", "index": 17, "model_difficulty": {MODEL: "hard"}},
    ],
)
def test_missing_difficulty_is_an_error_naming_the_row(extra_info: dict) -> None:
    with pytest.raises(DataError, match=rf"row index 17 .*model_difficulty\['{MODEL}'\]"):
        compute_score_batch(
            ["train-math"], ["\\boxed{1}"], ["1"], [extra_info], reward_type="majority_hard_rule_easy"
        )


def test_validation_rows_need_no_difficulty() -> None:
    records = compute_score_batch(
        ["HuggingFaceH4/MATH-500"],
        ["\\boxed{1}"],
        ["1"],
        [{"uid": "v", "index": 0}],
        reward_type="majority_easy_rule_hard",
    )
    assert (records[0]["score"], records[0]["validation"]) == (1.0, 1.0)


def test_every_row_of_the_8k_training_set_has_a_difficulty(seed_data) -> None:
    import pyarrow.parquet as pq

    table = pq.read_table(
        seed_data / "data" / "old" / "train_novel_hybrid_8k_with_gt.parquet", columns=["extra_info"]
    )
    levels = [difficulty(row, MODEL) for row in table.column("extra_info").to_pylist()]
    assert len(levels) == 8000
    assert set(levels) == set(range(17))
    assert sum(level <= 9 for level in levels) == 3859  # paid rule-based by majority_hard_rule_easy
