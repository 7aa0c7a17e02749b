"""Check a parquet file against what VERL's RLHFDataset and our reward function read from each row.

VERL fails deep inside a Ray worker, minutes into a run, on a row it cannot use; this check
names every bad row and column up front instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reward_signal.common.ground_truth import ground_truth_answers
from reward_signal.data.parquet import read_rows
from reward_signal.rewards.choice import LETTERS, gold_letter, is_choice_source

REQUIRED_COLUMNS = ("data_source", "prompt", "reward_model", "extra_info")
ROLES = ("system", "user", "assistant")


@dataclass(frozen=True)
class Problem:
    """One defect; `row` is the 0-based row number (None for file-level problems)."""

    row: int | None
    column: str
    message: str

    def __str__(self) -> str:
        where = f"row {self.row}, " if self.row is not None else ""
        return f"{where}{self.column}: {self.message}"


def _prompt_problems(prompt: Any) -> list[tuple[str, str]]:
    if not isinstance(prompt, list) or not prompt:
        return [("prompt", "must be a non-empty list of {role, content} messages")]
    found = []
    for i, message in enumerate(prompt):
        if not isinstance(message, dict) or message.get("role") not in ROLES:
            found.append((f"prompt[{i}].role", f"must be one of {', '.join(ROLES)}"))
        elif not isinstance(message.get("content"), str) or not message["content"].strip():
            found.append((f"prompt[{i}].content", "must be a non-empty string"))
    last = prompt[-1]
    if isinstance(last, dict) and last.get("role") in ROLES and last["role"] != "user":
        found.append(("prompt", f"last message must be the user turn, got role {last['role']!r}"))
    return found


def _reward_model_problems(reward_model: Any) -> list[tuple[str, str]]:
    if not isinstance(reward_model, dict):
        return [("reward_model", "must be a struct with ground_truth")]
    truth = reward_model.get("ground_truth")
    if not isinstance(truth, str) or not truth.strip():
        return [("reward_model.ground_truth", "is empty; every row needs the reference answer")]
    answers = ground_truth_answers(truth)
    if not answers or not all(answer.strip() for answer in answers):
        return [("reward_model.ground_truth", f"JSON list {truth!r} has no non-empty answer")]
    return []


def _is_row_index(index: Any) -> bool:
    """An integer, or its decimal digits as a string: the seed's Llama SCP subsets store `'14733'`.

    VERL only carries `index` through to the batch (it never does arithmetic on it), so both
    spellings work in training; anything else (None, `'abc'`, a float) is a broken row.
    """
    if isinstance(index, bool):
        return False
    return isinstance(index, int) or (isinstance(index, str) and index.isascii() and index.isdigit())


def _choice_problems(source: Any, reward_model: Any) -> list[tuple[str, str]]:
    """A multiple-choice benchmark's gold must name one option letter: the letter grader compares letters."""
    if not isinstance(source, str) or not is_choice_source(source) or not isinstance(reward_model, dict):
        return []
    truth = reward_model.get("ground_truth")
    if isinstance(truth, str) and truth.strip() and gold_letter(truth) is None:
        return [
            (
                "reward_model.ground_truth",
                f"data_source {source!r} is multiple choice, so the gold must be one option letter "
                f"{LETTERS[0]}-{LETTERS[-1]} (e.g. 'C' or '(C) text'), got {truth!r}",
            )
        ]
    return []


def _domain_problems(row: dict[str, Any]) -> list[tuple[str, str]]:
    """The SCP sets' optional `domain` (e.g. 'Modern Physics') must be a non-empty string when present."""
    if "domain" not in row:
        return []
    domain = row["domain"]
    if isinstance(domain, str) and domain.strip():
        return []
    return [("domain", f"must be a non-empty string such as 'Modern Physics', got {domain!r}")]


def _extra_info_problems(extra_info: Any) -> list[tuple[str, str]]:
    if not isinstance(extra_info, dict):
        return [("extra_info", "must be a struct with index and split")]
    found = []
    index = extra_info.get("index")
    if not _is_row_index(index):
        found.append(("extra_info.index", f"must be an integer or a string of decimal digits, got {index!r}"))
    split = extra_info.get("split")
    if not isinstance(split, str) or not split:
        found.append(
            ("extra_info.split", f"must be a non-empty string such as 'train' or 'test', got {split!r}")
        )
    return found


def validate_row(row: dict[str, Any]) -> list[tuple[str, str]]:
    """(column, message) pairs for one row; empty when VERL can use it."""
    found = []
    source = row.get("data_source")
    if not isinstance(source, str) or not source:
        found.append(("data_source", "must be a non-empty string (it selects the reward function)"))
    found += _prompt_problems(row.get("prompt"))
    found += _reward_model_problems(row.get("reward_model"))
    found += _choice_problems(source, row.get("reward_model"))
    found += _domain_problems(row)
    found += _extra_info_problems(row.get("extra_info"))
    return found


def validate_file(path: Path | str) -> list[Problem]:
    """Every problem in the file (empty list = valid). Unreadable files raise DataError."""
    rows = read_rows(path)
    if not rows:
        return [Problem(None, "(file)", "has no rows")]
    missing = [column for column in REQUIRED_COLUMNS if column not in rows[0]]
    if missing:
        return [Problem(None, column, "column is missing") for column in missing]
    return [
        Problem(i, column, message) for i, row in enumerate(rows) for column, message in validate_row(row)
    ]
