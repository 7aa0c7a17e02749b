"""The Hydra overrides that wire the reward into verl 0.9.1 (composition itself is checked in integration)."""

from __future__ import annotations

from pathlib import Path

import pytest

from reward_signal.common.errors import ConfigError
from reward_signal.common.hydra_values import format_value
from reward_signal.rewards.verl_wiring import REWARD_FILE_ENV, reward_file, reward_overrides
from tests.conftest import REPO_ROOT

SHIM = REPO_ROOT / "script" / "novel_math_gen_rm_reward_function.py"


def test_naive_manager_overrides_with_params() -> None:
    overrides = reward_overrides("rule_based", {"grader": "seed"})
    assert overrides == [
        f"reward.custom_reward_function.path={SHIM}",
        "reward.custom_reward_function.name=compute_score",
        "reward.reward_manager.source=register",
        "reward.reward_manager.name=naive",
        "+reward.custom_reward_function.reward_kwargs.reward_type=rule_based",
        "+reward.custom_reward_function.reward_kwargs.grader=seed",
    ]


@pytest.mark.parametrize("reward_type", ["random", "random_format_gated", "noisy"])
def test_randomised_rewards_use_the_kit_manager_with_every_reward_actor(reward_type: str) -> None:
    """The kit's manager gives each draw its step and group position; draws need no single actor."""
    overrides = reward_overrides(reward_type, {"p": 0.2, "seed": 3})
    assert overrides[2:] == [
        "reward.reward_manager.source=importlib",
        "reward.reward_manager.name=KitRewardManager",
        "reward.reward_manager.module.path=pkg://reward_signal.rewards.verl_manager",
        f"+reward.custom_reward_function.reward_kwargs.reward_type={reward_type}",
        "+reward.custom_reward_function.reward_kwargs.p=0.2",
        "+reward.custom_reward_function.reward_kwargs.seed=3",
    ]


def test_majority_vote_uses_the_group_manager_and_one_reward_actor() -> None:
    overrides = reward_overrides("majority_vote", {})
    assert "reward.reward_manager.source=importlib" in overrides
    assert "reward.reward_manager.name=KitRewardManager" in overrides
    assert "reward.reward_manager.module.path=pkg://reward_signal.rewards.verl_manager" in overrides
    assert "reward.num_workers=1" in overrides


def test_bad_reward_config_fails_before_launch() -> None:
    with pytest.raises(ConfigError, match="unknown reward type"):
        reward_overrides("randm", {})
    with pytest.raises(ConfigError, match="no parameter"):
        reward_overrides("format", {"p": 0.5})
    with pytest.raises(ConfigError, match="timeout must be a positive number"):
        reward_overrides("format", {"timeout": "soon"})
    assert (
        reward_overrides("format", {"timeout": 2})[-1]
        == "+reward.custom_reward_function.reward_kwargs.timeout=2"
    )


def test_reward_file_env_override(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert reward_file() == SHIM.resolve()
    elsewhere = tmp_path / "my reward.py"
    elsewhere.write_text(SHIM.read_text())
    monkeypatch.setenv(REWARD_FILE_ENV, str(elsewhere))
    assert reward_file() == elsewhere
    assert reward_overrides("rule_based", {})[0] == f"reward.custom_reward_function.path='{elsewhere}'"
    monkeypatch.setenv(REWARD_FILE_ENV, str(tmp_path / "missing.py"))
    with pytest.raises(ConfigError, match=f"fix {REWARD_FILE_ENV}"):
        reward_file()


def test_hydra_values() -> None:
    assert format_value(True) == "true" and format_value(None) == "null" and format_value(0.25) == "0.25"
    assert format_value("a b") == "'a b'" and format_value("it's") == "'it\\'s'"


def test_shim_exports_verl_signatures() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("shim", SHIM)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    record = module.compute_score("train-math-x", "\\boxed{3}", '["3"]', {"index": 0})
    assert record["score"] == 1.0
    batch = module.compute_score_batch(["a", "b"], ["\\boxed{3}", "\\boxed{4}"], ["3", "3"], [None, None])
    assert [r["score"] for r in batch] == [1.0, 0.0]


def test_overrides_parse_as_hydra_overrides(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from hydra.core.override_parser.overrides_parser import OverridesParser

    elsewhere = tmp_path / "it's a reward.py"
    elsewhere.write_text("")
    monkeypatch.setenv(REWARD_FILE_ENV, str(elsewhere))
    parsed = OverridesParser.create().parse_overrides(reward_overrides("random", {"p": 0.3, "seed": 7}))
    values = {o.key_or_group: o.value() for o in parsed}
    assert values["reward.custom_reward_function.path"] == str(elsewhere)
    assert values["reward.custom_reward_function.reward_kwargs.p"] == 0.3
    assert values["reward.custom_reward_function.reward_kwargs.reward_type"] == "random"
