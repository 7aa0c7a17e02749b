"""What `reward_overrides` hands verl 0.9.1 for judge types and difficulty hybrids."""

from __future__ import annotations

import pytest

from reward_signal.common.errors import ConfigError
from reward_signal.rewards.judge.kinds import JUDGE_KINDS
from reward_signal.rewards.verl_wiring import reward_overrides


@pytest.mark.parametrize("reward_type", sorted(JUDGE_KINDS))
def test_judge_types_are_awaited_by_the_naive_manager(reward_type: str) -> None:
    overrides = reward_overrides(reward_type, {"on_failure": "zero"})
    assert "reward.custom_reward_function.name=compute_score_async" in overrides
    assert "reward.reward_manager.name=naive" in overrides
    assert "+reward.custom_reward_function.reward_kwargs.on_failure=zero" in overrides


@pytest.mark.parametrize("reward_type", ["majority_hard_rule_easy", "majority_easy_rule_hard"])
def test_difficulty_hybrids_go_through_the_group_manager(reward_type: str) -> None:
    overrides = reward_overrides(reward_type, {"threshold": 5})
    assert "reward.reward_manager.source=importlib" in overrides
    assert "reward.num_workers=1" in overrides
    assert "reward.custom_reward_function.name=compute_score" in overrides


def test_bad_judge_and_hybrid_parameters_fail_before_a_cluster_is_booked() -> None:
    with pytest.raises(ConfigError, match="on_failure must be"):
        reward_overrides("judge_prm", {"on_failure": "later"})
    with pytest.raises(ConfigError, match="threshold must be a non-negative integer"):
        reward_overrides("majority_hard_rule_easy", {"threshold": -1})
    with pytest.raises(ConfigError, match="no parameter"):
        reward_overrides("judge_orm", {"p": 0.5})
