"""True training-batch accuracy from the rollout dumps (`trainer.rollout_data_dir` = `<run>/rollouts/`).

VERL 0.9.1 does not log the reward's `acc` for training batches, so under a degraded reward the
metrics alone cannot say whether the policy got *better* or only got *paid*. The dumps can: VERL writes
`rollouts/<step>.jsonl`, one line per sampled response. The legacy trainer (`trainer.use_v1=false`)
puts the reward's extra fields (our `acc`) on each line; the default v1 trainer writes only `output`
and `gts`, which `regrade=True` grades with the kit's rule-based grader (slow: every response).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from reward_signal.common.jsonl import BadLine, read_jsonl
from reward_signal.report.series import Series

SOURCE_ACC = "rollouts/<step>.jsonl acc"
SOURCE_REGRADED = "rollouts/<step>.jsonl regraded"


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


def rollout_accuracy(files: list[tuple[int, Path]], regrade: bool, bad_lines: list[BadLine]) -> Series | None:
    """Mean true accuracy per step: the logged `acc`, or (regrade) the kit's grade of `output` vs `gts`."""
    required = ("output", "gts") if regrade else ("acc",)
    per_step = []
    for step, path in files:
        records = [
            record
            for lineno, record in read_jsonl(path, required=required, bad_lines=bad_lines)
            if regrade or _numeric(record["acc"], path, lineno, bad_lines)
        ]
        if records:
            per_step.append((step, records))
    if not per_step:
        return None
    if regrade:
        from reward_signal.rewards import grade_many  # math-verify: only when asked to regrade

        grades = grade_many(
            [str(r["output"]) for _, records in per_step for r in records],
            [str(r["gts"]) for _, records in per_step for r in records],
            progress=True,
        )
        verdicts = iter(float(g.correct) for g in grades)
        means = [float(np.mean([next(verdicts) for _ in records])) for _, records in per_step]
    else:
        means = [float(np.mean([float(r["acc"]) for r in records])) for _, records in per_step]
    steps = np.asarray([step for step, _ in per_step], dtype=np.int64)
    return Series(SOURCE_REGRADED if regrade else SOURCE_ACC, steps, np.asarray(means, dtype=np.float64))
