"""`template` swaps only the system message; bad prompt specs and outputs fail cleanly."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from reward_signal.common.errors import DataError, KitError
from reward_signal.data.parquet import read_metadata, read_rows
from reward_signal.data.template import retemplate
from reward_signal.data.validate import validate_file
from tests.unit.data.conftest import leftovers, make_row


def _strip_prompt(row: dict) -> dict:
    return {key: value for key, value in row.items() if key != "prompt"}


def test_none_drops_the_system_message(tmp_path: Path, parquet_file: Callable[..., Path]) -> None:
    source = parquet_file([make_row(i) for i in range(3)], "source.parquet")
    assert retemplate(source, "none", tmp_path / "out.parquet") == 3
    before, after = read_rows(source), read_rows(tmp_path / "out.parquet")
    assert [row["prompt"] for row in after] == [[row["prompt"][1]] for row in before]
    assert [_strip_prompt(r) for r in after] == [_strip_prompt(r) for r in before]
    assert read_metadata(tmp_path / "out.parquet")["system_prompt"] is None
    assert validate_file(tmp_path / "out.parquet") == []


def test_file_replaces_or_adds_the_system_message(tmp_path: Path, parquet_file: Callable[..., Path]) -> None:
    prompt_file = tmp_path / "cot.txt"
    prompt_file.write_text("Think step by step, then answer in \\boxed{}.\n")
    with_system = make_row(0)
    without_system = make_row(1)
    without_system["prompt"] = without_system["prompt"][1:]
    source = parquet_file([with_system, without_system], "source.parquet")
    retemplate(source, str(prompt_file), tmp_path / "out.parquet")
    for row in read_rows(tmp_path / "out.parquet"):
        assert [m["role"] for m in row["prompt"]] == ["system", "user"]
        assert row["prompt"][0]["content"] == "Think step by step, then answer in \\boxed{}."


def test_bad_system_prompt_specs(tmp_path: Path, parquet_file: Callable[..., Path]) -> None:
    source = parquet_file([make_row(0)], "source.parquet")
    (tmp_path / "empty.txt").write_text("  \n")
    with pytest.raises(DataError, match="no such file .* or `none`"):
        retemplate(source, str(tmp_path / "missing.txt"), tmp_path / "out.parquet")
    with pytest.raises(DataError, match="file is empty; use `none`"):
        retemplate(source, str(tmp_path / "empty.txt"), tmp_path / "out.parquet")
    assert leftovers(tmp_path) == ["empty.txt", "source.parquet"]


def test_unwritable_output(tmp_path: Path, parquet_file: Callable[..., Path]) -> None:
    source = parquet_file([make_row(0)], "source.parquet")
    with pytest.raises(KitError, match="cannot create output directory"):
        retemplate(source, "none", source / "out.parquet")
    assert leftovers(tmp_path) == ["source.parquet"]


def test_add_question_copies_the_user_message_into_extra_info(
    tmp_path: Path, parquet_file: Callable[..., Path]
) -> None:
    """The judges' problem text, as the seed's science sets carry it; nothing else changes."""
    from reward_signal.rewards.judge.scoring import question_of

    source = parquet_file([make_row(i) for i in range(3)], "source.parquet")
    assert retemplate(source, None, tmp_path / "out.parquet", add_question=True) == 3
    before, after = read_rows(source), read_rows(tmp_path / "out.parquet")
    for old, new in zip(before, after, strict=True):
        assert new["prompt"] == old["prompt"]
        assert new["extra_info"] == {**old["extra_info"], "question": old["prompt"][1]["content"]}
        assert question_of(new["extra_info"]) == old["prompt"][1]["content"]
    assert validate_file(tmp_path / "out.parquet") == []
    # A second pass keeps the questions it finds, with or without a new system prompt.
    retemplate(tmp_path / "out.parquet", "none", tmp_path / "again.parquet", add_question=True)
    assert [r["extra_info"] for r in read_rows(tmp_path / "again.parquet")] == [
        r["extra_info"] for r in after
    ]


def test_add_question_needs_a_user_message_and_something_to_do(
    tmp_path: Path, parquet_file: Callable[..., Path]
) -> None:
    row = make_row(0)
    row["prompt"] = row["prompt"][:1]  # the system message only
    source = parquet_file([make_row(1), row], "source.parquet")
    with pytest.raises(DataError, match="row 1 has no user message"):
        retemplate(source, None, tmp_path / "out.parquet", add_question=True)
    with pytest.raises(DataError, match="nothing to change"):
        retemplate(source, None, tmp_path / "out.parquet")
    assert leftovers(tmp_path) == ["source.parquet"]


def test_the_seed_8k_set_gets_its_questions(seed_data: Path, tmp_path: Path) -> None:
    """The seed's 8K training set has no extra_info.question; after this a judge reward can train on it."""
    from reward_signal.cli import main

    source = seed_data / "data" / "old" / "train_novel_hybrid_8k_with_gt.parquet"
    out = tmp_path / "math8k-judge.parquet"
    assert main(["data", "template", "--source", str(source), "--add-question", "--out", str(out)]) == 0
    rows = read_rows(out)
    assert len(rows) == 8000
    assert all(r["extra_info"]["question"] == r["prompt"][-1]["content"] for r in rows)
    assert rows[0]["extra_info"]["model_difficulty"] == read_rows(source)[0]["extra_info"]["model_difficulty"]
