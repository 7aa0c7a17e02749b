"""Offline scoring of a JSONL file of responses: the body of `reward-signal reward score`."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reward_signal.common.errors import ConfigError
from reward_signal.common.files import atomic_open
from reward_signal.common.jsonl import BadLine, read_jsonl
from reward_signal.rewards.records import GROUP_REWARD_TYPES, prompt_key
from reward_signal.rewards.verl_entry import compute_score_batch

REQUIRED = ("solution_str", "ground_truth")


@dataclass
class Summary:
    """What a scoring run did, printed at the end."""

    path: str
    reward_type: str
    records: list[dict[str, Any]] = field(default_factory=list)
    bad_lines: list[BadLine] = field(default_factory=list)

    def render(self) -> str:
        count = len(self.records)
        mean = lambda key: sum(r[key] for r in self.records) / count if count else float("nan")  # noqa: E731
        lines = [
            f"scored {count} responses from {self.path} with reward type {self.reward_type}",
            f"  mean score {mean('score'):.4f}   mean acc {mean('acc'):.4f}   "
            f"format ok {mean('format_ok'):.4f}   timeouts {sum(int(r['timed_out']) for r in self.records)}",
        ]
        if self.bad_lines:
            lines.append(f"  skipped {len(self.bad_lines)} malformed line(s):")
            lines += [f"    {bad}" for bad in self.bad_lines]
        return "\n".join(lines)


def parse_params(pairs: list[str]) -> dict[str, Any]:
    """`K=V` strings to a dict; values are read as JSON when possible (numbers), else kept as text."""
    params: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ConfigError(f"--param {pair!r}: expected KEY=VALUE, e.g. --param p=0.2")
        try:
            params[key] = json.loads(value)
        except ValueError:
            params[key] = value
    return params


def _row_problem(row: dict[str, Any], reward_type: str) -> str | None:
    """Why a parsed line cannot be scored, or None."""
    for key in REQUIRED:
        if not isinstance(row[key], str):
            return f"{key} must be a string, got {type(row[key]).__name__}"
    if row.get("extra_info") is not None and not isinstance(row["extra_info"], dict):
        return f"extra_info must be an object, got {type(row['extra_info']).__name__}"
    if reward_type in GROUP_REWARD_TYPES and not prompt_key(row.get("extra_info")):
        return f"{reward_type} groups responses by prompt: add extra_info.uid or extra_info.index"
    return None


def score_file(
    path: str | Path, reward_type: str, params: dict[str, Any], timeout: float, out: str | Path | None
) -> Summary:
    """Score every valid line (bad ones are reported with their line number and skipped)."""
    summary = Summary(str(path), reward_type)
    rows: list[tuple[int, dict[str, Any]]] = []
    for lineno, row in read_jsonl(path, required=REQUIRED, bad_lines=summary.bad_lines):
        problem = _row_problem(row, reward_type)
        if problem:
            summary.bad_lines.append(BadLine(Path(path), lineno, problem))
        else:
            rows.append((lineno, row))
    summary.bad_lines.sort(key=lambda bad: bad.lineno)
    summary.records = compute_score_batch(
        [row.get("data_source") for _, row in rows],
        [row["solution_str"] for _, row in rows],
        [row["ground_truth"] for _, row in rows],
        [row.get("extra_info") for _, row in rows],
        progress=True,
        reward_type=reward_type,
        timeout=timeout,
        **params,
    )
    if out:
        with atomic_open(out) as handle:
            for (lineno, _), scored in zip(rows, summary.records, strict=True):
                handle.write(json.dumps({"line": lineno, **scored}, ensure_ascii=False) + "\n")
    return summary
