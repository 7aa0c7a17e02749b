"""Per-sample records in `DIR/<dataset>.jsonl`: appended and fsynced one whole problem at a time.

A run killed at any moment loses at most the problem being written. On restart the file is
compacted (torn lines and incomplete problems dropped, atomically), so resuming never duplicates.
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from reward_signal.common.files import atomic_open
from reward_signal.common.jsonl import BadLine, read_jsonl

RECORD_KEYS = ("dataset", "index", "sample", "response", "ground_truth")


def records_path(out_dir: Path, dataset: str) -> Path:
    return out_dir / f"{dataset}.jsonl"


def read_records(path: Path, bad_lines: list[BadLine] | None = None) -> list[dict[str, Any]]:
    """Valid records of one file; malformed lines are reported with their line number and skipped."""
    return [record for _lineno, record in read_jsonl(path, required=RECORD_KEYS, bad_lines=bad_lines)]


def by_problem(records: Iterable[dict[str, Any]]) -> dict[int, list[dict[str, Any]]]:
    """Records grouped by problem index, each group in sample order, one record per sample id (first wins)."""
    groups: dict[int, dict[int, dict[str, Any]]] = defaultdict(dict)
    for record in records:
        groups[int(record["index"])].setdefault(int(record["sample"]), record)
    return {index: [samples[s] for s in sorted(samples)] for index, samples in sorted(groups.items())}


def _lines(records: Iterable[dict[str, Any]]) -> str:
    return "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records)


def write_problems(path: Path, problems: Iterable[list[dict[str, Any]]]) -> None:
    """Replace `path` atomically with these problems' records."""
    with atomic_open(path) as handle:
        for records in problems:
            handle.write(_lines(records))


class RecordFile:
    """One dataset's record file during a run of `n` samples per problem."""

    def __init__(self, out_dir: Path, dataset: str, n: int) -> None:
        self.path = records_path(out_dir, dataset)
        self.n = n

    def resume(self) -> set[int]:
        """Indices of problems already complete; rewrites the file with only those if anything else was there."""
        if not self.path.exists():
            return set()
        with self.path.open(encoding="utf-8", errors="replace") as handle:
            raw_lines = sum(1 for line in handle if line.strip())
        problems = by_problem(read_records(self.path))
        complete = {index: samples for index, samples in problems.items() if len(samples) == self.n}
        kept = sum(len(samples) for samples in complete.values())
        if kept != raw_lines:
            write_problems(self.path, complete.values())
        return set(complete)

    def append_problem(self, records: list[dict[str, Any]]) -> None:
        """Append one problem's records and fsync, so a completed problem survives a kill."""
        with open(self.path, "a", encoding="utf-8") as handle:
            handle.write(_lines(records))
            handle.flush()
            os.fsync(handle.fileno())
