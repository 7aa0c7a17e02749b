"""Corrupted labels: verified wrong by the rule-based grader, format kept, originals recorded,
fraction 0 is the identity, deterministic for a seed (also across processes), clear argument errors."""

from __future__ import annotations

import random
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from reward_signal.common.errors import EXIT_USAGE, DataError
from reward_signal.common.ground_truth import ground_truth_answers, is_answer_list
from reward_signal.data.corrupt import choose_corruptions, corrupt_file, perturb_answer
from reward_signal.data.parquet import read_metadata, read_rows, read_schema
from reward_signal.data.validate import validate_file
from tests.unit.controls.conftest import label_cases

SEED_8K = "data/old/train_novel_hybrid_8k_with_gt.parquet"


@pytest.mark.parametrize("case", label_cases(), ids=lambda case: case["answer"])
def test_perturbed_answer_keeps_the_form_and_changes_the_value(case: dict[str, str]) -> None:
    for seed in range(20):
        wrong = perturb_answer(case["answer"], random.Random(seed))
        assert wrong != case["answer"]
        assert re.fullmatch(case["shape"], wrong), f"{case['answer']!r} -> {wrong!r}"


def assert_properly_corrupted(source: Path, out: Path, expected_count: int) -> list[dict[str, Any]]:
    """Every invariant of a corrupted file; returns the corrupted rows."""
    from reward_signal.rewards import grade_many

    before, after = read_rows(source), read_rows(out)
    assert validate_file(out) == []
    assert len(after) == len(before)
    corrupted = []
    for old, new in zip(before, after, strict=True):
        extra = new["extra_info"]
        truth = old["reward_model"]["ground_truth"]
        assert extra["label_original"] == truth
        assert {k: v for k, v in extra.items() if not k.startswith("label_")} == old["extra_info"]
        assert {k: v for k, v in new.items() if k not in ("reward_model", "extra_info")} == {
            k: v for k, v in old.items() if k not in ("reward_model", "extra_info")
        }
        if not extra["label_corrupted"]:
            assert new["reward_model"] == old["reward_model"]
            continue
        corrupted.append(new)
        new_truth = new["reward_model"]["ground_truth"]
        assert new_truth != truth
        # The format is the source's: a JSON list string stays one, plain LaTeX stays plain.
        assert is_answer_list(new_truth) == is_answer_list(truth)
    assert len(corrupted) == expected_count
    # The grader accepts neither the new label for the original nor the original for the new label.
    solutions, truths = [], []
    for row in corrupted:
        original, new_truth = row["extra_info"]["label_original"], row["reward_model"]["ground_truth"]
        solutions += [f"\\boxed{{{a}}}" for a in ground_truth_answers(new_truth)]
        truths += [original] * len(ground_truth_answers(new_truth))
        solutions += [f"\\boxed{{{a}}}" for a in ground_truth_answers(original)]
        truths += [new_truth] * len(ground_truth_answers(original))
    for solution, truth, grade in zip(solutions, truths, grade_many(solutions, truths), strict=True):
        assert not grade.correct, f"{solution} still verifies against {truth}"
    return corrupted


@pytest.mark.parametrize("as_json_list", [True, False], ids=["train-json-list", "eval-plain"])
def test_wrong_mode_labels_never_verify_equal(label_file, tmp_path: Path, as_json_list: bool) -> None:  # noqa: ANN001
    source = label_file(as_json_list)
    report = corrupt_file(source, tmp_path / "wrong.parquet", 1.0, "wrong", seed=3)
    assert report.given_up == ()
    assert_properly_corrupted(source, tmp_path / "wrong.parquet", len(label_cases()))
    meta = read_metadata(tmp_path / "wrong.parquet")["label_corruption"]
    assert (meta["fraction"], meta["mode"], meta["seed"], meta["corrupted_rows"]) == (1.0, "wrong", 3, 16)


def test_shuffle_takes_another_rows_answer_never_an_equivalent_one(label_file, tmp_path: Path) -> None:  # noqa: ANN001
    # Equivalent forms (0.5 = \frac{1}{2} = 1/2, 7 = 7.0) must never be swapped for each other.
    answers = ["0.5", "\\frac{1}{2}", "1/2", "7", "7.0", "7", "\\sqrt{2}", "D", "3"]
    source = label_file(answers=answers)
    corrupt_file(source, tmp_path / "shuffled.parquet", 1.0, "shuffle", seed=0)
    rows = assert_properly_corrupted(source, tmp_path / "shuffled.parquet", len(answers))
    sources = {row["reward_model"]["ground_truth"] for row in read_rows(source)}
    for row in rows:
        assert row["reward_model"]["ground_truth"] in sources


def test_a_row_with_no_verifiable_wrong_answer_is_left_clean_and_reported(label_file, tmp_path: Path) -> None:  # noqa: ANN001
    # Every nearby value of 10^{-30} is numerically equal to it for math-verify, so no wrong label exists.
    source = label_file(answers=["10^{-30}", "5", "7"])
    report = corrupt_file(source, tmp_path / "out.parquet", 1.0, "wrong", seed=0)
    assert (report.corrupted, report.given_up) == ((1, 2), (0,))
    assert_properly_corrupted(source, tmp_path / "out.parquet", 2)
    assert read_metadata(tmp_path / "out.parquet")["label_corruption"]["given_up_rows"] == [0]


