"""True training-batch accuracy from the rollout dumps (`trainer.rollout_data_dir` = `<run>/rollouts/`).

VERL 0.9.1 does not log the reward's `acc` for training batches, so under a degraded reward the
metrics alone cannot say whether the policy got *better* or only got *paid*. The dumps can: VERL writes
`rollouts/<step>.jsonl`, one line per sampled response. The legacy trainer (`trainer.use_v1=false`)
puts the reward's extra fields (our `acc`) on each line; the default v1 trainer writes only `output`
and `gts`, which `regrade=True` grades with the kit's rule-based grader (slow: every response, so each
step's result is cached). Runs launched by the kit since the VERL plugin (reward_signal/verl_plugin.py)
log `train/acc/mean` every step and need neither.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import numpy as np
from tqdm import tqdm

from reward_signal.common.files import write_json
from reward_signal.common.jsonl import BadLine, read_jsonl
from reward_signal.report.series import Series

SOURCE_ACC = "rollouts/<step>.jsonl acc"
SOURCE_REGRADED = "rollouts/<step>.jsonl regraded"
CACHE_DIR = "regraded"


def rollout_files(run_dir: Path) -> list[tuple[int, Path]]:
    """(step, file) for every `rollouts/<step>.jsonl`, in step order."""
    directory = run_dir / "rollouts"
    if not directory.is_dir():
        return []
    return sorted((int(path.stem), path) for path in directory.glob("*.jsonl") if path.stem.isdigit())


def has_reward_accuracy(files: list[tuple[int, Path]]) -> bool:
    """Whether the dumps carry the reward's `acc` (checked on the first line of the first file)."""
    for _, record in read_jsonl(files[0][1], bad_lines=[]):
        return "acc" in record
    return False


def _numeric(value: object, path: Path, lineno: int, bad_lines: list[BadLine]) -> bool:
    if isinstance(value, int | float):
        return True
    bad_lines.append(BadLine(path, lineno, f"`acc` is {value!r}, not a number"))
    return False


def _logged_mean(path: Path, bad_lines: list[BadLine]) -> float | None:
    """Mean of the reward's `acc` over one step's dump, read line by line."""
    total, count = 0.0, 0
    for lineno, record in read_jsonl(path, required=("acc",), bad_lines=bad_lines):
        if _numeric(record["acc"], path, lineno, bad_lines):
            total, count = total + float(record["acc"]), count + 1
    return total / count if count else None


def _fingerprint(path: Path) -> dict[str, int]:
    stat = path.stat()
    return {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def _regraded_mean(path: Path, bad_lines: list[BadLine]) -> float | None:
    """The kit's grade of one step's dump, cached in rollouts/regraded/<step>.json (valid while the
    dump's size and mtime are unchanged; not written when the run directory is read-only)."""
    cache = path.parent / CACHE_DIR / f"{path.stem}.json"
    source = _fingerprint(path)
    if cache.is_file():
        try:
            cached = json.loads(cache.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            cached = {}
        if isinstance(cached, dict) and cached.get("source") == source:
            return cached.get("mean")
    pairs = [
        (str(r["output"]), str(r["gts"]))
        for _, r in read_jsonl(path, required=("output", "gts"), bad_lines=bad_lines)
    ]
    mean = None
    if pairs:
        from reward_signal.rewards import grade_many  # math-verify: only when asked to regrade

        grades = grade_many([o for o, _ in pairs], [g for _, g in pairs])
        mean = float(np.mean([g.correct for g in grades]))
    with contextlib.suppress(OSError):  # a read-only run directory: regrade again next time
        write_json(cache, {"source": source, "mean": mean, "responses": len(pairs)})
    return mean


def rollout_accuracy(files: list[tuple[int, Path]], regrade: bool, bad_lines: list[BadLine]) -> Series | None:
    """Mean true accuracy per step: the logged `acc`, or (regrade) the kit's grade of `output` vs `gts`.

    One step file at a time (a run can dump 500 steps x 500 responses); regraded means are cached.
    """
    steps, means = [], []
    bar = tqdm(files, desc="regrading rollouts" if regrade else "reading rollouts", unit="step", disable=None)
    for step, path in bar:
        mean = _regraded_mean(path, bad_lines) if regrade else _logged_mean(path, bad_lines)
        if mean is not None:
            steps.append(step)
            means.append(mean)
    if not steps:
        return None
    return Series(
        SOURCE_REGRADED if regrade else SOURCE_ACC,
        np.asarray(steps, dtype=np.int64),
        np.asarray(means, dtype=np.float64),
    )
