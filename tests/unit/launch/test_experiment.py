from __future__ import annotations

from pathlib import Path

import pytest

from reward_signal.common.errors import ConfigError
from reward_signal.launch.experiment import (
    EXPERIMENTS_DIR,
    deep_merge,
    experiment_path,
    load_experiment,
    read_experiment_dict,
    shipped_experiments,
)


def test_shipped_experiments_load_in_every_mode_and_start_with_a_usage_comment() -> None:
    names = [path.stem for path in shipped_experiments()]
    assert {"debug", "llama31-8b-rlvr8k", "qwen25-math-1.5b-datascale", "llama32-3b-datascale"} <= set(names)
    for path in shipped_experiments():
        head = path.read_text(encoding="utf-8").splitlines()[:6]
        assert head[0].startswith("# "), f"{path} must open with a comment saying what it is for"
        assert any("reward-signal train --exp" in line for line in head), f"{path}: launch command missing"
        assert any("--set" in line for line in head), f"{path}: override example missing"
        for mode in ("MODE1", "MODE2", "MODE3"):
            assert load_experiment(path, mode).name == path.stem


def test_production_recipe_matches_the_seed() -> None:
    """The seed's MODE2 and MODE3 values (m_family_main_full_rlvr_8k.sh); the full check is the fidelity table."""
    exp = load_experiment("llama31-8b-rlvr8k", "MODE2")
    assert exp.model.path == "meta-llama/Llama-3.1-8B-Instruct"
    assert (exp.exploration.n, exp.batch.train_batch_size, exp.batch.ppo_mini_batch_size) == (8, 192, 192)
    assert (exp.batch.micro_batch_size_per_gpu, exp.batch.log_prob_micro_batch_size_per_gpu) == (4, 16)
    assert (exp.optim.warmup_ratio, exp.seed, exp.reward.params) == (0.0, None, {"grader": "seed"})
    cluster = load_experiment("llama31-8b-rlvr8k", "MODE3")
    assert (cluster.batch.micro_batch_size_per_gpu, cluster.rollout.tensor_parallel_size) == (8, 2)
    assert cluster.batch.train_batch_size == 192
    assert (exp.optim.lr, exp.algorithm.kl.loss_type, exp.algorithm.kl.loss_coef) == (
        1e-6,
        "low_var_kl",
        0.001,
    )
    assert (exp.lengths.prompt, exp.lengths.response, exp.rollout.tensor_parallel_size) == (2048, 2048, 1)
    assert exp.data.val == ["aime2024", "aime2025", "math500", "amc"]
    debug = load_experiment("llama31-8b-rlvr8k", "debug")
    assert (debug.batch.train_batch_size, debug.rollout.tensor_parallel_size, debug.exploration.n) == (
        4,
        1,
        4,
    )


def test_mode_patch_and_command_line_patch(assets: Path) -> None:
    exp = load_experiment(assets / "launch" / "tiny.yaml", "MODE1", {"name": "renamed"})
    assert (exp.batch.train_batch_size, exp.batch.ppo_mini_batch_size, exp.name) == (4, 2, "renamed")
    assert exp.data.train == ["tiny-train.parquet"]  # a single string is a one-item list
    assert load_experiment(assets / "launch" / "tiny.yaml", "MODE2").batch.train_batch_size == 8


def test_unknown_key_names_the_closest_field(tmp_path: Path, assets: Path) -> None:
    raw = read_experiment_dict(assets / "launch" / "tiny.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        (assets / "launch" / "tiny.yaml").read_text().replace("train_batch_size: 8", "train_bacth_size: 8"),
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as info:
        load_experiment(bad)
    message = str(info.value)
    assert str(bad) in message
    assert "unknown key batch.train_bacth_size (did you mean batch.train_batch_size?)" in message
    assert "batch.train_batch_size: Field required" in message
    assert raw["name"] == "tiny"


def test_bad_values_are_reported_per_field(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    text = (
        (EXPERIMENTS_DIR / "debug.yaml")
        .read_text()
        .replace("n: 4", "n: 0")
        .replace("name: grpo", "name: grpoo")
    )
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_experiment(bad)
    assert "exploration.n: Input should be greater than 0" in str(info.value)
    assert "algorithm.name: Input should be 'grpo'" in str(info.value)


def test_unknown_name_suggests_a_shipped_one() -> None:
    with pytest.raises(ConfigError, match="did you mean llama31-8b-rlvr8k"):
        experiment_path("llama31-8b-rlvr")


def test_not_a_mapping(tmp_path: Path) -> None:
    path = tmp_path / "list.yaml"
    path.write_text("- a\n- b\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="must be a mapping"):
        load_experiment(path)


def test_deep_merge_replaces_leaves_and_keeps_the_rest() -> None:
    base = {"a": {"b": 1, "c": [1]}, "d": 2}
    assert deep_merge(base, {"a": {"c": [2]}}) == {"a": {"b": 1, "c": [2]}, "d": 2}
    assert base == {"a": {"b": 1, "c": [1]}, "d": 2}


def test_every_mode_patch_is_checked_whatever_the_mode(tmp_path: Path, assets: Path) -> None:
    text = (assets / "launch" / "tiny.yaml").read_text() + "  MODE3:\n    rollout: {tensor_paralel_size: 2}\n"
    path = tmp_path / "exp.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(
        ConfigError,
        match=r"with modes.MODE3.*\n.*unknown key rollout.tensor_paralel_size \(did you mean rollout.tensor_parallel_size\?\)",
    ):
        load_experiment(path, "MODE1")
    path.write_text(
        text.replace("  MODE3:\n    rollout: {tensor_paralel_size: 2}\n", "  MODE3: [1]\n"), encoding="utf-8"
    )
    with pytest.raises(ConfigError, match="modes.MODE3 must be a mapping"):
        load_experiment(path)
