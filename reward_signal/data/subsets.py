"""Difficulty-balanced data-scale subsets, by the seed study's exact water-filling rule.

Rule (seed README): keep rows whose difficulty for the chosen model (correct answers out of 16
samples) is an integer in 1..15, group them by difficulty in source order, then fill N slots
round by round: each round gives every still-non-empty group floor(remaining / active groups)
rows, capped by the smallest remaining group; when that floor is 0, one row goes to each active
group in ascending difficulty until N is reached. Rows are emitted round by round, group by
group, in ascending difficulty. Sizes below `upsample_to` also get the subset repeated to that size.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reward_signal.common.errors import DataError
from reward_signal.common.files import ensure_writable_dir

DIFFICULTY_COLUMN = "difficulty"
LEVELS = range(1, 16)  # 0 = never solved and 16 = always solved carry no learning signal
# Sources the seed drew published subsets from but never published itself (data_source -> what it was).
UNPUBLISHED_SOURCES = {
    "scp_10240": "the 10,240-row SCP science set with per-model difficulty",
}


def refuse_unpublished(source: str, rows: Sequence[dict[str, Any]] = ()) -> None:
    """Fail clearly when asked to rebuild subsets whose source the seed never published.

    The SCP subsets' rows carry `data_source: scp_10240` and a difficulty column, so water-filling over
    one of them would "work" and silently produce a subset of a subset; say what is missing instead.
    """
    named = source if source in UNPUBLISHED_SOURCES else None
    found = named or next(
        (str(row.get("data_source")) for row in rows if row.get("data_source") in UNPUBLISHED_SOURCES), None
    )
    if found is None:
        return
    raise DataError(
        f"{source}: these subsets come from {UNPUBLISHED_SOURCES[found]} ({found}), which the seed did not "
        "publish, so `data subsets` cannot rebuild them; fetch and verify the published ones instead "
        "(`reward-signal data fetch --only llama-3b-scp-2048 ...`, see `data fetch --list`)"
    )


@dataclass
class Subset:
    """One subset: its rows in emission order and how many came from each difficulty."""

    size: int
    rows: list[dict[str, Any]]
    per_difficulty: dict[int, int] = field(default_factory=dict)


def models_in(rows: Sequence[dict[str, Any]]) -> list[str]:
    """Model names that have a difficulty annotation in these rows."""
    names: set[str] = set()
    for row in rows:
        names.update((row.get(DIFFICULTY_COLUMN) or {}).keys())
    return sorted(names)


def _level(value: Any) -> int | None:
    """The difficulty as an int in 1..15, or None (missing, NaN, fractional, 0 or 16)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    if value != int(value) or int(value) not in LEVELS:
        return None
    return int(value)


def group_by_difficulty(rows: Sequence[dict[str, Any]], model: str) -> dict[int, list[dict[str, Any]]]:
    """Rows with a usable difficulty for `model`, grouped by level, each group in source order."""
    if rows and DIFFICULTY_COLUMN not in rows[0]:
        raise DataError(
            f"the source has no '{DIFFICULTY_COLUMN}' column; use the 8K file with difficulty "
            "(`reward-signal data fetch --only math8k-difficulty`) or add one per model"
        )
    known = models_in(rows)
    if model not in known:
        raise DataError(
            f"no difficulty for model {model!r} in the source; models present: {', '.join(known)}"
        )
    groups: dict[int, list[dict[str, Any]]] = {level: [] for level in LEVELS}
    for row in rows:
        level = _level((row.get(DIFFICULTY_COLUMN) or {}).get(model))
        if level is not None:
            groups[level].append(row)
    return groups


def water_fill(groups: dict[int, list[dict[str, Any]]], size: int) -> Subset:
    """Take `size` rows from the groups by equal allocation (see module docstring)."""
    available = sum(len(rows) for rows in groups.values())
    if size > available:
        raise DataError(f"size {size} is larger than the {available} rows with difficulty in 1..15")
    taken = dict.fromkeys(groups, 0)
    emitted: list[dict[str, Any]] = []
    remaining = size
    while remaining:
        active = sorted(level for level, rows in groups.items() if taken[level] < len(rows))
        share = remaining // len(active)
        if share == 0:
            grants = dict.fromkeys(active[:remaining], 1)
        else:
            share = min(share, min(len(groups[level]) - taken[level] for level in active))
            grants = dict.fromkeys(active, share)
        for level, count in grants.items():
            emitted += groups[level][taken[level] : taken[level] + count]
            taken[level] += count
        remaining -= sum(grants.values())
    return Subset(size, emitted, {level: n for level, n in taken.items() if n})


def upsample(subset: Subset, target: int) -> list[dict[str, Any]]:
    """The subset repeated as a block until it has `target` rows (the seed's `_upsample` files)."""
    repeats = -(-target // subset.size)
    return (subset.rows * repeats)[:target]


def default_prefix(model: str) -> str:
    """A file-name prefix from a model name, e.g. Qwen2.5-Math-1.5B -> qwen2.5-math-1.5b."""
    return re.sub(r"[^a-z0-9.]+", "-", model.lower()).strip("-")


def build_subsets(
    source: Path,
    model: str,
    sizes: Sequence[int],
    out_dir: Path,
    prefix: str | None = None,
    upsample_to: int | None = 64,
) -> list[tuple[Subset, list[Path]]]:
    """Write `<prefix>_<N>.parquet` (and `_upsample` files) for every size; check all sizes before writing."""
    from reward_signal.data.fetch import sha256_of
    from reward_signal.data.parquet import read_rows, read_schema, write_rows

    if not sizes or any(size <= 0 for size in sizes):
        raise DataError(f"sizes must be positive integers, got {list(sizes)}")
    rows = read_rows(source)
    refuse_unpublished(str(source), rows)
    groups = group_by_difficulty(rows, model)
    available = sum(len(group) for group in groups.values())
    too_big = [size for size in sizes if size > available]
    if too_big:
        raise DataError(
            f"size(s) {', '.join(map(str, too_big))} exceed the {available} rows of {source} whose "
            f"{model} difficulty is in 1..15; choose sizes up to {available}"
        )
    ensure_writable_dir(out_dir)
    schema = read_schema(source)
    prefix = prefix or default_prefix(model)
    provenance = {
        "model": model,
        "source": str(source),
        "source_sha256": sha256_of(source),
        "rule": "water-filling",
    }
    written = []
    for size in sizes:
        subset = water_fill(groups, size)
        meta = {**provenance, "size": size, "per_difficulty": subset.per_difficulty}
        paths = [write_rows(out_dir / f"{prefix}_{size}.parquet", subset.rows, meta, schema)]
        if upsample_to and size < upsample_to:
            rows_up = upsample(subset, upsample_to)
            meta_up = {**meta, "upsampled_to": upsample_to}
            paths.append(write_rows(out_dir / f"{prefix}_{size}_upsample.parquet", rows_up, meta_up, schema))
        written.append((subset, paths))
    return written


def counts_table(subsets: Sequence[Subset]) -> str:
    """Per-difficulty counts, one line per size, for the terminal."""
    header = "size  " + " ".join(f"{level:>4}" for level in LEVELS)
    lines = [header]
    for subset in subsets:
        cells = " ".join(f"{subset.per_difficulty.get(level, 0):>4}" for level in LEVELS)
        lines.append(f"{subset.size:>4}  {cells}")
    return "\n".join(lines)
