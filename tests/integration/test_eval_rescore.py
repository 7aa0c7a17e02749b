"""`eval --from-generations`: hand-made generations through the real command and the real grader."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reward_signal.cli import main
from reward_signal.common.errors import EXIT_CONFIG_ERROR
from tests.conftest import ASSETS

pytestmark = pytest.mark.integration
GENERATIONS = ASSETS / "eval" / "generations.jsonl"


def test_every_metric_of_hand_made_generations(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    expected = json.loads((ASSETS / "eval" / "generations_expected.json").read_text())
    out = tmp_path / "regraded"
    assert main(["eval", "--from-generations", str(GENERATIONS), "--out", str(out)]) == 0
    captured = capsys.readouterr()
    for lineno in expected["bad_lines"]:
        assert f"generations.jsonl:{lineno}:" in captured.err
    assert "| toy | 2 | 8 | 62.5 | " in captured.out  # the printed table

    summary = json.loads((out / "summary.json").read_text())
    assert set(summary["metrics"]) == set(expected["metrics"])
    for dataset, metrics in expected["metrics"].items():
        for key, value in metrics.items():
            assert summary["metrics"][dataset][key] == pytest.approx(value, abs=1e-12), (dataset, key)
    low, high = summary["metrics"]["toy"]["mean@n:n=4:ci95"]  # Wilson over 2 problems: wide, honestly
    assert low == pytest.approx(0.1417, abs=1e-3) and high == pytest.approx(0.9439, abs=1e-3)

    records = [json.loads(line) for line in (out / "toy.jsonl").read_text().splitlines()]
    assert [(r["index"], r["sample"]) for r in records] == [(i, s) for i in (0, 1) for s in range(4)]
    assert [r["answer_group"] for r in records[:4]] == [0, 0, 1, 1]  # \frac{1}{2} and 0.5 vote together
    assert [r["pred"] for r in records[4:]] == ["7", "7", "7", None]
    assert (
        (out / "summary.csv")
        .read_text()
        .splitlines()[0]
        .startswith("dataset,n_problems,n_samples,mean@n:n=4,")
    )
    assert "| pooled | 3 | 12 | 41.7 |" in (out / "summary.md").read_text()
    assert "| Avg. | 3 | - | 31.2 |" in (out / "summary.md").read_text()  # n_samples: only pooled

    # Re-grading our own output elsewhere gives the same numbers; into the source directory it is refused.
    again = tmp_path / "again"
    assert main(["eval", "--from-generations", str(out), "--out", str(again)]) == 0
    assert json.loads((again / "summary.json").read_text())["metrics"] == summary["metrics"]
    assert main(["eval", "--from-generations", str(again), "--out", str(out)]) == EXIT_CONFIG_ERROR
    assert "holds results of a different run" in capsys.readouterr().err


def test_missing_generations_and_missing_out_are_clear_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["eval", "--from-generations", str(tmp_path / "none.jsonl"), "--out", str(tmp_path)]) == 1
    assert "none.jsonl: no such file or directory" in capsys.readouterr().err
    assert main(["eval", "--from-generations", str(GENERATIONS)]) == EXIT_CONFIG_ERROR
    assert "--from-generations needs --out" in capsys.readouterr().err
