"""VERL plugin: log the reward's true accuracy (and format, timeout rates) for every training step.

Why: VERL 0.9.1's default v1 trainer logs only the reward *paid* for training batches. Its
`PPOTrainer._compute_metrics` reads tensors and `rm_scores` from TransferQueue, never the reward's
extra fields, so under a degraded reward nothing says whether the policy got better or only got paid.
The extras are there: the naive reward manager's `reward_extra_info` (our `acc`, `format_ok`,
`timed_out`) is stored per trajectory in TransferQueue under `extra_fields`, the same field the trainer
already reads for speculative-decoding statistics. This plugin wraps `_compute_metrics` to add
`train/<key>/mean` over the batch's non-padding rows for every numeric key.

How it is loaded: VERL imports the modules named in `VERL_USE_EXTERNAL_MODULES` at `import verl`, in
every process; the launcher sets it to this module for every run (reward_signal.launch.render). Importing
the trainer from there would drag torch, Ray and TransferQueue into every VERL process (and import it
while `verl` itself is half-initialised), so the patch is applied by an import hook the moment
`verl.trainer.ppo.v1.trainer_base` is loaded, and only in that process.

Pinned to VERL 0.9.1: on any other version it warns and does nothing, and
tests/unit/report/test_verl_plugin.py fails if the wrapped method's signature changes.
"""

from __future__ import annotations

import functools
import importlib.abc
import importlib.machinery
import logging
import math
import sys
import types
from collections.abc import Iterable, Sequence
from typing import Any

PINNED_VERL = "0.9.1"
TARGET_MODULE = "verl.trainer.ppo.v1.trainer_base"
PREFIX = "train/"
MARKER = "_reward_signal_plugin"

log = logging.getLogger(__name__)


def reward_extra_means(extra_fields: Iterable[Any], keep: Sequence[bool]) -> dict[str, float]:
    """`train/<key>/mean` of every numeric `reward_extra_info` key over the kept (non-padding) rows.

    Rows come as dicts or as tensordict NonTensorData (their `.data` is the dict). A key missing from
    some kept rows is averaged over the rows that have it; booleans count as 0/1; `score` is skipped
    (VERL already logs it as critic/score/mean).
    """
    sums: dict[str, float] = {}
    counts: dict[str, int] = {}
    for row, kept in zip(extra_fields, keep, strict=True):
        if not kept:
            continue
        fields = getattr(row, "data", row)
        info = fields.get("reward_extra_info") if isinstance(fields, dict) else None
        for key, value in (info or {}).items():
            if key == "score" or isinstance(value, str) or not isinstance(value, int | float | bool):
                continue
            if math.isfinite(float(value)):
                sums[key] = sums.get(key, 0.0) + float(value)
                counts[key] = counts.get(key, 0) + 1
    return {f"{PREFIX}{key}/mean": sums[key] / counts[key] for key in sorted(sums)}


def patch(trainer_base: types.ModuleType) -> bool:
    """Wrap `PPOTrainer._compute_metrics` of the given (pinned) trainer module; idempotent."""
    import verl

    if verl.__version__ != PINNED_VERL:
        log.warning(
            "reward_signal.verl_plugin is pinned to verl %s, found %s: train/acc/mean is not logged",
            PINNED_VERL,
            verl.__version__,
        )
        return False
    trainer = trainer_base.PPOTrainer
    original = trainer._compute_metrics
    if getattr(original, MARKER, False):
        return True

    @functools.wraps(original)
    def _compute_metrics(self, batch, metrics, timing_raw, global_steps, epoch):  # noqa: ANN001, ANN202
        original(self, batch, metrics, timing_raw, global_steps, epoch)
        data = trainer_base.tq.kv_batch_get(
            keys=batch.keys, partition_id=batch.partition_id, select_fields=["extra_fields"]
        )
        keep = [not tag.get("is_padding", False) for tag in batch.tags]
        metrics.update(reward_extra_means(list(data["extra_fields"]), keep))

    setattr(_compute_metrics, MARKER, True)
    trainer._compute_metrics = _compute_metrics
    return True


class _PatchOnImport(importlib.abc.MetaPathFinder):
    """Finds TARGET_MODULE through the other finders, and patches it right after it executes."""

    def find_spec(self, fullname, path, target=None):  # noqa: ANN001, ANN201 - importlib protocol
        if fullname != TARGET_MODULE:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None:
            return None
        execute = spec.loader.exec_module

        def exec_module(module: types.ModuleType) -> None:
            execute(module)
            patch(module)

        spec.loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


def install() -> None:
    """Patch now if the trainer is already imported, else as soon as it is."""
    if TARGET_MODULE in sys.modules:
        patch(sys.modules[TARGET_MODULE])
    elif not any(isinstance(finder, _PatchOnImport) for finder in sys.meta_path):
        sys.meta_path.insert(0, _PatchOnImport())


install()
