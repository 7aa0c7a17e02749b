"""`--model` resolution: model dirs, hub ids, checkpoints (latest step), and clear errors (no merge here)."""

from __future__ import annotations

from pathlib import Path

import pytest

from reward_signal.common.errors import KitError
from reward_signal.eval.checkpoint import MERGED_DIR, resolve_model


def _step(checkpoints: Path, step: int, shards: bool = True, merged: bool = False) -> Path:
    actor = checkpoints / f"global_step_{step}" / "actor"
    actor.mkdir(parents=True)
    if shards:
        (actor / "model_world_size_1_rank_0.pt").write_bytes(b"")
    if merged:  # a merge from an earlier call: reused, so no merger runs in these tests
        (actor.parent / MERGED_DIR).mkdir()
        (actor.parent / MERGED_DIR / "config.json").write_text("{}")
    return actor.parent


def test_model_directory_and_hub_id_pass_through(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text("{}")
    assert resolve_model(str(tmp_path)).weights == str(tmp_path.resolve())
    hub = resolve_model("Qwen/Qwen2.5-Math-1.5B")
    assert hub.weights == "Qwen/Qwen2.5-Math-1.5B" and hub.checkpoint_step is None


def test_missing_model_path_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(KitError, match=r"--model .*nope: no such file or directory"):
        resolve_model(str(tmp_path / "nope"))


def test_checkpoints_dir_means_the_tracked_latest_step(tmp_path: Path) -> None:
    _step(tmp_path, 10, merged=True)
    step20 = _step(tmp_path, 20, merged=True)
    (tmp_path / "latest_checkpointed_iteration.txt").write_text("20\n")
    resolved = resolve_model(str(tmp_path))
    assert resolved.checkpoint_step == 20
    assert resolved.weights == str(step20 / MERGED_DIR)


def test_without_tracker_the_highest_step_is_used(tmp_path: Path) -> None:
    _step(tmp_path, 9, merged=True)
    _step(tmp_path, 100, merged=True)
    assert resolve_model(str(tmp_path)).checkpoint_step == 100
    assert resolve_model(str(tmp_path / "global_step_9" / "actor")).checkpoint_step == 9


def test_checkpoint_without_actor_shards_is_a_clear_error(tmp_path: Path) -> None:
    step = _step(tmp_path, 5, shards=False)
    with pytest.raises(KitError, match=r"global_step_5: no FSDP actor shards"):
        resolve_model(str(step))


def test_directory_that_is_neither_model_nor_checkpoint(tmp_path: Path) -> None:
    with pytest.raises(KitError, match="neither a Hugging Face model"):
        resolve_model(str(tmp_path))


def test_tracker_naming_a_missing_step(tmp_path: Path) -> None:
    (tmp_path / "latest_checkpointed_iteration.txt").write_text("7")
    with pytest.raises(KitError, match="names step 7"):
        resolve_model(str(tmp_path))
