"""`grader: seed` reproduces the seed's verdicts: its format check and verl's math_verify on str(gold)."""

from __future__ import annotations

import pytest

from reward_signal.rewards import score
from reward_signal.rewards.seed_grader import grade, seed_format_ok, seed_gold
from reward_signal.rewards.verl_entry import compute_score_batch


@pytest.mark.parametrize(
    ("response", "seed_ok", "kit_ok"),
    [
        ("so \\boxed{12}", True, True),
        ("\\fbox{12}", False, True),  # the seed's patterns only know \boxed{
        ("\\boxed {12}", False, True),
        ("<think>\\boxed{3}</think> \\boxed{12}", False, True),  # the seed ignores <think>
        ("<think>never closed \\boxed{12}", True, False),
        ("\\\\boxed{12}", False, True),  # a doubly escaped box matches both of the seed's patterns
        ("\\boxed{1} and \\boxed{2}", False, False),
        ("no box", False, False),
    ],
)
def test_seed_format_check_differs_from_the_kits_where_the_seed_did(
    response: str, seed_ok: bool, kit_ok: bool
) -> None:
    assert seed_format_ok(response) is seed_ok
    kit = score(response, "12", reward_type="format", data_source="train-x")["score"]
    seed = score(response, "12", reward_type="format", data_source="train-x", grader="seed")["score"]
    assert (seed, kit) == (float(seed_ok), float(kit_ok))


def test_seed_gold_is_the_raw_string_or_the_first_list_item() -> None:
    assert seed_gold('["84\\\\%"]') == '["84\\\\%"]'
    assert seed_gold(["7", "8"]) == "7"
    assert seed_gold(12) == "12"


@pytest.mark.parametrize(
    ("response", "gold", "seed_pays", "kit_pays"),
    [
        ("\\boxed{42}", '["42"]', 1.0, 1.0),
        ("\\boxed{41}", '["42"]', 0.0, 0.0),
        ("\\boxed{84\\%}", '["84\\\\%"]', 0.0, 1.0),  # the seed boxes the JSON list text
        ("\\boxed{(p,q)=(3,3)}", '["(p,q)=(3,3)"]', 0.0, 1.0),
        ("The answer is 1156", '["1156"]', 1.0, 1.0),  # math_verify also reads unboxed numbers
    ],
)
def test_seed_correctness_is_verls_math_verify_on_the_gold_string(
    response: str, gold: str, seed_pays: float, kit_pays: float
) -> None:
    assert grade(response, gold).correct is bool(seed_pays)
    batch = compute_score_batch(["train-x"] * 2, [response] * 2, [gold] * 2, grader="seed")
    assert [r["score"] for r in batch] == [seed_pays] * 2
    assert score(response, gold, reward_type="rule_based", data_source="train-x")["score"] == kit_pays


def test_an_unknown_grader_is_a_config_error() -> None:
    from reward_signal.common.errors import ConfigError

    with pytest.raises(ConfigError, match="grader must be kit or seed"):
        score("\\boxed{1}", "1", grader="sed")
