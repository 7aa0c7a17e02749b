from __future__ import annotations

from typing import Any

import pytest
from hydra.core.override_parser.overrides_parser import OverridesParser

from reward_signal.common.errors import ConfigError
from reward_signal.launch.overrides import format_value, merge, override, split, translate_legacy


@pytest.mark.parametrize(
    "value",
    [
        1e-6,
        64,
        0.0,
        True,
        None,
        "vllm",
        "meta-llama/Llama-3.1-8B-Instruct",
        "/data dir/with space,comma.parquet",
        "it's",
        "true",
        "123",
        "a=b",
        ["/a/x.parquet", "/b/y.parquet"],
        ["console", "file"],
        [],
    ],
)
def test_formatted_values_parse_back_to_the_same_value(value: Any) -> None:
    (parsed,) = OverridesParser.create().parse_overrides([override("a.b", value)])
    assert parsed.value() == value
    assert type(parsed.value()) is type(value)


def test_bare_tokens_stay_unquoted() -> None:
    assert (
        format_value("/runs/x/metrics/attempt-20260101T000000Z.jsonl")
        == "/runs/x/metrics/attempt-20260101T000000Z.jsonl"
    )
    assert format_value("true") == "'true'"


def test_split_and_merge_keep_the_last_value_per_key() -> None:
    assert split("+a.b=1") == ("+", "a.b", "1")
    assert split("~a.b") == ("~", "a.b", "")
    merged = merge(["a=1", "b=2"], ["+c.d=3"], ["a=9"])
    assert merged == ["b=2", "+c.d=3", "a=9"]
    with pytest.raises(ConfigError, match="is not KEY=VALUE"):
        split("data.train_batch_size")


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("custom_reward_function.path=/x/r.py", "reward.custom_reward_function.path=/x/r.py"),
        ("custom_reward_function.name=compute_score", "reward.custom_reward_function.name=compute_score"),
        ("custom_reward_function.reward_kwargs.p=0.5", "+reward.custom_reward_function.reward_kwargs.p=0.5"),
        ("reward_model.reward_manager=naive", "reward.reward_manager.name=naive"),
        ("reward_model.num_workers=4", "reward.num_workers=4"),
        ("reward_model.model.path=/m", "reward.reward_model.model_path=/m"),
        ("reward_model.rollout.name=vllm", "reward.reward_model.rollout.name=vllm"),
        ("sandbox_fusion.url=http://h:1", "reward.sandbox_fusion.url=http://h:1"),
    ],
)
def test_legacy_keys_are_translated_with_a_notice(old: str, new: str) -> None:
    translated, notices = translate_legacy(["data.seed=1", old])
    assert translated == ["data.seed=1", new]
    assert len(notices) == 1 and "0.4-era" in notices[0] and old in notices[0]


def test_removed_batch_manager_is_refused() -> None:
    with pytest.raises(ConfigError, match="no 'batch' reward manager"):
        translate_legacy(["reward_model.reward_manager=batch"])


def test_legacy_key_without_equivalent_is_refused() -> None:
    with pytest.raises(ConfigError, match="composes but ignores"):
        translate_legacy(["reward_model.model.trust_remote_code=true"])
