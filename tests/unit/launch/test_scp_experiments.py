"""The two science (SCP) data-scale experiments carry the seed's settings and its 10 validation sets in order."""

from __future__ import annotations

import math

import pytest

from reward_signal.data.manifest import load_manifest
from reward_signal.launch.experiment import EXPERIMENTS_DIR, load_experiment
from reward_signal.launch.sweep import expand, load_grid

# data/scp/eval_data files in the order of the seed's test_files (script/data_effect/scp/*.sh).
SEED_VAL_FILES = [
    "aime2024",
    "math500",
    "scp_test_difficult_1",
    "scp_test_medium_2_8",
    "scp_test_very_difficult_0",
    "stem__gpqa_diamond_198",
    "stem__mmlu_sci_college_346",
    "stem__mmlu_sci_high_school_300",
    "super_gpqa_in_domain_319",
    "super_gpqa_out_domain_250",
]
# model -> (experiment, training-file directory, save_freq of the seed's script)
STUDIES = {
    "meta-llama/Llama-3.2-3B-Instruct": ("scp-llama32-3b-datascale", "llama-3b", 100),
    "Qwen/Qwen2.5-3B": ("scp-qwen25-3b-datascale", "qwen-3b", 50),
}
# Epochs per training-set size in the seed's script comment (the 64-row upsampled files count as 64).
SEED_EPOCHS = {64: 496, 128: 248, 512: 62, 1024: 31, 2048: 15}


@pytest.mark.parametrize("model", sorted(STUDIES))
def test_production_settings_are_the_seeds(model: str) -> None:
    name, folder, save_freq = STUDIES[model]
    exp = load_experiment(name, "MODE2")
    paths = {entry.name: entry.path for entry in load_manifest().datasets}
    assert exp.model.path == model
    assert [paths[v] for v in exp.data.val] == [f"data/scp/eval_data/{f}.parquet" for f in SEED_VAL_FILES]
    assert paths[exp.data.train[0]] == f"data/scp/train/{folder}/{folder.split('-')[0]}_scp_2048.parquet"
    assert (exp.exploration.n, exp.batch.train_batch_size, exp.batch.ppo_mini_batch_size) == (8, 64, 64)
    assert (exp.batch.micro_batch_size_per_gpu, exp.batch.log_prob_micro_batch_size_per_gpu) == (8, 16)
    assert (exp.lengths.prompt, exp.lengths.response) == (2048, 2048)
    assert (exp.optim.lr, exp.optim.warmup_ratio) == (1e-6, 0.0)
    kl = exp.algorithm.kl
    assert (kl.loss, kl.loss_coef, kl.loss_type, exp.algorithm.entropy_coeff) == (
        True,
        0.001,
        "low_var_kl",
        0.0,
    )
    assert (exp.rollout.tensor_parallel_size, exp.rollout.gpu_memory_utilization) == (2, 0.6)
    assert (exp.schedule.total_epochs, exp.schedule.save_freq, exp.schedule.test_freq) == (15, save_freq, 20)
    assert exp.reward.type == "rule_based"


@pytest.mark.parametrize("model", sorted(STUDIES))
def test_debug_mode_is_the_seeds_debug_run(model: str) -> None:
    exp = load_experiment(STUDIES[model][0], "MODE1")
    assert exp.data.val == ["gpqa-diamond"]
    assert (exp.exploration.n, exp.batch.train_batch_size, exp.lengths.prompt) == (4, 4, 1024)
    assert exp.rollout.tensor_parallel_size == 1


@pytest.mark.parametrize("folder", ["llama-3b", "qwen-3b"])
def test_grid_uses_the_seeds_epochs_by_size(folder: str) -> None:
    grid_path = EXPERIMENTS_DIR / "grids" / f"scp-datascale-{folder}.yaml"
    rows = {entry.name: entry.rows for entry in load_manifest().datasets}
    cells = expand(load_grid(grid_path), grid_path)
    assert len(cells) == 48
    for _, raw in cells:
        (train,) = raw["data"]["train"]
        assert train.startswith(f"{folder}-scp-")
        assert raw["schedule"]["total_epochs"] == SEED_EPOCHS[rows[train]]
        assert math.ceil(rows[train] / 64) * raw["schedule"]["total_epochs"] in range(480, 497)
    assert {raw["reward"]["type"] for _, raw in cells} == {"rule_based", "random_format_gated"}
