"""The verl 0.9.1 Hydra overrides that wire the kit's reward into `main_ppo` (the launcher calls this)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from reward_signal.common.errors import ConfigError
from reward_signal.common.hydra_values import format_value
from reward_signal.rewards.judge.kinds import JUDGE_KINDS
from reward_signal.rewards.records import GROUP_REWARD_TYPES
from reward_signal.rewards.reward_types import REWARD_TYPES, resolve_params
from reward_signal.rewards.verl_entry import settings

REWARD_FILE_ENV = "REWARD_SIGNAL_REWARD_FILE"
SHIM_RELATIVE = Path("script") / "novel_math_gen_rm_reward_function.py"
KIT_MANAGER_MODULE = "pkg://reward_signal.rewards.verl_manager"
KIT_MANAGER_CLASS = "KitRewardManager"


def reward_file() -> Path:
    """Absolute path of the reward shim: $REWARD_SIGNAL_REWARD_FILE, else `script/` of the installed repo."""
    override = os.environ.get(REWARD_FILE_ENV)
    path = Path(override) if override else Path(__file__).resolve().parents[2] / SHIM_RELATIVE
    if not path.is_file():
        hint = f"set {REWARD_FILE_ENV} to the file" if not override else f"fix {REWARD_FILE_ENV}"
        raise ConfigError(
            f"reward function file {path} not found (install the repo with `pip install -e .`, or {hint})"
        )
    return path.resolve()


def reward_overrides(reward_type: str, params: dict[str, Any]) -> list[str]:
    """Overrides selecting our reward function, through the kit's manager for group and randomised
    rewards (which need the whole group, or the step and group position of each draw), else the naive one.

    `params` are validated against the reward type here, so a typo fails before a cluster is booked.
    """
    _, _, type_params = settings({**params, "reward_type": reward_type})  # `timeout` may ride along
    resolve_params(reward_type, type_params)
    # Judge types are awaited in the reward actor's loop, so one client bounds its requests in flight.
    entry = "compute_score_async" if reward_type in JUDGE_KINDS else "compute_score"
    overrides = [
        f"reward.custom_reward_function.path={format_value(str(reward_file()))}",
        f"reward.custom_reward_function.name={entry}",
    ]
    if reward_type in GROUP_REWARD_TYPES or REWARD_TYPES[reward_type].draws:
        overrides += [
            "reward.reward_manager.source=importlib",
            f"reward.reward_manager.name={KIT_MANAGER_CLASS}",
            f"reward.reward_manager.module.path={KIT_MANAGER_MODULE}",
        ]
    else:
        overrides += ["reward.reward_manager.source=register", "reward.reward_manager.name=naive"]
    if reward_type in GROUP_REWARD_TYPES:
        # One reward actor sees every response, so each prompt's group meets in one place.
        overrides.append("reward.num_workers=1")
    overrides.append(f"+reward.custom_reward_function.reward_kwargs.reward_type={reward_type}")
    overrides += [
        f"+reward.custom_reward_function.reward_kwargs.{key}={format_value(value)}"
        for key, value in sorted(params.items())
    ]
    return overrides
