"""VERL custom reward function file (reward.custom_reward_function.path): a thin shim over the kit.

The logic lives in `reward_signal.rewards`; see README section "Rewards". Pick the reward type with
`+reward.custom_reward_function.reward_kwargs.reward_type=NAME` or $REWARD_MODEL_TYPE.
"""

from reward_signal.rewards.verl_entry import compute_score, compute_score_async, compute_score_batch

__all__ = ["compute_score", "compute_score_async", "compute_score_batch"]
