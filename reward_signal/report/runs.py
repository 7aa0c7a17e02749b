"""Read one run directory (run.json, metrics attempts, eval summary) into arrays the report can use.

Nothing here is fatal for a single run: a missing or unreadable input is recorded in `RunData.missing`,
so the report still shows the run with what it has and says what was absent.
"""

from __future__ import annotations

import glob
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from reward_signal.common.errors import KitError
from reward_signal.common.jsonl import BadLine, read_jsonl
from reward_signal.eval.summary import MACRO, POOLED
from reward_signal.report.metric_keys import (
    ACCURACY_REWARD_TYPE,
    LABELS,
    OPTIONAL_KEYS,
    TRAIN_KEYS,
    eval_mean_key,
    parse_validation_key,
)
from reward_signal.report.mlflow_store import ASSUMED_REWARD_TYPE, is_mlflow_run
from reward_signal.report.mlflow_store import merged_metrics as mlflow_metrics
from reward_signal.report.mlflow_store import run_meta as mlflow_meta
from reward_signal.report.rollouts import has_reward_accuracy, rollout_accuracy, rollout_files
from reward_signal.report.series import Series

AVERAGE_ROWS = frozenset({MACRO, POOLED, "overall"})  # "overall": the pooled row of older summaries


@dataclass
class RunData:
    """Everything the report knows about one run."""

    name: str
    path: Path
    meta: dict[str, Any]
    attempts: int = 0
    complete: bool = False  # TRAINING_COMPLETE marker: written when `reward-signal train` exited 0
    train: dict[str, Series] = field(default_factory=dict)
    heldout: dict[str, Series] = field(default_factory=dict)  # benchmark -> validation accuracy
    final_eval: dict[str, float] = field(default_factory=dict)  # benchmark -> eval summary mean@n
    # How final_eval was sampled, e.g. "eval mean@16 temperature=0.6 top_p=0.95 max_tokens=8192".
    eval_protocol: str = ""
    # benchmark -> {"pass@k": {k: value}, "maj@k": {k: value}} from eval/summary.json
    eval_curves: dict[str, dict[str, dict[int, float]]] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    bad_lines: list[BadLine] = field(default_factory=list)

    @property
    def last_step(self) -> int | None:
        steps = [int(s.steps[-1]) for s in (*self.train.values(), *self.heldout.values()) if len(s)]
        return max(steps) if steps else None


COMPLETION_MARKER = "TRAINING_COMPLETE"


def is_run_dir(path: Path) -> bool:
    """A launcher run directory, or an experiment logged to an MLflow file store (the seed's layout)."""
    return (path / "run.json").is_file() or (path / "metrics").is_dir() or is_mlflow_run(path)


def _runs_at(path: Path) -> list[Path]:
    """`path` itself when it is a run directory, else the run directories directly inside it."""
    if not path.is_dir():
        return []
    if is_run_dir(path):
        return [path]
    return [child for child in sorted(path.iterdir()) if child.is_dir() and is_run_dir(child)]


def find_run_dirs(patterns: list[str]) -> list[Path]:
    """Expand run directories, globs and parent directories (e.g. `runs/`) into sorted run directories.

    A glob may also match other files and folders (`runs/*` next to a README); only a pattern that
    yields no run directory at all is an error.
    """
    found: dict[Path, None] = {}
    for pattern in patterns:
        matches = sorted(glob.glob(pattern)) if glob.has_magic(pattern) else [pattern]
        runs = [run.resolve() for match in matches for run in _runs_at(Path(match))]
        if not runs:
            what = "no path matches" if not matches else "no run directory (run.json, metrics/ or mlflow/) in"
            raise KitError(f"{what} {pattern!r}: pass run directories (runs/<experiment>), a glob, or runs/")
        found.update(dict.fromkeys(runs))
    return sorted(found, key=lambda p: (p.name, str(p)))


def merge_attempts(paths: list[Path], bad_lines: list[BadLine]) -> dict[int, dict[str, float]]:
    """Merge `{"step", "data"}` lines of several attempts by step; a later attempt's value wins per key."""
    merged: dict[int, dict[str, float]] = {}
    for path in sorted(paths):  # attempt-<UTC timestamp> names sort in time order
        for lineno, record in read_jsonl(path, required=("step", "data"), bad_lines=bad_lines):
            step, data = record["step"], record["data"]
            if not isinstance(step, int) or not isinstance(data, dict):
                bad_lines.append(BadLine(path, lineno, "`step` must be an integer and `data` an object"))
                continue
            numbers = {
                k: float(v) for k, v in data.items() if isinstance(v, int | float) and not isinstance(v, bool)
            }
            merged.setdefault(step, {}).update(numbers)
    return merged


