"""Experiment -> the verl 0.9.1 Hydra overrides of `python -m verl.trainer.main_ppo`.

A pure function of its inputs (no environment, no clock), so the golden test can pin its output.
Outputs go under the run directory with absolute paths (VERL resolves relative checkpoint paths
against the cwd of whichever process reads them), and `trainer.resume_mode=auto` makes a restarted
job continue from `checkpoints/latest_checkpointed_iteration.txt`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reward_signal.launch.experiment import Experiment
from reward_signal.launch.modes import Layout
from reward_signal.launch.overrides import merge, override, translate_legacy

# algorithm name -> VERL advantage estimator. dr_grpo is GRPO without std normalisation and with a
# constant-length token-sum loss (Dr. GRPO); ppo is GAE with a critic.
ADV_ESTIMATORS = {
    "grpo": "grpo",
    "rloo": "rloo",
    "reinforce_plus_plus": "reinforce_plus_plus",
    "dr_grpo": "grpo",
    "ppo": "gae",
}
RUNTIME_ENV = "+ray_kwargs.ray_init.runtime_env.env_vars"


@dataclass(frozen=True)
class RunPaths:
    """Where one run writes; `metrics_file` is per attempt, because VERL's file logger truncates on restart."""

    run_dir: Path
    metrics_file: Path

    @property
    def checkpoints(self) -> Path:
        return self.run_dir / "checkpoints"

    @property
    def rollouts(self) -> Path:
        return self.run_dir / "rollouts"

    @property
    def validation(self) -> Path:
        return self.run_dir / "validation"

    @property
    def hydra(self) -> Path:
        """Hydra's output directory for this attempt (`.hydra/`, `main_ppo.log`).

        Hydra's default is `outputs/<date>/<time>` under the working directory, which in the pods is
        the image's read-only `/workspace`: `main_ppo` would die before training starts."""
        return self.run_dir / "hydra" / self.metrics_file.stem


def loggers(exp: Experiment) -> list[str]:
    """console + VERL's file logger always; W&B (online or offline) and MLflow when the experiment asks."""
    return [
        "console",
        "file",
        *(["wandb"] if exp.logging.wandb else []),
        *(["mlflow"] if exp.logging.mlflow else []),
    ]


# VERL imports these modules in every process at `import verl`: the kit's plugin adds train/acc/mean
# (and format, timeout rates) to every training step's metrics (see reward_signal/verl_plugin.py).
PLUGIN_ENV = {"VERL_USE_EXTERNAL_MODULES": "reward_signal.verl_plugin"}


def worker_env(exp: Experiment, paths: RunPaths, wandb_online: bool) -> dict[str, str]:
    """Variables the Ray workers need: VERL's Tracking (file logger, W&B) lives in the TaskRunner actor,
    which on an existing cluster does not inherit the launching shell's environment."""
    env = {"VERL_FILE_LOGGER_PATH": str(paths.metrics_file), **PLUGIN_ENV}
    if exp.logging.mlflow:  # VERL's default is sqlite:////tmp/mlruns.db, outside the run directory
        env["MLFLOW_TRACKING_URI"] = f"file://{paths.run_dir / 'mlflow'}"
    if exp.logging.wandb:
        env["WANDB_DIR"] = str(paths.run_dir)
        if not wandb_online:
            env["WANDB_MODE"] = "offline"
    return env


def algorithm_overrides(exp: Experiment) -> list[str]:
    algo, actor = exp.algorithm, "actor_rollout_ref.actor"
    found = [
        override("algorithm.adv_estimator", ADV_ESTIMATORS[algo.name]),
        override(f"{actor}.use_kl_loss", algo.kl.loss),
        override(f"{actor}.kl_loss_coef", algo.kl.loss_coef),
        override(f"{actor}.kl_loss_type", algo.kl.loss_type),
        override("algorithm.use_kl_in_reward", algo.kl.in_reward),
        override(f"{actor}.entropy_coeff", algo.entropy_coeff),
    ]
    if algo.kl.in_reward:
        found.append(override("algorithm.kl_ctrl.kl_coef", algo.kl.reward_coef))
    loss_agg_mode = algo.loss_agg_mode
    if algo.name == "dr_grpo":
        found.append(override("algorithm.norm_adv_by_std_in_grpo", False))
        loss_agg_mode = loss_agg_mode or "seq-mean-token-sum-norm"
    if loss_agg_mode:
        found.append(override(f"{actor}.loss_agg_mode", loss_agg_mode))
    if algo.name == "ppo":
        found += [
            override("critic.enable", True),
            override("critic.model.path", exp.model.path),
            override("critic.optim.lr", algo.critic_lr),
            override("critic.ppo_micro_batch_size_per_gpu", exp.batch.micro_batch_size_per_gpu),
        ]
    return found