def test_given_up_rows_are_replaced_to_keep_the_count() -> None:
    truths = ["10^{-30}"] + [str(n) for n in range(1, 10)]
    chosen, report = choose_corruptions(truths, 0.5, "wrong", seed=0)
    assert len(chosen) == 5 and 0 not in chosen
    chosen_again, _ = choose_corruptions(truths, 0.5, "wrong", seed=0)
    assert chosen_again == chosen
    assert choose_corruptions(truths, 0.5, "wrong", seed=1)[0] != chosen


@pytest.mark.parametrize("as_json_list", [True, False])
def test_fraction_zero_is_the_identity(label_file, tmp_path: Path, as_json_list: bool) -> None:  # noqa: ANN001
    source = label_file(as_json_list)
    for mode in ("wrong", "shuffle"):
        out = tmp_path / f"{mode}.parquet"
        corrupt_file(source, out, 0.0, mode, seed=1)
        assert read_rows(out) == read_rows(source)
        assert read_schema(out) == read_schema(source)


def test_fraction_rounds_half_up_and_picks_seeded_rows(label_file, tmp_path: Path) -> None:  # noqa: ANN001
    source = label_file(answers=[str(n) for n in range(10, 19)])  # 9 rows
    picked = []
    for seed in (0, 0, 1):
        out = tmp_path / f"seed{seed}.parquet"
        corrupt_file(source, out, 0.5, "wrong", seed=seed)
        rows = read_rows(out)
        assert sum(r["extra_info"]["label_corrupted"] for r in rows) == 5  # 4.5 rounds up
        picked.append(rows)
    assert picked[0] == picked[1]
    assert picked[0] != picked[2]


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "reward_signal", "data", "corrupt-labels", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
    )


def test_cli_is_deterministic_across_processes(label_file, tmp_path: Path) -> None:  # noqa: ANN001
    source = label_file()
    for name in ("a.parquet", "b.parquet"):
        args = ("--source", str(source), "--fraction", "0.5", "--mode", "wrong", "--seed", "9", "--out", name)
        done = _cli(*args, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        assert "corrupted 8 labels (wrong, seed 9)" in done.stdout
    assert (tmp_path / "a.parquet").read_bytes() == (tmp_path / "b.parquet").read_bytes()


@pytest.mark.parametrize(
    ("fraction", "mode", "message"),
    [
        ("1.5", "wrong", "--fraction must be between 0 and 1 (share of rows to corrupt); got 1.5"),
        ("-0.1", "wrong", "--fraction must be between 0 and 1 (share of rows to corrupt); got -0.1"),
        ("0.5", "random", "unknown --mode 'random'; known modes: wrong, shuffle"),
    ],
)
def test_bad_arguments_give_clear_errors(
    label_file,  # noqa: ANN001
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    fraction: str,
    mode: str,
    message: str,
) -> None:
    from reward_signal.cli import main

    out = tmp_path / "out.parquet"
    argv = ["data", "corrupt-labels", "--source", str(label_file()), "--fraction", fraction, "--mode", mode]
    assert main([*argv, "--out", str(out)]) == EXIT_USAGE
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_an_already_corrupted_source_is_refused(label_file, tmp_path: Path) -> None:  # noqa: ANN001
    corrupt_file(label_file(), tmp_path / "once.parquet", 0.5, "wrong", seed=0)
    with pytest.raises(
        DataError, match="already carry label_corrupted/label_original: corrupt the clean source"
    ):
        corrupt_file(tmp_path / "once.parquet", tmp_path / "twice.parquet", 0.5, "wrong", seed=0)


@pytest.fixture
def seed_8k_sample(seed_data: Path, tmp_path: Path) -> Path:
    """A seeded 200-row sample of the real 8K training set (every 8K row takes minutes to regrade)."""
    table = pq.read_table(seed_data / SEED_8K)
    rows = sorted(random.Random(0).sample(range(table.num_rows), 200))
    path = tmp_path / "math8k-sample.parquet"
    pq.write_table(table.take(rows), path)
    return path


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["wrong", "shuffle"])
def test_real_8k_labels_corrupted_at_half(seed_8k_sample: Path, tmp_path: Path, mode: str) -> None:
    out = tmp_path / f"{mode}.parquet"
    report = corrupt_file(seed_8k_sample, out, 0.5, mode, seed=2026)
    assert_properly_corrupted(seed_8k_sample, out, 100)
    assert len(report.given_up) <= 5
    assert read_schema(out).field("extra_info").type.get_field_index("model_difficulty") >= 0


def test_real_8k_fraction_zero_is_the_identity(seed_8k_sample: Path, tmp_path: Path) -> None:
    corrupt_file(seed_8k_sample, tmp_path / "same.parquet", 0.0, "wrong", seed=0)
    assert read_rows(tmp_path / "same.parquet") == read_rows(seed_8k_sample)
    assert read_schema(tmp_path / "same.parquet") == read_schema(seed_8k_sample)