def _series(merged: dict[int, dict[str, float]], key: str) -> Series | None:
    points = [
        (step, row[key]) for step, row in sorted(merged.items()) if key in row and math.isfinite(row[key])
    ]
    if not points:
        return None
    steps, values = zip(*points, strict=True)
    return Series(key, np.asarray(steps, dtype=np.int64), np.asarray(values, dtype=np.float64))


def _first_series(merged: dict[int, dict[str, float]], keys: tuple[str, ...]) -> Series | None:
    for key in keys:
        if (series := _series(merged, key)) is not None:
            return series
    return None


def _absent(quantity: str) -> str:
    hint = (
        " nor rollouts/<step>.jsonl `acc`; --regrade-rollouts grades the dumps"
        if quantity == "train_acc"
        else ""
    )
    return f"{LABELS[quantity]} (none of {', '.join(TRAIN_KEYS[quantity])}{hint})"


def _validation(merged: dict[int, dict[str, float]], reward_type: str | None) -> dict[str, Series]:
    """Held-out accuracy per benchmark: `acc` mean@n (largest n); `reward` only when reward is accuracy."""
    chosen: dict[str, tuple[int, int, str]] = {}  # benchmark -> (var rank, n, key)
    keys = {key for row in merged.values() for key in row}
    for key in sorted(keys):
        parsed = parse_validation_key(key)
        if parsed is None:
            continue
        benchmark, var, n = parsed
        if var == "acc":
            rank = 1
        elif var == "reward" and reward_type == ACCURACY_REWARD_TYPE:
            rank = 0
        else:
            continue
        chosen[benchmark] = max(chosen.get(benchmark, (-1, -1, "")), (rank, n, key))
    result = {}
    for benchmark, (_, _, key) in sorted(chosen.items()):
        series = _series(merged, key)
        if series is not None:
            result[benchmark] = series
    return result


def _read_json(path: Path, run: RunData, what: str) -> dict[str, Any] | None:
    if not path.is_file():
        run.missing.append(f"{what} ({path.name})")
        return None
    try:
        obj = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        run.missing.append(f"{what} ({path.name} unreadable: {exc})")
        return None
    if not isinstance(obj, dict):
        run.missing.append(f"{what} ({path.name} is not a JSON object)")
        return None
    return obj


def eval_protocol(summary: dict[str, Any], n: int) -> str:
    """The sampling behind an eval summary, in a form two numbers can be compared by."""
    sampling = summary.get("sampling") if isinstance(summary.get("sampling"), dict) else {}
    settings = " ".join(f"{k}={sampling[k]}" for k in ("temperature", "top_p", "max_tokens") if k in sampling)
    return f"eval mean@{n}" + (f" {settings}" if settings else "")


_K_METRIC = re.compile(r"^(?P<kind>pass@k|maj@k):k=(?P<k>\d+)&n=\d+$")


def eval_k_curves(summary: dict[str, Any]) -> dict[str, dict[str, dict[int, float]]]:
    """benchmark -> {"pass@k": {k: value}, "maj@k": {k: value}} from an eval summary's metrics."""
    metrics = summary.get("metrics") if isinstance(summary.get("metrics"), dict) else {}
    curves: dict[str, dict[str, dict[int, float]]] = {}
    for dataset, values in sorted(metrics.items()):
        if dataset in AVERAGE_ROWS or not isinstance(values, dict):
            continue
        for key, value in values.items():
            if (match := _K_METRIC.match(key)) and isinstance(value, int | float):
                curves.setdefault(dataset, {}).setdefault(match["kind"], {})[int(match["k"])] = float(value)
    return curves


def _final_eval(summary: dict[str, Any], run: RunData) -> tuple[dict[str, float], str]:
    """Per-benchmark mean@n of an eval summary (the averages over benchmarks are recomputed, not read)."""
    metrics = summary.get("metrics")
    if not isinstance(metrics, dict):
        run.missing.append("final evaluation (eval/summary.json has no `metrics` object)")
        return {}, ""
    result, ns = {}, set()
    for dataset, values in sorted(metrics.items()):
        if dataset in AVERAGE_ROWS or not isinstance(values, dict):
            continue
        key = eval_mean_key(values)
        if key is not None and isinstance(values[key], int | float):
            result[dataset] = float(values[key])
            ns.add(int(key.rsplit("=", 1)[1]))
    if not result:
        run.missing.append("final evaluation (eval/summary.json has no mean@n:n=N metric)")
        return {}, ""
    return result, eval_protocol(summary, min(ns))


