"""Evaluation problems from manifest datasets or any VERL-schema parquet file (e.g. the synthetic control sets)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reward_signal.common.errors import DataError

DEFAULT_DATASETS = ("aime2024", "aime2025", "math500", "amc")


@dataclass(frozen=True)
class EvalProblem:
    """One prompt to sample; `index` is the row position, unique even when a file repeats a problem."""

    dataset: str
    index: int
    data_source: str
    messages: tuple[dict[str, str], ...]
    ground_truth: str


def dataset_key(name_or_path: str) -> str:
    """The name records and metrics are filed under: the manifest name, or a parquet file's stem."""
    return Path(name_or_path).stem if name_or_path.endswith(".parquet") else name_or_path


def _problem(dataset: str, row_no: int, row: dict[str, Any], path: Path) -> EvalProblem:
    where = f"{path}: row {row_no}"
    prompt = row.get("prompt")
    if not isinstance(prompt, list) or not prompt or not all(isinstance(m, dict) for m in prompt):
        raise DataError(f"{where}: column 'prompt' must be a non-empty list of {{role, content}} messages")
    reward_model = row.get("reward_model")
    if not isinstance(reward_model, dict) or reward_model.get("ground_truth") is None:
        raise DataError(f"{where}: column 'reward_model' must hold a 'ground_truth'")
    messages = tuple({"role": str(m.get("role")), "content": str(m.get("content"))} for m in prompt)
    return EvalProblem(
        dataset=dataset,
        index=row_no,
        data_source=str(row.get("data_source") or dataset),
        messages=messages,
        ground_truth=str(reward_model["ground_truth"]),
    )


def resolve_datasets(names: list[str]) -> dict[str, Path]:
    """Every dataset's file, checked up front; all problems (unknown names, unfetched files) in one error."""
    from reward_signal.data.manifest import dataset_path

    paths: dict[str, Path] = {}
    errors: list[str] = []
    keys: dict[str, str] = {}
    for name in names:
        try:
            paths[name] = dataset_path(name)
        except DataError as exc:
            errors.append(str(exc))
        other = keys.setdefault(dataset_key(name), name)
        if other != name:
            errors.append(f"{other} and {name} would both be filed as {dataset_key(name)!r}: rename one file")
    if errors:
        raise DataError("\n  ".join(["cannot evaluate these --datasets:", *errors]))
    return paths


def load_problems(name: str, path: Path, limit: int | None = None) -> list[EvalProblem]:
    """All problems of a resolved dataset (the first `limit` when given), in file order."""
    from reward_signal.data.parquet import read_rows

    rows = read_rows(path, columns=["data_source", "prompt", "reward_model"])
    if limit is not None:
        rows = rows[:limit]
    key = dataset_key(name)
    return [_problem(key, row_no, row, path) for row_no, row in enumerate(rows)]


def parse_dataset_list(text: str) -> list[str]:
    """`aime2024,amc,/path/x.parquet` -> names, duplicates dropped, order kept."""
    names = [part.strip() for part in text.split(",") if part.strip()]
    if not names:
        raise DataError("--datasets is empty: give manifest names or parquet paths, comma-separated")
    return list(dict.fromkeys(names))
