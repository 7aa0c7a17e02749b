"""`reward-signal reward judge-audit` against a loopback judge with a known bias, through the real CLI."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from reward_signal.cli import main
from reward_signal.rewards.judge.audit import Agreement, percentile
from tests.judge_server import MODEL, judge_server

# The judge says Yes to 42 (right) and to 43 (wrong: a false positive), No to everything else,
# including the right answer written 42.0 (a false negative).
RULES = [["boxed{42}", "Yes"], ["boxed{43}", "Yes"]]
ROWS = [
    ("\\boxed{42}", 1),
    ("So \\boxed{42}", 1),
    ("\\boxed{43}", 0),
    ("\\boxed{41}", 0),
    ("Then \\boxed{41}", 0),
    ("\\boxed{42.0}", 1),
    ("\\boxed{40}", 1),  # the label disagrees with the dataset's answer
]


def test_agreement_statistics_by_hand() -> None:
    a = Agreement.of(
        [True, True, True, False, False, False, False], [True, True, False, False, False, True, False]
    )
    assert (a.true_pos, a.false_pos, a.false_neg, a.true_neg) == (2, 1, 1, 3)
    assert a.kappa == pytest.approx(10 / 24)
    assert a.false_positive_rate == pytest.approx(0.25) and a.false_negative_rate == pytest.approx(1 / 3)
    assert math.isnan(Agreement.of([True, True], [True, True]).kappa)  # chance agreement is 1
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.5 and percentile([5.0], 99) == 5.0
    assert math.isnan(percentile([], 50))


def _write(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows) + "not json\n")
    return path


def test_judge_audit_cli_reports_agreement_with_grader_and_labels(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = [
        {
            "solution_str": s,
            "ground_truth": "42",
            "question": "6 x 7?",
            "label": label,
            "extra_info": {"split": "test"},
        }
        for s, label in ROWS
    ]
    source = _write(tmp_path / "labeled.jsonl", rows)
    monkeypatch.setenv("GENRM_BASE_DELAY", "0")
    with judge_server(rules=RULES, default="No", latency=0.05) as server:
        code = main(
            ["reward", "judge-audit", "--input", str(source), "--type", "judge_orm"]
            + ["--endpoint", server.endpoint, "--model", MODEL, "--out", str(tmp_path / "audit.json")]
        )
        assert server.stats()["requests"] == len(ROWS)  # split "test" did not turn the audit into validation
    assert code == 0
    out = capsys.readouterr().out
    assert "Cohen's kappa 0.417" in out and "false-positive rate 0.250" in out
    assert "labeled.jsonl:8: not valid JSON" in out
    report = json.loads((tmp_path / "audit.json").read_text())
    rule, labels = report["vs_rule_based"], report["vs_labels"]
    assert (rule["true_pos"], rule["false_pos"], rule["false_neg"], rule["true_neg"]) == (2, 1, 1, 3)
    assert (labels["true_pos"], labels["false_pos"], labels["false_neg"], labels["true_neg"]) == (2, 1, 2, 2)
    assert labels["false_positive_rate"] == pytest.approx(1 / 3)
    latency = report["latency_seconds"]
    assert 0.05 <= latency["p50"] <= latency["p90"] <= latency["p99"] <= latency["max"]
    assert report["judged"] == len(ROWS) and report["failed"] == 0


def test_judge_audit_counts_a_judge_that_is_down(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = [{"solution_str": s, "ground_truth": "42", "question": "6 x 7?"} for s, _ in ROWS]
    source = _write(tmp_path / "unlabeled.jsonl", rows)
    monkeypatch.setenv("GENRM_BASE_DELAY", "0")
    monkeypatch.setenv("GENRM_MAX_RETRIES", "2")
    with judge_server(fail_first=1000, fail_status=503) as server:
        main(
            ["reward", "judge-audit", "--input", str(source), "--endpoint", server.endpoint, "--model", MODEL]
        )
    out = capsys.readouterr().out
    assert f"failed {len(ROWS)}" in out and "vs labels: no labels" in out


def test_judge_audit_rejects_non_judge_types_and_partial_labels(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _write(tmp_path / "x.jsonl", [{"solution_str": "a", "ground_truth": "1", "question": "q"}])
    args = [
        "reward",
        "judge-audit",
        "--input",
        str(source),
        "--endpoint",
        "http://127.0.0.1:9/v1",
        "--model",
        "m",
    ]
    assert main([*args, "--type", "rule_based"]) == 78
    assert "needs a judge reward type" in capsys.readouterr().err
    partial = _write(
        tmp_path / "p.jsonl",
        [
            {"solution_str": "a", "ground_truth": "1", "question": "q", "label": 1},
            {"solution_str": "b", "ground_truth": "1", "question": "q"},
        ],
    )
    assert main(["reward", "judge-audit", "--input", str(partial), *args[4:]]) != 0
    assert "label all or none" in capsys.readouterr().err