def _training_accuracy(run: RunData, regrade_rollouts: bool) -> Series | None:
    """True accuracy on training batches when no metric holds it: the reward itself under rule_based,
    else the rollout dumps (their `acc`, or regraded on request)."""
    reward = run.train.get("reward")
    if reward is not None and run.meta.get("reward_type") == ACCURACY_REWARD_TYPE:
        return Series(f"{reward.source} (reward is accuracy)", reward.steps, reward.values)
    files = rollout_files(run.path)
    if not files:
        return None
    if has_reward_accuracy(files):
        return rollout_accuracy(files, regrade=False, bad_lines=run.bad_lines)
    return rollout_accuracy(files, regrade=True, bad_lines=run.bad_lines) if regrade_rollouts else None


def _metrics(path: Path, run: RunData) -> dict[int, dict[str, float]]:
    """Every logged value by step: the launcher's metrics attempts, else an MLflow file store."""
    attempts = sorted((path / "metrics").glob("attempt-*.jsonl"))
    if attempts:
        run.attempts = len(attempts)
        return merge_attempts(attempts, run.bad_lines)
    if is_mlflow_run(path):
        merged, run.attempts = mlflow_metrics(path, run.bad_lines)
        return merged
    run.missing.append("training metrics (metrics/attempt-*.jsonl or mlflow/<experiment>/<run>/metrics)")
    return {}


def load_run(path: Path, regrade_rollouts: bool = False) -> RunData:
    """Read a run directory; every absent input is noted in `missing`, never raised."""
    run = RunData(name=path.name, path=path, meta={})
    if not is_mlflow_run(path):
        run.meta = _read_json(path / "run.json", run, "run metadata") or {}
    else:
        given = _read_json(path / "run.json", RunData(name="", path=path, meta={}), "") or {}
        run.meta = {**mlflow_meta(path), **given}
        if "reward_type" not in run.meta:
            run.meta["reward_type"] = ASSUMED_REWARD_TYPE
            run.missing.append(
                f"reward type (not in MLflow params; assumed {ASSUMED_REWARD_TYPE}, the seed scripts' "
                'REWARD_MODEL_TYPE: write run.json {"reward_type": ...} beside mlflow/ to set it)'
            )
    if isinstance(run.meta.get("experiment"), str) and run.meta["experiment"]:
        run.name = run.meta["experiment"]
    run.complete = (path / COMPLETION_MARKER).is_file()
    merged = _metrics(path, run)
    reward_type = run.meta.get("reward_type")
    for quantity, keys in {**TRAIN_KEYS, **OPTIONAL_KEYS}.items():
        if (series := _first_series(merged, keys)) is not None:
            run.train[quantity] = series
    if "train_acc" not in run.train and (series := _training_accuracy(run, regrade_rollouts)) is not None:
        run.train["train_acc"] = series
    if merged:
        run.missing += [_absent(quantity) for quantity in TRAIN_KEYS if quantity not in run.train]
    run.heldout = _validation(merged, reward_type)
    if merged and not run.heldout:
        run.missing.append("held-out validation accuracy (no val-core/<data_source>/acc/mean@N keys)")
    if (path / "eval" / "summary.json").is_file() or (path / "run.json").is_file():
        summary = _read_json(path / "eval" / "summary.json", run, "final evaluation")
        if summary is not None:
            run.final_eval, run.eval_protocol = _final_eval(summary, run)
            run.eval_curves = eval_k_curves(summary)
    unevaluated = sorted(set(run.heldout) - set(run.final_eval)) if run.final_eval else []
    if unevaluated:
        run.missing.append(
            f"final accuracy of {', '.join(unevaluated)} (validated, but not in eval/summary.json; their "
            "validation values are not mixed with eval numbers)"
        )
    return run


@dataclass(frozen=True)
class BaseEval:
    """A base model's final evaluation, to measure each run's gain over the model it started from."""

    model: str
    accuracy: dict[str, float]
    path: Path
    protocol: str
    curves: dict[str, dict[str, dict[int, float]]] = field(default_factory=dict)


def load_base(spec: str) -> BaseEval:
    """Read `[MODEL=]EVAL_DIR` (a `reward-signal eval --out` directory); the model defaults to summary.json's."""
    model, _, directory = spec.partition("=") if "=" in spec else ("", "", spec)
    summary_path = Path(directory) / "summary.json"
    holder = RunData(name="base", path=Path(directory), meta={})
    summary = _read_json(summary_path, holder, "base evaluation")
    accuracy, protocol = _final_eval(summary, holder) if summary is not None else ({}, "")
    if holder.missing:
        raise KitError(f"--base {spec}: {holder.missing[0]}; pass a `reward-signal eval --out` directory")
    model = model or str(summary.get("model") or "")
    if not model:
        raise KitError(f"--base {spec}: {summary_path} has no `model`; write --base MODEL={directory}")
    return BaseEval(model, accuracy, summary_path, protocol, eval_k_curves(summary))
