"""The science-answer policy: seed-exact by default, an explicit relative tolerance for numeric answers."""

from __future__ import annotations

import pytest

from reward_signal.common.errors import ConfigError
from reward_signal.rewards import score
from reward_signal.rewards.science import parse_values, within_tolerance
from reward_signal.rewards.verl_entry import compute_score_batch

TRAIN = {"split": "train", "index": "14733"}


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("490 g", [490.0]),
        ("49 Hz", [49.0]),
        ("1 \\times 10^{-3}", [1e-3]),
        ("1.0 \\times 10^{-7} M", [1e-7]),
        ("2.7 \\times 10^4, 6.8", [2.7e4, 6.8]),
        ("0.0267 \\, \\Omega", [0.0267]),
        ("9.8 m/s^2", [9.8]),
        ("1.6e-19 C", [1.6e-19]),
        ("\\frac{3}{4}", [0.75]),
        ("10{,}000 J", [10000.0]),
    ],
)
def test_numbers_with_units_and_notation_are_read(text: str, values: list[float]) -> None:
    assert parse_values(text) == pytest.approx(values)


@pytest.mark.parametrize(
    "text",
    [
        "Na_2CO_3",
        "2(qp + pq)",
        "x = 3",
        "2 + 3",
        "\\sqrt{2}",
        "NaCl, NaOH",
        "",
        "2\\pi",
        "10^{999}",
        "3e400 J",
    ],
)
def test_expressions_and_names_are_not_numbers(text: str) -> None:
    assert parse_values(text) is None


def test_tolerance_compares_value_by_value_and_is_off_at_zero() -> None:
    assert within_tolerance("0.00101", ("1 \\times 10^{-3}",), 0.02)
    assert not within_tolerance("0.00103", ("1 \\times 10^{-3}",), 0.02)
    assert within_tolerance("2.71 \\times 10^4, 6.8", ("2.7 \\times 10^4, 6.8",), 0.01)
    assert not within_tolerance("2.7 \\times 10^4", ("2.7 \\times 10^4, 6.8",), 0.01)  # a value missing
    assert not within_tolerance("49", ("49 Hz",), 0.0)
    assert not within_tolerance(None, ("49 Hz",), 0.1)


def test_rule_based_is_seed_exact_unless_rel_tol_is_given() -> None:
    near = "The frequency is \\boxed{49.2\\text{ Hz}}"
    assert score(near, "49 Hz", data_source="scp_10240", extra_info=TRAIN)["score"] == 0.0
    paid = score(near, "49 Hz", data_source="scp_10240", extra_info=TRAIN, rel_tol=0.01)
    assert (paid["score"], paid["acc"]) == (1.0, 0.0)  # acc stays the exact verdict
    assert score(near, "49 Hz", extra_info=TRAIN, rel_tol=0.001)["score"] == 0.0


def test_validation_stays_exact_whatever_the_training_tolerance() -> None:
    records = compute_score_batch(
        ["test-math-scp-very-difficult", "scp_10240"],
        ["\\boxed{49.2 Hz}"] * 2,
        ["49 Hz"] * 2,
        [{"split": "test", "index": 0}, TRAIN],
        reward_type="rule_based",
        rel_tol=0.01,
    )
    assert [r["score"] for r in records] == [0.0, 1.0]


@pytest.mark.parametrize("bad", [-0.1, 1.0, "lots"])
def test_bad_tolerance_is_a_config_error(bad: object) -> None:
    with pytest.raises(ConfigError, match="rel_tol must be a number in"):
        score("\\boxed{1}", "1", rel_tol=bad)
