"""Record files: fsynced whole problems, and a resume that drops torn lines and partial problems."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reward_signal.eval.records import RecordFile, by_problem, read_records


def _problem(index: int, n: int) -> list[dict]:
    return [
        {"dataset": "d", "index": index, "sample": s, "response": f"r{index}.{s}", "ground_truth": "1"}
        for s in range(n)
    ]


def test_resume_keeps_complete_problems_and_drops_torn_and_partial_ones(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    records = RecordFile(tmp_path, "d", n=2)
    records.append_problem(_problem(0, 2))
    records.append_problem(_problem(1, 2))
    with records.path.open("a") as handle:  # a kill mid-problem: one sample, then half a line
        handle.write(json.dumps(_problem(2, 2)[0]) + "\n" + '{"dataset": "d", "ind')
    assert records.resume() == {0, 1}
    assert f"warning: skipped {records.path}:6: not valid JSON" in capsys.readouterr().err
    lines = records.path.read_text().splitlines()
    assert [json.loads(line)["index"] for line in lines] == [0, 0, 1, 1]
    records.append_problem(_problem(2, 2))
    assert records.resume() == {0, 1, 2}
    assert len(read_records(records.path)) == 6


def test_resume_of_an_intact_file_leaves_it_untouched(tmp_path: Path) -> None:
    records = RecordFile(tmp_path, "d", n=1)
    records.append_problem(_problem(0, 1))
    before = records.path.stat().st_mtime_ns
    assert records.resume() == {0}
    assert records.path.stat().st_mtime_ns == before


def test_resume_without_a_file_is_empty(tmp_path: Path) -> None:
    assert RecordFile(tmp_path, "d", n=4).resume() == set()


def test_by_problem_orders_samples_and_keeps_the_first_duplicate() -> None:
    rows = [*_problem(1, 2)[::-1], *_problem(0, 1), {**_problem(0, 1)[0], "response": "later"}]
    grouped = by_problem(rows)
    assert list(grouped) == [0, 1]
    assert [r["sample"] for r in grouped[1]] == [0, 1]
    assert [r["response"] for r in grouped[0]] == ["r0.0"]
