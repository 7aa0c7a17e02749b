"""Which runs may be averaged together, and the interval every cross-run number carries.

Rule: runs are averaged only when they differ in nothing but the seed. "Nothing" is read from the
resolved training config (config.yaml written by the launcher, or the MLflow params of a seed run),
without the keys that differ between any two runs by construction (names, output paths, seeds). Runs
without a config fall back to run.json's model, reward type and parameters, algorithm and data size.

A data-scale line joins cells that also differ in the training data (files, and the epoch count a
sweep scales with it); everything else still has to match, and when two lines of one model and reward
type differ in some setting, their labels name it.
"""

from __future__ import annotations

import functools
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from reward_signal.eval.metrics import wilson_interval
from reward_signal.report.benchmarks import problem_count
from reward_signal.report.diagnostics import Analysed

# Config keys (any path component; also any `*_seed`, e.g. data_loader_seed) that differ between runs
# by construction.
VOLATILE = frozenset(
    {
        "seed",
        "experiment_name",
        "project_name",
        "default_local_dir",
        "rollout_data_dir",
        "validation_data_dir",
        "ray_kwargs",
        "logger",
        "resume_mode",
        "resume_from_path",
        "val_files",  # the same sets at another path on another machine
    }
)
# Keys a data-scale sweep changes together with the training data.
DATA_KEYS = frozenset({"train_files", "total_epochs", "total_training_steps"})
AVG = "Avg."
POOLED = "pooled"  # every problem weighs the same (benchmark sizes from the data manifest)


def _flatten(value: Any, prefix: str = "") -> dict[str, str]:
    if isinstance(value, dict):
        out: dict[str, str] = {}
        for key, inner in value.items():
            out.update(_flatten(inner, f"{prefix}{key}."))
        return out
    return {prefix.rstrip("."): repr(value)}


@functools.cache
def _config_of(path: Path) -> dict[str, str] | None:
    """The flattened config.yaml, or MLflow params (one file per `/`-separated key), of a run directory."""
    config = path / "config.yaml"
    if config.is_file():
        import yaml

        loaded = yaml.safe_load(config.read_text(encoding="utf-8"))
        return _flatten(loaded) if isinstance(loaded, dict) else None
    params = sorted((path / "mlflow").glob("*/*/params"))
    if params:
        root = params[-1]
        return {
            f.relative_to(root).as_posix().replace("/", "."): f.read_text(encoding="utf-8").strip()
            for f in root.rglob("*")
            if f.is_file()
        }
    return None


def _volatile(key: str, drop: frozenset[str]) -> bool:
    parts = key.split(".")
    return bool(set(parts) & (VOLATILE | drop)) or any(part.endswith("_seed") for part in parts)


def _stable(flat: dict[str, str], drop: frozenset[str]) -> frozenset[tuple[str, str]]:
    return frozenset((k, v) for k, v in flat.items() if not _volatile(k, drop))


def setting(item: Analysed, with_data: bool) -> frozenset[tuple[str, str]]:
    """What must match for two runs to be averaged (`with_data`) or to share a data-scale line."""
    flat = _config_of(item.run.path)
    if flat is None:
        meta = item.run.meta
        flat = {k: repr(meta.get(k)) for k in ("model", "reward_type", "reward_params", "algorithm")}
        if with_data:
            flat["train_data"] = repr(meta.get("train_data"))
    base = _stable(flat, frozenset() if with_data else DATA_KEYS)
    return (
        base
        | {("reward_type", item.reward_type), ("model", item.model)}
        | ({("train_prompts", repr(item.train_prompts))} if with_data else set())
    )


@dataclass(frozen=True)
class Estimate:
    """A cross-run number: mean over seeds with a 95% interval, and how it was obtained."""

    mean: float
    low: float
    high: float
    seeds: int
    how: str  # "t over seeds" or "Wilson over problems (1 seed)"

    def text(self) -> str:
        return (
            f"{self.mean:.3f} [{self.low:.3f}, {self.high:.3f}] ({self.seeds} seed{'s' * (self.seeds > 1)})"
        )


def _t_half(values: Sequence[float]) -> float:
    """Half-width of the 95% t interval of the mean over >= 2 seeds (never zero)."""
    from scipy.stats import t

    half = float(t.ppf(0.975, len(values) - 1) * np.std(values, ddof=1) / math.sqrt(len(values)))
    return max(half, 1e-9)  # identical seeds: still not a point


def seed_estimate(values: Sequence[float], problems: float | None) -> Estimate | None:
    """Mean accuracy over seeds; t interval with >= 2 seeds, else Wilson over the benchmark's `problems`."""
    if not values:
        return None
    mean = float(np.mean(values))
    if len(values) >= 2:
        half = _t_half(values)
        return Estimate(mean, max(0.0, mean - half), min(1.0, mean + half), len(values), "t over seeds")
    if problems is None:
        return Estimate(mean, float("nan"), float("nan"), 1, "1 seed, benchmark size unknown")
    low, high = wilson_interval(mean, problems)
    return Estimate(mean, low, high, 1, "Wilson over problems (1 seed)")


