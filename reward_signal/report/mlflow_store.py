"""Read runs logged by VERL's `mlflow` logger to an MLflow *file* store, in the seed's layout.

The seed's scripts export `MLFLOW_TRACKING_URI=file://<save_dir>/<experiment>/mlflow`, so each run is
`<experiment>/mlflow/<experiment_id>/<run_id>/` with `meta.yaml`, `metrics/<key>` (one line per logged
value: `timestamp value step`; a key's `/` are directories), `params/<key>` (the flattened VERL config,
`/`-separated) and `tags/`. Reading the files directly needs no `mlflow` package and no server.

VERL's MLflow adapter rewrites `@` in metric keys to `_at_` (`val-core/<src>/acc/mean@8` is stored as
`.../mean_at_8`); keys are mapped back so both loggers give the report the same names. Several MLflow
runs under one experiment (a restarted job starts a new run) are merged by step in start-time order,
the later run winning, exactly like the launcher's metrics attempts.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from reward_signal.common.jsonl import BadLine

STORE = "mlflow"
ASSUMED_REWARD_TYPE = "rule_based"  # REWARD_MODEL_TYPE=RULE_BASED in every seed data-effect script
_AT = re.compile(r"(?<=/)(mean|std|best|worst|maj)_at_(\d+)")
_SIZE = re.compile(r"(\d+)(?:_upsample)?$")


def is_mlflow_run(path: Path) -> bool:
    """`path/mlflow/<experiment_id>/<run_id>/metrics` exists (the seed's layout)."""
    return any((path / STORE).glob("*/*/metrics"))


def _runs(path: Path) -> list[Path]:
    """MLflow run directories under `path/mlflow`, oldest first (meta.yaml start_time)."""
    import yaml

    found = []
    for run in (path / STORE).glob("*/*"):
        if not (run / "metrics").is_dir():
            continue
        meta = run / "meta.yaml"
        start = 0
        if meta.is_file():
            loaded = yaml.safe_load(meta.read_text(encoding="utf-8")) or {}
            start = int(loaded.get("start_time") or 0) if isinstance(loaded, dict) else 0
        found.append((start, str(run), run))
    return [run for _, _, run in sorted(found)]


def metric_name(key: str) -> str:
    """The name VERL logged, from the file-store key (`mean_at_8` -> `mean@8`)."""
    return _AT.sub(r"\1@\2", key)


def merged_metrics(path: Path, bad_lines: list[BadLine]) -> tuple[dict[int, dict[str, float]], int]:
    """{step: {metric: value}} over every MLflow run of the experiment at `path`, and the run count."""
    runs = _runs(path)
    merged: dict[int, dict[str, float]] = {}
    for run in runs:
        root = run / "metrics"
        for file in sorted(p for p in root.rglob("*") if p.is_file()):
            name = metric_name(file.relative_to(root).as_posix())
            with file.open(encoding="utf-8") as handle:
                for lineno, line in enumerate(handle, 1):
                    parts = line.split()
                    if not parts:
                        continue
                    try:
                        value, step = float(parts[1]), int(parts[2])
                    except (IndexError, ValueError):
                        bad_lines.append(BadLine(file, lineno, "expected `timestamp value step`"))
                        continue
                    merged.setdefault(step, {})[name] = value
    return merged, len(runs)


def _param(run: Path, key: str) -> str | None:
    file = run / "params" / key
    return file.read_text(encoding="utf-8").strip() if file.is_file() else None


def run_meta(path: Path) -> dict[str, Any]:
    """What run.json would say, from the newest MLflow run's params (absent keys are left out).

    The data size is the trailing number of the first training file's name (`qwen_math_64.parquet`,
    `llama_scp_16_upsample.parquet`), the seed scripts' naming. The reward type is not in the config (the
    seed picks it with the REWARD_MODEL_TYPE environment variable), so `load_run` assumes the seed's
    data-effect default and says so; a run.json beside mlflow/ overrides any of these keys.
    """
    runs = _runs(path)
    if not runs:
        return {}
    run = runs[-1]
    meta: dict[str, Any] = {"experiment": _param(run, "trainer/experiment_name") or path.name}
    model = _param(run, "actor_rollout_ref/model/path")
    if model:
        meta["model"] = model
    algorithm = _param(run, "algorithm/adv_estimator")
    if algorithm:
        meta["algorithm"] = algorithm
    seed = _param(run, "data/seed")
    if seed and seed.lstrip("-").isdigit():
        meta["seed"] = int(seed)
    train = _param(run, "data/train_files/0") or _param(run, "data/train_files")
    if train and (match := _SIZE.search(Path(train.strip("[]'\" ")).stem)):
        meta["train_prompts"] = int(match[1])
    return meta
