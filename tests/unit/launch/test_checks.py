from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from reward_signal.launch.checks import (
    batch_problems,
    flatten,
    length_problems,
    matches_annotation,
    model_problems,
    parallel_problems,
    type_problem,
    unknown_key_problem,
    visible_gpu_problems,
)


def config(**changes: Any) -> dict[str, Any]:
    """A resolved VERL config reduced to what the kit's checks read."""
    base: dict[str, Any] = {
        "trainer": {"n_gpus_per_node": 8, "nnodes": 1},
        "data": {"train_batch_size": 64, "max_prompt_length": 2048, "max_response_length": 2048},
        "actor_rollout_ref": {
            "actor": {"ppo_mini_batch_size": 64, "ppo_micro_batch_size_per_gpu": 8, "use_dynamic_bsz": False},
            "rollout": {"n": 8, "tensor_model_parallel_size": 2, "max_model_len": None},
            "model": {"path": "meta-llama/Llama-3.1-8B-Instruct"},
        },
        "reward": {"custom_reward_function": {"path": None}},
    }
    for dotted, value in changes.items():
        *parents, leaf = dotted.split("__")
        node = base
        for part in parents:
            node = node[part]
        node[leaf] = value
    return base


def test_the_production_shape_passes() -> None:
    cfg = config()
    assert (
        batch_problems(cfg) + parallel_problems(cfg) + length_problems(cfg) + model_problems(cfg, True) == []
    )


def test_mini_batch_must_divide_train_batch() -> None:
    (problem,) = batch_problems(config(data__train_batch_size=96))
    assert "make data.train_batch_size (96) a multiple of ppo_mini_batch_size (64)" in problem


def test_batch_times_n_must_divide_by_gpus() -> None:
    problems = batch_problems(
        config(
            data__train_batch_size=3,
            actor_rollout_ref__actor__ppo_mini_batch_size=3,
            actor_rollout_ref__rollout__n=1,
        )
    )
    assert any("3×1 = 3 is not divisible by the 8 GPUs" in problem for problem in problems)


def test_micro_batch_must_divide_the_per_gpu_share() -> None:
    (problem,) = batch_problems(config(actor_rollout_ref__actor__ppo_micro_batch_size_per_gpu=48))
    assert (
        "each GPU gets 64 samples per mini-batch, not divisible by ppo_micro_batch_size_per_gpu=48" in problem
    )


def test_tensor_parallel_must_divide_gpus_per_node() -> None:
    assert (
        "must divide the GPUs per node (8)"
        in parallel_problems(config(actor_rollout_ref__rollout__tensor_model_parallel_size=16))[0]
    )
    assert parallel_problems(config(actor_rollout_ref__rollout__tensor_model_parallel_size=3))
    assert parallel_problems(config(actor_rollout_ref__rollout__tensor_model_parallel_size=4)) == []


def test_lengths_must_fit_the_rollout_and_a_local_model(tmp_path: Path) -> None:
    (problem,) = length_problems(config(actor_rollout_ref__rollout__max_model_len=3000))
    assert "2048 + 2048 = 4096 tokens exceeds actor_rollout_ref.rollout.max_model_len (3000)" in problem
    (tmp_path / "config.json").write_text(json.dumps({"max_position_embeddings": 4000}), encoding="utf-8")
    (problem,) = length_problems(config(actor_rollout_ref__model__path=str(tmp_path)))
    assert "max_position_embeddings of the model (4000)" in problem


def test_model_must_be_given_and_exist_locally(tmp_path: Path) -> None:
    assert (
        "no model given"
        in model_problems(config(actor_rollout_ref__model__path="~/models/deepseek-llm-7b-chat"), True)[0]
    )
    missing = str(tmp_path / "absent")
    assert (
        "does not exist on this machine"
        in model_problems(config(actor_rollout_ref__model__path=missing), True)[0]
    )
    assert model_problems(config(actor_rollout_ref__model__path=missing), False) == []  # a cluster path


def test_visible_gpus() -> None:
    assert "CUDA_VISIBLE_DEVICES shows 2" in visible_gpu_problems(config(), 2)[0]
    assert visible_gpu_problems(config(), None) == visible_gpu_problems(config(), 8) == []


@pytest.mark.parametrize(
    ("value", "default", "annotation", "ok"),
    [
        ("abc", 1024, None, False),
        (8.5, 8, None, False),
        (True, 8, None, False),
        (64, 1024, None, True),
        ("maybe", False, None, False),
        (0.5, 1, float, True),  # VERL writes some float defaults as ints: the dataclass annotation wins
        ("x", 1.0, float | None, False),
        (None, 1024, None, True),
        ("low_var_kl", "kl", None, True),
        ([1, 2], "x", None, False),
    ],
)
def test_types_follow_verl(value: Any, default: Any, annotation: Any, ok: bool) -> None:
    assert (type_problem("a.b", value, default, annotation) is None) is ok


def test_type_problem_message_and_file_lists() -> None:
    assert type_problem("data.train_batch_size", "abc", 1024) == (
        "data.train_batch_size='abc': VERL expects an integer here (default 1024)"
    )
    assert type_problem("data.train_files", ["/a.parquet"], "~/x.parquet") is None


def test_annotation_matching_handles_unions_and_unknowns() -> None:
    assert matches_annotation(None, int | None) is True
    assert matches_annotation("x", int | None) is False
    assert matches_annotation(object(), Path) is None


def test_unknown_keys_get_the_closest_valid_key() -> None:
    known = list(flatten({"actor": {"ppo_micro_batch_size_per_gpu": 1, "ppo_mini_batch_size": 2}}))
    assert unknown_key_problem("actor.ppo_micro_batch_sizee_per_gpu", known) == (
        "unknown VERL key 'actor.ppo_micro_batch_sizee_per_gpu': did you mean 'actor.ppo_micro_batch_size_per_gpu'?"
    )