def gain_estimate(gains: Sequence[float], level: float, problems: float | None) -> Estimate | None:
    """Mean gain (a difference, so never clipped to [0, 1]) over seeds: t interval with >= 2 seeds; for one
    seed, the normal interval of the difference of two independent accuracies near `level` (the run's),
    each measured on `problems` problems (run and base evaluated alike)."""
    if not gains:
        return None
    mean = float(np.mean(gains))
    if len(gains) >= 2:
        half = _t_half(gains)
        return Estimate(mean, mean - half, mean + half, len(gains), "t over seeds")
    if problems is None:
        return Estimate(mean, float("nan"), float("nan"), 1, "1 seed, benchmark size unknown")
    p = min(max(level, 0.5 / problems), 1 - 0.5 / problems)
    half = 1.96 * math.sqrt(2 * p * (1 - p) / problems)
    return Estimate(mean, mean - half, mean + half, 1, "binomial over problems, run and base (1 seed)")


def effective_problems(benchmarks: Sequence[str]) -> float | None:
    """Problems a single benchmark would need for the variance of the equal-weight mean of these."""
    counts = [problem_count(b) for b in benchmarks]
    if not counts or any(c is None for c in counts):
        return None
    return len(counts) ** 2 / sum(1 / c for c in counts)  # type: ignore[operator]


def final_avg(item: Analysed, benchmarks: Sequence[str]) -> float | None:
    """A run's final Avg. over `benchmarks` (None unless it has all of them)."""
    values = [item.diag.final.get(b) for b in benchmarks]
    return float(np.mean(values)) if values and all(v is not None for v in values) else None


def final_pooled(item: Analysed, benchmarks: Sequence[str]) -> float | None:
    """A run's final accuracy over all problems of `benchmarks` (None unless every size is known)."""
    counts = [problem_count(b) for b in benchmarks]
    values = [item.diag.final.get(b) for b in benchmarks]
    if not counts or any(c is None for c in counts) or any(v is None for v in values):
        return None
    return float(sum(c * v for c, v in zip(counts, values, strict=True)) / sum(counts))  # type: ignore[misc]


@dataclass
class Cell:
    """Runs that differ only in their seed."""

    model: str
    reward_type: str
    train_prompts: int | None
    line: frozenset[tuple[str, str]]
    items: list[Analysed]

    @property
    def protocol(self) -> str:
        return self.items[0].diag.final_from

    def estimate(self, benchmark: str, benchmarks: Sequence[str]) -> Estimate | None:
        """Final accuracy on one benchmark, or Avg. / pooled over `benchmarks`, across the cell's seeds."""
        if benchmark == AVG:
            values = [v for item in self.items if (v := final_avg(item, benchmarks)) is not None]
            return seed_estimate(values, effective_problems(benchmarks))
        if benchmark == POOLED:
            values = [v for item in self.items if (v := final_pooled(item, benchmarks)) is not None]
            counts = [problem_count(b) for b in benchmarks]
            return seed_estimate(values, None if None in counts else float(sum(counts)))  # type: ignore[arg-type]
        values = [item.diag.final[benchmark] for item in self.items if benchmark in item.diag.final]
        return seed_estimate(values, problem_count(benchmark))


def cells(items: Sequence[Analysed]) -> list[Cell]:
    """Group runs into cells of seeds; a cell never mixes final-accuracy protocols (split by it)."""
    grouped: dict[tuple[Any, ...], Cell] = {}
    for item in items:
        protocol = ("protocol", item.diag.final_from)
        key = (setting(item, with_data=True), protocol)
        if key not in grouped:
            line = setting(item, with_data=False) | {protocol}
            grouped[key] = Cell(item.model, item.reward_type, item.train_prompts, line, [])
        grouped[key].items.append(item)
    return sorted(
        grouped.values(), key=lambda c: (c.model, c.reward_type, c.train_prompts or 0, sorted(c.line))
    )


def line_labels(all_cells: Sequence[Cell]) -> dict[frozenset[tuple[str, str]], str]:
    """`reward type` per data-scale line, plus the settings that tell apart lines of one model and type."""
    by_type: dict[tuple[str, str], set[frozenset[tuple[str, str]]]] = defaultdict(set)
    for cell in all_cells:
        by_type[(cell.model, cell.reward_type)].add(cell.line)
    labels = {}
    for (_, reward_type), lines in by_type.items():
        shared = frozenset.intersection(*lines)
        for line in lines:
            extra = sorted(f"{k.rsplit('.', 1)[-1]}={v}" for k, v in line - shared if k != "reward_type")
            labels[line] = reward_type + (f" ({', '.join(extra[:2])})" if extra else "")
    return labels
