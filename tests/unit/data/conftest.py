"""Tiny VERL-schema rows built from literals, so the always-on tests need no shared data."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from reward_signal.data.parquet import write_rows

SYSTEM = "Put the final answer in \\boxed{}."


def make_row(
    index: int, question: str = "", answer: str = "1", difficulty: dict | None = None
) -> dict[str, Any]:
    """One training row in the seed's schema (JSON-list ground truth)."""
    row: dict[str, Any] = {
        "data_source": "train-math-test",
        "prompt": [
            {"content": SYSTEM, "role": "system"},
            {"content": question or f"What is {index} + 1?", "role": "user"},
        ],
        "ability": "math",
        "reward_model": {"ground_truth": json.dumps([answer]), "style": "rule"},
        "extra_info": {"index": index, "split": "train"},
    }
    if difficulty is not None:
        row["difficulty"] = difficulty
    return row


@pytest.fixture
def parquet_file(tmp_path: Path) -> Callable[..., Path]:
    """Write rows to tmp_path/<name> and return the path."""

    def write(rows: list[dict[str, Any]], name: str = "rows.parquet") -> Path:
        return write_rows(tmp_path / name, rows)

    return write


def leftovers(directory: Path) -> list[str]:
    """Files in `directory` (recursively), to assert that a failed command left nothing behind."""
    return sorted(str(p.relative_to(directory)) for p in directory.rglob("*") if p.is_file())
