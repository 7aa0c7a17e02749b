"""validate_file names every row and column VERL could not use."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from reward_signal.data.validate import Problem, validate_file, validate_row
from tests.unit.data.conftest import make_row


def test_valid_rows_have_no_problems(parquet_file: Callable[..., Path]) -> None:
    assert validate_file(parquet_file([make_row(i) for i in range(3)])) == []


def _broken(mutate: Callable[[dict], None]) -> list[dict]:
    rows = [make_row(i) for i in range(3)]
    mutate(rows[1])
    return rows


@pytest.mark.parametrize(
    ("mutate", "column", "message"),
    [
        (lambda r: r["reward_model"].update(ground_truth=""), "reward_model.ground_truth", "is empty"),
        (
            lambda r: r["reward_model"].update(ground_truth='[""]'),
            "reward_model.ground_truth",
            "no non-empty answer",
        ),
        (
            lambda r: r["reward_model"].update(ground_truth="[]"),
            "reward_model.ground_truth",
            "no non-empty answer",
        ),
        (lambda r: r.update(prompt=[]), "prompt", "non-empty list"),
        (lambda r: r["prompt"].pop(), "prompt", "last message must be the user turn"),
        (lambda r: r["prompt"][1].update(content=" "), "prompt[1].content", "non-empty string"),
        (lambda r: r["prompt"][1].update(role="robot"), "prompt[1].role", "must be one of"),
        (lambda r: r.update(data_source=""), "data_source", "non-empty string"),
        (lambda r: r["extra_info"].update(index=None), "extra_info.index", "must be an integer"),
        (lambda r: r["extra_info"].update(split=None), "extra_info.split", "non-empty string"),
    ],
)
def test_each_defect_is_reported_with_row_and_column(
    parquet_file: Callable[..., Path], mutate: Callable[[dict], None], column: str, message: str
) -> None:
    problems = validate_file(parquet_file(_broken(mutate)))
    assert [(p.row, p.column) for p in problems] == [(1, column)]
    assert message in problems[0].message
    assert str(problems[0]).startswith(f"row 1, {column}: ")


def test_index_stored_as_digit_string_is_valid(parquet_file: Callable[..., Path]) -> None:
    """The seed's Llama SCP subsets store extra_info.index as '14733'; VERL passes it through as is."""
    rows = [make_row(i) for i in range(3)]
    for row in rows:
        row["extra_info"]["index"] = str(row["extra_info"]["index"])
    assert validate_file(parquet_file(rows)) == []


@pytest.mark.parametrize("index", ["12a", "-3", "", 1.5, True])
def test_index_that_is_not_a_row_number_is_reported(index: object) -> None:
    row = make_row(0)
    row["extra_info"]["index"] = index
    assert [column for column, _ in validate_row(row)] == ["extra_info.index"]


def test_plain_latex_ground_truth_is_valid(parquet_file: Callable[..., Path]) -> None:
    rows = _broken(lambda r: r["reward_model"].update(ground_truth="[2, 5)"))
    assert validate_file(parquet_file(rows)) == []


def test_missing_column(parquet_file: Callable[..., Path]) -> None:
    rows = [{k: v for k, v in make_row(i).items() if k != "reward_model"} for i in range(2)]
    assert validate_file(parquet_file(rows)) == [Problem(None, "reward_model", "column is missing")]


def test_seed_files_are_valid(seed_data: Path) -> None:
    for path in sorted(seed_data.rglob("*.parquet")):
        assert validate_file(path) == [], path


def _choice_row(gold: str, source: str = "stem__supergpqa") -> dict:
    row = make_row(0)
    row.update(data_source=source, ability="stem")
    row["reward_model"]["ground_truth"] = gold
    return row


@pytest.mark.parametrize("gold", ["C", "J", "(D) Alina", "\\text{(B) }12"])
def test_multiple_choice_gold_letters_are_valid(gold: str) -> None:
    assert validate_row(_choice_row(gold)) == []


@pytest.mark.parametrize("gold", ["42", "K", "A, C", "x = 3"])
def test_multiple_choice_gold_that_is_not_one_letter_is_reported(gold: str) -> None:
    [(column, message)] = validate_row(_choice_row(gold, "mmlu_sci"))
    assert column == "reward_model.ground_truth" and "one option letter A-J" in message


def test_science_answer_with_units_and_domain_is_valid() -> None:
    row = make_row(0) | {"data_source": "scp_10240", "domain": "Modern Physics"}
    row["reward_model"]["ground_truth"] = "2.7 \\times 10^4, 6.8 \\times 10^{-3} Hz"
    assert validate_row(row) == []
    row["domain"] = ""
    assert [column for column, _ in validate_row(row)] == ["domain"]
