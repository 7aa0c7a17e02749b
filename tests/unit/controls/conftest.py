"""Small label fixtures from tests/assets/controls/labels.json, in both ground-truth formats."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from reward_signal.data.parquet import write_rows

LABELS = Path(__file__).resolve().parents[2] / "assets" / "controls" / "labels.json"


def label_cases() -> list[dict[str, str]]:
    return json.loads(LABELS.read_text(encoding="utf-8"))["cases"]


def make_rows(answers: list[str], as_json_list: bool) -> list[dict[str, Any]]:
    """Rows in the seed schema: training style (`["ans"]`, split train) or evaluation style (plain LaTeX)."""
    return [
        {
            "data_source": "controls-fixture",
            "prompt": [
                {"content": "Reason step by step; box the final answer.", "role": "system"},
                {"content": f"Question number {i}?", "role": "user"},
            ],
            "ability": "math",
            "reward_model": {"ground_truth": json.dumps([a]) if as_json_list else a, "style": "rule"},
            "extra_info": {"index": i, "split": "train" if as_json_list else "test"},
        }
        for i, a in enumerate(answers)
    ]


@pytest.fixture
def label_file(tmp_path: Path):  # noqa: ANN201 - a factory
    """Write the label cases (or given answers) as a parquet file; returns its path."""

    def write(
        as_json_list: bool = True, answers: list[str] | None = None, name: str = "labels.parquet"
    ) -> Path:
        answers = answers if answers is not None else [case["answer"] for case in label_cases()]
        return write_rows(tmp_path / name, make_rows(answers, as_json_list))

    return write