def experiment_overrides(
    exp: Experiment,
    layout: Layout,
    paths: RunPaths,
    train_files: Sequence[Path],
    val_files: Sequence[Path],
    wandb_online: bool,
) -> list[str]:
    """The experiment's own overrides (before reward wiring, `verl:` extras and `--set`)."""
    arr, actor, rollout = "actor_rollout_ref", "actor_rollout_ref.actor", "actor_rollout_ref.rollout"
    values: dict[str, Any] = {
        "data.train_files": [str(path) for path in train_files],
        "data.val_files": [str(path) for path in val_files],
        "data.train_batch_size": exp.batch.train_batch_size,
        "data.max_prompt_length": exp.lengths.prompt,
        "data.max_response_length": exp.lengths.response,
        "data.filter_overlong_prompts": exp.data.filter_overlong_prompts,
        "data.shuffle": exp.data.shuffle,
        f"{arr}.model.path": exp.model.path,
        f"{arr}.model.trust_remote_code": exp.model.trust_remote_code,
        f"{arr}.model.enable_gradient_checkpointing": exp.model.gradient_checkpointing,
        f"{arr}.model.use_remove_padding": exp.model.remove_padding,
        f"{actor}.optim.lr": exp.optim.lr,
        f"{actor}.optim.lr_warmup_steps_ratio": exp.optim.warmup_ratio,
        f"{actor}.optim.weight_decay": exp.optim.weight_decay,
        f"{actor}.ppo_mini_batch_size": exp.batch.ppo_mini_batch_size,
        f"{actor}.ppo_micro_batch_size_per_gpu": exp.batch.micro_batch_size_per_gpu,
        f"{actor}.ppo_epochs": exp.batch.ppo_epochs,
        f"{actor}.fsdp_config.param_offload": exp.offload.actor_params,
        f"{actor}.fsdp_config.optimizer_offload": exp.offload.actor_optimizer,
        f"{arr}.ref.fsdp_config.param_offload": exp.offload.ref_params,
        f"{arr}.ref.log_prob_micro_batch_size_per_gpu": exp.batch.log_prob_micro_batch_size_per_gpu,
        f"{rollout}.name": exp.rollout.engine,
        f"{rollout}.n": exp.exploration.n,
        f"{rollout}.temperature": exp.exploration.temperature,
        f"{rollout}.top_p": exp.exploration.top_p,
        f"{rollout}.tensor_model_parallel_size": exp.rollout.tensor_parallel_size,
        f"{rollout}.gpu_memory_utilization": exp.rollout.gpu_memory_utilization,
        f"{rollout}.log_prob_micro_batch_size_per_gpu": exp.batch.log_prob_micro_batch_size_per_gpu,
        f"{rollout}.val_kwargs.n": exp.validation.n,
        f"{rollout}.val_kwargs.temperature": exp.validation.temperature,
        f"{rollout}.val_kwargs.top_p": exp.validation.top_p,
        f"{rollout}.val_kwargs.do_sample": exp.validation.temperature > 0,
        "trainer.project_name": exp.logging.project,
        "trainer.experiment_name": exp.name,
        "trainer.logger": loggers(exp),
        "trainer.nnodes": layout.nnodes,
        "trainer.n_gpus_per_node": layout.gpus_per_node,
        "trainer.total_epochs": exp.schedule.total_epochs,
        "trainer.save_freq": exp.schedule.save_freq,
        "trainer.test_freq": exp.schedule.test_freq,
        "trainer.val_before_train": exp.schedule.val_before_train,
        "trainer.critic_warmup": 0,
        "trainer.resume_mode": "auto",
        "trainer.default_local_dir": str(paths.checkpoints),
        "trainer.rollout_data_dir": str(paths.rollouts),
        "trainer.validation_data_dir": str(paths.validation),
        "hydra.run.dir": str(paths.hydra),
    }
    if exp.seed is not None:
        values.update(
            {"data.seed": exp.seed, f"{actor}.data_loader_seed": exp.seed, f"{rollout}.seed": exp.seed}
        )
    if exp.rollout.max_model_len is not None:
        values[f"{rollout}.max_model_len"] = exp.rollout.max_model_len
    if exp.schedule.total_training_steps is not None:
        values["trainer.total_training_steps"] = exp.schedule.total_training_steps
    if exp.model.tokenizer_path is not None:
        values[f"{arr}.model.tokenizer_path"] = exp.model.tokenizer_path
    found = [override(key, value) for key, value in values.items()]
    found += algorithm_overrides(exp)
    found += [
        override(f"{RUNTIME_ENV}.{name}", value)
        for name, value in worker_env(exp, paths, wandb_online).items()
    ]
    return found


def reward_params(exp: Experiment) -> dict[str, Any]:
    """The reward's parameters as the run uses them: a randomised reward without its own `seed` draws
    from the run's seed, so replicate runs of a grid get different coins and a rerun gets the same."""
    from reward_signal.rewards.reward_types import REWARD_TYPES

    params = dict(exp.reward.params)
    kind = REWARD_TYPES.get(exp.reward.type)
    if kind is not None and "seed" in kind.defaults and "seed" not in params and exp.seed is not None:
        params["seed"] = exp.seed
    return params


def reward_wiring(exp: Experiment) -> list[str]:
    """The rewards area's overrides for this reward type (custom function via the naive manager, or
    the kit's own manager for group and randomised rewards)."""
    from reward_signal.rewards.verl_wiring import reward_overrides

    return list(reward_overrides(exp.reward.type, reward_params(exp)))


def render(
    exp: Experiment,
    layout: Layout,
    paths: RunPaths,
    train_files: Sequence[Path],
    val_files: Sequence[Path],
    wandb_online: bool,
    sets: Sequence[str] = (),
) -> tuple[list[str], list[str]]:
    """All overrides in application order (later keys replace earlier ones), plus notices to print.

    The experiment's `verl:` extras and the user's `--set` go through the 0.4-era key translation."""
    extras, notices = translate_legacy([override(key, value) for key, value in exp.verl.items()])
    user, user_notices = translate_legacy(sets)
    base = experiment_overrides(exp, layout, paths, train_files, val_files, wandb_online)
    return merge(base, reward_wiring(exp), extras, user), notices + user_notices
