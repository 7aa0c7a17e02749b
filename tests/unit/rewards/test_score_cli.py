"""`reward-signal reward score` end to end through the real CLI entry point."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from reward_signal.cli import main
from tests.conftest import ASSETS, REPO_ROOT

SAMPLE = ASSETS / "rewards" / "sample_responses.jsonl"


def _score(*args: str) -> int:
    """Run `reward-signal reward score` on the sample file with a 1 s bound (its power tower times out)."""
    return main(["reward", "score", "--input", str(SAMPLE), "--timeout", "1", *args])


def test_scores_sample_file_and_writes_records(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "scored.jsonl"
    assert _score("--type", "rule_based", "--out", str(out)) == 0
    printed = capsys.readouterr().out
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(records) == 12
    assert [r["line"] for r in records] == list(range(1, 13))
    assert "scored 12 responses" in printed and "mean acc 0.7500" in printed and "timeouts 1" in printed


def test_malformed_lines_are_reported_with_line_numbers_and_skipped(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        "\n".join(
            [
                json.dumps({"solution_str": "\\boxed{1}", "ground_truth": "1"}),
                "{not json",
                json.dumps({"solution_str": "\\boxed{1}"}),
                json.dumps({"solution_str": 5, "ground_truth": "1"}),
                json.dumps([1, 2]),
                json.dumps({"solution_str": "\\boxed{2}", "ground_truth": "1", "extra_info": "x"}),
                json.dumps({"solution_str": "\\boxed{2}", "ground_truth": "2"}),
            ]
        )
        + "\n"
    )
    assert main(["reward", "score", "--input", str(bad), "--type", "format"]) == 0
    printed = capsys.readouterr().out
    assert "scored 2 responses" in printed and "skipped 5 malformed line(s)" in printed
    for lineno, reason in [
        (2, "not valid JSON"),
        (3, "missing key(s) ground_truth"),
        (4, "solution_str must be"),
    ]:
        assert f"bad.jsonl:{lineno}: {reason}" in printed
    assert "bad.jsonl:5:" in printed and "bad.jsonl:6: extra_info must be an object" in printed


def test_majority_vote_lines_need_a_prompt_key(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    lines = tmp_path / "votes.jsonl"
    rows = [
        ("\\boxed{5}", {"index": 1}),
        ("\\boxed{5.0}", {"index": 1}),
        ("\\boxed{4}", {"index": 1}),
        ("\\boxed{4}", None),
    ]
    lines.write_text(
        "".join(json.dumps({"solution_str": s, "ground_truth": "4", "extra_info": e}) + "\n" for s, e in rows)
    )
    out = tmp_path / "out.jsonl"
    assert main(["reward", "score", "--input", str(lines), "--type", "majority_vote", "--out", str(out)]) == 0
    assert "votes.jsonl:4: majority_vote groups responses by prompt" in capsys.readouterr().out
    assert [json.loads(line)["score"] for line in out.read_text().splitlines()] == [1.0, 1.0, 0.0]


def test_params_and_errors(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert _score("--type", "random", "--param", "p=1") == 0
    assert "mean score 1.0000" in capsys.readouterr().out
    assert _score("--type", "random", "--param", "q=1") == 78
    assert "has no parameter(s) q" in capsys.readouterr().err
    assert main(["reward", "score", "--input", str(tmp_path / "missing.jsonl")]) == 1
    assert "no such file" in capsys.readouterr().err


def test_cli_module_does_not_import_heavy_libraries() -> None:
    code = (
        "import sys; from reward_signal.cli import build_parser; build_parser();"
        "import reward_signal.rewards.cli, reward_signal.rewards;"
        "heavy = [m for m in ('torch', 'ray', 'verl', 'math_verify', 'sympy', 'transformers', 'pandas') if m in sys.modules];"
        "print(heavy)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO_ROOT, check=True
    )
    assert out.stdout.strip() == "[]"
