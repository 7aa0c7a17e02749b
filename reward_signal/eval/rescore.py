"""`reward-signal eval --from-generations`: re-grade saved responses on CPU and recompute every metric.

Accepts our own record files or any JSONL with `dataset`, `index`, `response` and `ground_truth`
(optional: `sample`, `response_tokens`, `finish_reason`), to compare graders or re-grade old runs.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

from reward_signal.common.errors import DataError
from reward_signal.common.files import ensure_writable_dir
from reward_signal.common.jsonl import BadLine, read_jsonl
from reward_signal.eval.meta import base_meta, claim_directory, meta_path
from reward_signal.eval.records import by_problem, records_path, write_problems
from reward_signal.eval.scoring import grade_problems
from reward_signal.eval.summary import compute_metrics, write_summary

REQUIRED = ("dataset", "index", "response", "ground_truth")


def generation_files(source: Path) -> list[Path]:
    """The JSONL file itself, or every `*.jsonl` in a directory."""
    if source.is_file():
        return [source]
    if source.is_dir():
        files = sorted(source.glob("*.jsonl"))
        if files:
            return files
        raise DataError(f"{source}: no *.jsonl files to re-score")
    raise DataError(f"--from-generations {source}: no such file or directory")


def load_generations(files: list[Path]) -> dict[str, list[dict[str, Any]]]:
    """Records by dataset; bad lines are reported (file and line number) and skipped.

    Records without a `sample` id are numbered in file order within their problem.
    """
    bad: list[BadLine] = []
    per_dataset: dict[str, list[dict[str, Any]]] = defaultdict(list)
    next_sample: dict[tuple[str, int], int] = defaultdict(int)
    for path in files:
        for _lineno, raw in read_jsonl(path, required=REQUIRED, bad_lines=bad):
            try:
                key = (str(raw["dataset"]), int(raw["index"]))
            except (TypeError, ValueError):
                bad.append(BadLine(path, _lineno, f"index {raw['index']!r} is not an integer"))
                continue
            record = {**raw, "dataset": key[0], "index": key[1]}
            record.setdefault("sample", next_sample[key])
            next_sample[key] = int(record["sample"]) + 1
            per_dataset[key[0]].append(record)
    for line in bad:
        print(f"warning: skipped {line}", file=sys.stderr)
    if not per_dataset:
        raise DataError(f"no usable records in {', '.join(map(str, files))}")
    return per_dataset


def _source_meta(files: list[Path]) -> dict[str, Any]:
    """The generating run's meta.json when the records sit next to one (model, sampling, step)."""
    path = meta_path(files[0].parent)
    try:
        return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    except (json.JSONDecodeError, UnicodeDecodeError):
        return {}


def rescore(source: Path, out_dir: Path, grade_timeout: float = 5.0) -> str:
    """Grade every record again, write them (with fresh pred/score/answer_group) and the summary to `out_dir`."""
    files = generation_files(source)
    per_dataset = load_generations(files)
    origin = _source_meta(files)
    ensure_writable_dir(out_dir)
    model = str(origin.get("model", "unknown"))
    sampling = dict(origin.get("sampling", {}))
    claim_directory(
        out_dir,
        base_meta(
            source=f"rescore:{source.resolve()}",
            model=model,
            weights=origin.get("weights"),
            checkpoint_step=origin.get("checkpoint_step"),
            sampling=sampling,
            prompt_template=origin.get("prompt_template"),
            datasets=list(per_dataset),
        ),
    )
    grouped = {name: list(by_problem(records).values()) for name, records in per_dataset.items()}
    grade_problems(
        [p for problems in grouped.values() for p in problems], timeout=grade_timeout, progress=True
    )
    for name, problems in grouped.items():
        write_problems(records_path(out_dir, name), problems)
    metrics = compute_metrics(grouped)
    return write_summary(out_dir, model, origin.get("checkpoint_step"), sampling, metrics)
