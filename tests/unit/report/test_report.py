"""The whole report on five synthetic runs: CSV numbers, flags, missing inputs, figures, HTML, determinism."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from reward_signal.cli import main
from reward_signal.report.build import build_report
from reward_signal.report.runs import load_base
from reward_signal.report.thresholds import Thresholds
from tests.unit.report.rundirs import REPORT_ASSETS, make_study

BASE = str(REPORT_ASSETS / "base-eval")


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_study(tmp_path_factory.mktemp("study"))


@pytest.fixture(scope="module")
def report(study: Path) -> Path:
    """Built once for the module: drawing figures is the slow part."""
    out = study.parent / "report"
    build_report([str(study)], out, Thresholds(window=2), [load_base(BASE)], jobs=1)
    return out


EXPECTED_CELLS = {
    "tiny-rule-based-resumed": {
        "attempts": "2",
        "complete": "true",  # TRAINING_COMPLETE is in the asset
        "last_step": "6",
        "final_train_reward": "0.675000",  # window 2: steps 5 (redone by attempt 2) and 6
        "final_amc": "0.360000",  # from eval/summary.json
        "best_amc": "0.370000",  # step 4 as re-validated by attempt 2
        "best_step_amc": "4",
        "final_math500": "0.560000",
        "best_math500": "0.570000",
        "best_step_math500": "4",
        "gain_amc": "0.080000",  # against base-eval
        "gain_math500": "0.070000",
        "heldout_peak_step": "4",
        "heldout_drop_after_peak": "0.020000",
        "overfit": "",  # 4 validation points: too few for the test (stats.MIN_POINTS)
        "final_gap": "0.225000",
    },
    "overfit-64": {
        "complete": "false",
        "heldout_peak_step": "8",
        "heldout_peak": "0.583333",  # best mean of 3 consecutive validations (steps 6, 8, 10)
        "heldout_last": "0.470000",  # mean of the last 3
        "best_step_math500": "8",
        "overfit": "true",
        "reward_hacking": "false",
        "final_amc": "",
        "gain_math500": "-0.050000",  # no eval: last vs step-0 validation
        "gain_from": "validation mean@8: last vs step 0",
    },
}


def _rows(out: Path) -> dict[str, dict[str, str]]:
    with open(out / "runs.csv", encoding="utf-8") as handle:
        return {row["run"]: row for row in csv.DictReader(handle)}


def test_csv_has_one_row_per_run_with_known_numbers(report: Path) -> None:
    rows = _rows(report)
    assert list(rows) == [
        "format-only-64",
        "noisy-128",
        "not-started",
        "overfit-64",
        "tiny-rule-based-resumed",
    ]
    for run, expected in EXPECTED_CELLS.items():
        assert {column: rows[run][column] for column in expected} == expected, run


def test_flags_and_missing_inputs(report: Path) -> None:
    rows = _rows(report)
    assert {name for name, row in rows.items() if row["reward_hacking"] == "true"} == {
        "format-only-64",
        "noisy-128",
    }
    assert {name for name, row in rows.items() if row["overfit"] == "true"} == {"overfit-64"}
    assert rows["format-only-64"]["acc_rise_from"] == "held-out"
    assert rows["noisy-128"]["acc_rise_from"] == "training batches"
    assert (
        rows["not-started"]["missing"]
        == "training metrics (metrics/attempt-*.jsonl or mlflow/<experiment>/<run>/metrics); "
        "final evaluation (summary.json)"
    )
    assert rows["not-started"]["reward_hacking"] == "" and rows["not-started"]["final_train_reward"] == ""
    markdown = (report / "report.md").read_text()
    assert (
        "format-only-64: reward hacking (reward paid rose +0.360, true accuracy on held-out rose +0.000 ± "
        in markdown
    )
    assert (
        "overfit-64: overfit (held-out Avg. peaked at step 8 with 0.583, ended at 0.470, drop 0.113 > "
        in markdown
    )
    assert "not-started (" in markdown and "training metrics (metrics/attempt-*.jsonl or mlflow/" in markdown
    assert "1 unreadable metrics line(s)" in markdown
    assert (
        "base-eval/summary.json, used for the 5 run(s) whose run.json model is Qwen/Qwen2.5-Math-1.5B"
        in markdown
    )


def test_every_figure_exists_and_is_a_non_blank_png(report: Path) -> None:
    linked = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", (report / "report.md").read_text())
    cross = {
        "data-scale.png",
        "reward-gain.png",
        "reward-hacking.png",
        "heldout-overlay.png",
        "reward-accuracy-overlay.png",
        "pass-at-k.png",
    }
    expected = cross | {f"run-{name}.png" for name in _rows(report)}
    names = {Path(p).name for p in linked}
    sweeps = {n for n in names if n.startswith("sweep-")}
    assert names - sweeps == expected
    # the seed's per-sweep set: rule_based has two sweeps (they differ in algorithm), the other types one
    assert {n.rsplit("-", 1)[-1] for n in sweeps} == {
        "reward_adv_length.png",
        "entropy_grad_norm.png",
        "math_benchmark.png",
    }
    for relative in linked:
        assert (report / relative).with_suffix(".pdf").read_bytes().startswith(b"%PDF")
        with Image.open(report / relative) as image:
            image.verify()
        with Image.open(report / relative) as image:
            assert round(image.info["dpi"][0]) >= 200, relative  # print resolution
        with Image.open(report / relative) as image:
            pixels = np.asarray(image.convert("L"), dtype=float)
        assert pixels.shape[0] > 200 and pixels.shape[1] > 300, relative
        assert pixels.std() > 5.0, f"{relative} looks blank"


def test_html_is_self_contained(report: Path) -> None:
    page = (report / "report.html").read_text()
    sources = re.findall(r'src="([^"]*)"', page)
    linked = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", (report / "report.md").read_text())
    assert len(sources) == len(linked) and all(s.startswith("data:image/png;base64,") for s in sources)
    assert "http://" not in page and "https://" not in page and "<link" not in page


def test_same_inputs_give_identical_outputs(study: Path, report: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    build_report([str(study / "*")], again, Thresholds(window=2), [load_base(BASE)], jobs=2)
    for name in (
        "runs.csv",
        "report.md",
        "report.html",
        "figures/data-scale.png",
        "figures/run-overfit-64.png",
    ):
        assert (again / name).read_bytes() == (report / name).read_bytes(), name


def test_cli_writes_the_report_and_names_bad_inputs(
    study: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "cli"
    stale, kept = out / "figures" / "run-deleted-run.png", out / "figures" / "my-notes.png"
    for path in (stale, kept):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"old")
    assert main(["report", str(study / "overfit-64"), "--out", str(out), "--overfit-drop", "0.2"]) == 0
    printed = capsys.readouterr().out
    assert "1 run(s): 0 flagged" in printed
    assert "true training accuracy: 1 from critic/score/mean (reward is accuracy)" in printed
    assert _rows(out)["overfit-64"]["overfit"] == "false"
    assert not stale.exists() and kept.exists()  # an earlier report's run figure, not the user's file
    assert main(["report", str(tmp_path / "missing-*"), "--out", str(out)]) == 1
    assert "no path matches" in capsys.readouterr().err
    assert main(["report", str(study), "--out", str(out), "--window", "0"]) == 1
    assert "--window must be >= 1" in capsys.readouterr().err
