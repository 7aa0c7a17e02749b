"""Hydra override strings: formatting values, merging by key, and translating the seed's 0.4-era keys.

verl 0.9.1 still *composes* the old top-level `custom_reward_function.*` and `reward_model.*` keys
(`trainer/config/legacy_reward_impl.yaml`) but `main_ppo` never reads them: a run would silently fall
back to VERL's default scorer. So old keys are rewritten to their 0.9.1 place (with a notice) or
refused; they are never passed through.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from reward_signal.common.errors import ConfigError
from reward_signal.common.hydra_values import format_value


def override(key: str, value: Any) -> str:
    return f"{key}={format_value(value)}"


def split(text: str) -> tuple[str, str, str]:
    """`+a.b=1` -> ('+', 'a.b', '1'); a bare `~a.b` deletion has an empty value."""
    head, sep, value = text.partition("=")
    if not sep and not head.startswith("~"):
        raise ConfigError(f"override {text!r} is not KEY=VALUE (e.g. data.train_batch_size=64)")
    key = head.lstrip("+~")
    if not key:
        raise ConfigError(f"override {text!r} has no key")
    return head[: len(head) - len(key)], key, value


def merge(*groups: Iterable[str]) -> list[str]:
    """Concatenate override lists; a later override of the same key replaces the earlier one in place."""
    merged: dict[str, str] = {}
    for group in groups:
        for text in group:
            _, key, _ = split(text)
            merged.pop(key, None)
            merged[key] = text
    return list(merged.values())


# 0.4-era key (exact or prefix ending in '.') -> verl 0.9.1 key (or prefix); mirrors
# verl's own `migrate_legacy_reward_impl`, which only the fully-async entry point calls.
LEGACY_KEYS: dict[str, str] = {
    "custom_reward_function.path": "reward.custom_reward_function.path",
    "custom_reward_function.name": "reward.custom_reward_function.name",
    "custom_reward_function.reward_kwargs.": "reward.custom_reward_function.reward_kwargs.",
    "reward_model.reward_manager": "reward.reward_manager.name",
    "reward_model.num_workers": "reward.num_workers",
    "reward_model.reward_loop_source": "reward.reward_manager.source",
    "reward_model.reward_loop_module_path": "reward.reward_manager.module.path",
    "reward_model.reward_loop_class_name": "reward.reward_manager.module.name",
    "reward_model.enable": "reward.reward_model.enable",
    "reward_model.enable_resource_pool": "reward.reward_model.enable_resource_pool",
    "reward_model.n_gpus_per_node": "reward.reward_model.n_gpus_per_node",
    "reward_model.nnodes": "reward.reward_model.nnodes",
    "reward_model.model.path": "reward.reward_model.model_path",
    "reward_model.rollout.": "reward.reward_model.rollout.",
    "sandbox_fusion.": "reward.sandbox_fusion.",
}
LEGACY_ROOTS = ("custom_reward_function", "reward_model", "sandbox_fusion")
REMOVED_MANAGERS = {
    "batch": "verl 0.9.1 has no 'batch' reward manager (only naive, dapo, gdpo, remote, rate_limited)"
}


def _new_key(key: str) -> str | None:
    for old, new in LEGACY_KEYS.items():
        if key == old:
            return new
        if old.endswith(".") and key.startswith(old):
            return new + key[len(old) :]
    return None


def translate_legacy(texts: Iterable[str]) -> tuple[list[str], list[str]]:
    """Rewrite 0.4-era reward keys to verl 0.9.1 keys; returns (overrides, notices). Unmappable keys raise."""
    result: list[str] = []
    notices: list[str] = []
    for text in texts:
        prefix, key, value = split(text)
        if key.split(".", 1)[0] not in LEGACY_ROOTS:
            result.append(text)
            continue
        new_key = _new_key(key)
        if new_key is None:
            raise ConfigError(
                f"{key!r} is a 0.4-era VERL key that verl 0.9.1 composes but ignores, and it has no 0.9.1 "
                "equivalent the kit can translate to: use the keys under `reward.` (see verl's reward config)"
            )
        manager = value.strip("'\"")
        if new_key == "reward.reward_manager.name" and manager in REMOVED_MANAGERS:
            raise ConfigError(
                f"{text!r}: {REMOVED_MANAGERS[manager]}; the kit wires its reward "
                "through 'naive' (or its own group manager): set the experiment's `reward.type` instead"
            )
        if new_key.startswith("reward.custom_reward_function.reward_kwargs."):
            prefix = "+"  # reward_kwargs is an open dict in 0.9.1: new keys need '+'
        translated = f"{prefix}{new_key}={value}"
        notices.append(
            f"notice: translated 0.4-era key {text!r} to {translated!r} (verl 0.9.1 ignores the old key)"
        )
        result.append(translated)
    return result, notices
