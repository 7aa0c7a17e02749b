"""Turn `--model` into loadable Hugging Face weights: a model directory or hub id as is, or a VERL
checkpoint (`.../global_step_N`, or a run's `checkpoints/` meaning the latest) merged with VERL's own
model merger into a cached directory inside the checkpoint."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from reward_signal.common.errors import KitError

TRACKER = "latest_checkpointed_iteration.txt"
MERGED_DIR = "huggingface_merged"
_STEP_RE = re.compile(r"^global_step_(\d+)$")
_HUB_ID_RE = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")
_SHARD_GLOB = "model_world_size_*_rank_*.pt"


@dataclass(frozen=True)
class ResolvedModel:
    """What the backends load (`weights`: directory or hub id) and where it came from."""

    weights: str
    checkpoint_step: int | None = None
    checkpoint_dir: Path | None = None


def _latest_step_dir(checkpoints: Path) -> Path:
    """The step named by VERL's tracker file, else the highest `global_step_N` (async saves skip the tracker)."""
    tracker = checkpoints / TRACKER
    if tracker.is_file():
        text = tracker.read_text(encoding="utf-8").strip()
        if not text.isdigit():
            raise KitError(f"{tracker}: expected a step number, found {text[:40]!r}")
        step_dir = checkpoints / f"global_step_{text}"
        if not step_dir.is_dir():
            raise KitError(f"{tracker} names step {text}, but {step_dir} does not exist")
        return step_dir
    steps = sorted(
        (int(m.group(1)), p) for p in checkpoints.iterdir() if p.is_dir() and (m := _STEP_RE.match(p.name))
    )
    if not steps:
        raise KitError(
            f"{checkpoints}: neither a Hugging Face model (no config.json) nor a VERL checkpoint "
            f"(no {TRACKER}, no global_step_N/): pass a model directory, a hub id or a checkpoint"
        )
    return steps[-1][1]


def merge_checkpoint(step_dir: Path) -> Path:
    """Merge the FSDP actor shards of `step_dir` to Hugging Face format once; later calls reuse the result.

    The merger writes into a temporary directory renamed into place at the end, so an interrupted
    merge is never mistaken for a finished one.
    """
    actor = step_dir / "actor"
    if not actor.is_dir() or not any(actor.glob(_SHARD_GLOB)):
        raise KitError(
            f"{step_dir}: no FSDP actor shards ({actor}/{_SHARD_GLOB}); this checkpoint cannot be evaluated. "
            f"Was it saved with the actor? Pass another global_step_N or a Hugging Face model directory"
        )
    target = step_dir / MERGED_DIR
    if (target / "config.json").is_file():
        return target
    if not (actor / "huggingface" / "config.json").is_file():
        raise KitError(
            f"{actor}/huggingface/config.json missing: VERL's merger needs the model config saved there"
        )
    tmp = Path(tempfile.mkdtemp(prefix=f".{MERGED_DIR}.", dir=step_dir))
    command = [sys.executable, "-m", "verl.model_merger", "merge", "--backend", "fsdp"]
    command += ["--local_dir", str(actor), "--target_dir", str(tmp)]
    print(f"merging {actor} -> {target} (VERL model merger)", file=sys.stderr)
    try:
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode != 0:
            tail = "\n".join((result.stderr or result.stdout).strip().splitlines()[-15:])
            raise KitError(f"VERL model merger failed on {actor} (exit {result.returncode}):\n{tail}")
        if not (target / "config.json").is_file():  # else a concurrent eval finished first: use its merge
            shutil.rmtree(target, ignore_errors=True)  # a stale directory without config.json
            tmp.rename(target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def resolve_model(spec: str) -> ResolvedModel:
    """Resolve `--model`; a VERL checkpoint is merged (or its cached merge reused)."""
    path = Path(spec).expanduser()
    if not path.exists():
        if _HUB_ID_RE.match(spec) and not spec.startswith((".", "/")):
            return ResolvedModel(weights=spec)
        raise KitError(
            f"--model {spec}: no such file or directory (give a model directory, a hub id or a checkpoint)"
        )
    path = path.resolve()
    if not path.is_dir():
        raise KitError(f"--model {path}: expected a directory, found a file")
    if (path / "config.json").is_file():
        return ResolvedModel(weights=str(path))
    if path.name == "actor" and _STEP_RE.match(path.parent.name):
        path = path.parent
    step_dir = path if _STEP_RE.match(path.name) else _latest_step_dir(path)
    step = int(_STEP_RE.match(step_dir.name).group(1))  # type: ignore[union-attr]
    return ResolvedModel(
        weights=str(merge_checkpoint(step_dir)), checkpoint_step=step, checkpoint_dir=step_dir
    )
