"""Prove an override list valid for the installed VERL before any GPU is touched.

Order: Hydra's own parser (syntax) -> every key must exist in VERL's default config (or be a `+new`
key / config group) and have the type VERL declares (its config dataclass's field, else its default's
type: Hydra composes `data.train_batch_size=abc`) -> compose against the installed VERL's config dir
(`ppo_trainer`) -> no mandatory `???` left -> VERL's own `validate_config` -> the kit's checks
(checks.py). Hydra and VERL are imported here only, never at CLI start-up.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.metadata
import importlib.util
import io
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reward_signal.common.errors import ConfigError, KitError
from reward_signal.common.pins import VERL_VERSION
from reward_signal.launch.checks import flatten, kit_problems, type_problem, unknown_key_problem

CONFIG_NAME = "ppo_trainer"
# `???` keys VERL leaves unset on purpose when no reward model is enabled.
OPTIONAL_MISSING = {"reward.reward_model.rollout.name"}


def verl_config_dir() -> Path:
    """The installed VERL's Hydra config directory (found without importing verl)."""
    spec = importlib.util.find_spec("verl")
    if spec is None or not spec.submodule_search_locations:
        raise KitError("verl is not installed here: pip install -e '.[verl]' (or run inside the kit's image)")
    installed = importlib.metadata.version("verl")
    if installed != VERL_VERSION:
        raise ConfigError(
            f"installed verl is {installed}, but the kit renders configs for verl {VERL_VERSION}"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "trainer" / "config"


_hydra_config_dir: str | None = None


def _ensure_hydra() -> None:
    """Initialise Hydra on VERL's config dir once per process (repeated composes then cost ~0.3 s)."""
    from hydra import initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    global _hydra_config_dir
    config_dir = str(verl_config_dir())
    hydra = GlobalHydra.instance()
    if hydra.is_initialized() and _hydra_config_dir == config_dir:
        return
    hydra.clear()
    initialize_config_dir(config_dir=config_dir, version_base=None)
    _hydra_config_dir = config_dir


def compose(overrides: Sequence[str]) -> Any:
    """VERL's `ppo_trainer` config with `overrides` applied (an OmegaConf DictConfig)."""
    from hydra import compose as hydra_compose

    _ensure_hydra()
    try:
        return hydra_compose(config_name=CONFIG_NAME, overrides=list(overrides))
    except Exception as exc:  # Hydra raises several unrelated types for a bad override
        raise ConfigError(
            f"the overrides do not compose against verl {VERL_VERSION}'s config: {exc}"
        ) from exc


GENERATED_DEFAULTS = "_generated_ppo_trainer.yaml"


@functools.cache
def default_keys() -> dict[str, Any]:
    """Every dotted key of VERL's default config -> its default (interpolations unresolved).

    Read from the flattened `_generated_ppo_trainer.yaml` VERL ships (its CI regenerates it from the
    composed config) with the C YAML loader: a second Hydra compose would double the validation time.
    A test checks the file still equals `compose([])`."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    text = (verl_config_dir() / GENERATED_DEFAULTS).read_text(encoding="utf-8")
    return flatten(yaml.load(text, Loader=loader))


@functools.cache
def config_groups() -> frozenset[str]:
    """Hydra config groups (`model_engine=...`, `actor@actor_rollout_ref.actor=...` select files, not values)."""
    return frozenset(
        path.name for path in verl_config_dir().iterdir() if path.is_dir() and path.name != "__pycache__"
    )


@functools.cache
def _field_types(target: str) -> dict[str, Any]:
    """Field annotations of a VERL config dataclass named by a `_target_` (empty if it cannot be read)."""
    import typing

    module_name, _, class_name = target.rpartition(".")
    try:
        cls = getattr(importlib.import_module(module_name), class_name)
        return typing.get_type_hints(cls)
    except Exception:  # a target we cannot introspect: fall back to the default's type
        return {}


def declared_type(key: str, defaults: dict[str, Any]) -> Any:
    """The annotation VERL declares for `key`, when its section names a config dataclass (`_target_`)."""
    section, _, field = key.rpartition(".")
    target = defaults.get(f"{section}._target_") if section else None
    return _field_types(target).get(field) if isinstance(target, str) else None


def key_problems(overrides: Sequence[str]) -> list[str]:
    """Syntax, unknown keys (with the closest valid key) and types against VERL's defaults."""
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.errors import HydraException

    parser = OverridesParser.create()
    defaults = default_keys()
    known = list(defaults)
    problems = []
    for text in overrides:
        try:
            (parsed,) = parser.parse_overrides([text])
        except HydraException as exc:
            problems.append(f"cannot parse override {text!r}: {exc}")
            continue
        key = parsed.key_or_group
        if parsed.is_add() or parsed.is_force_add() or parsed.is_delete():
            continue
        if key.startswith("hydra."):  # Hydra's own settings (e.g. hydra.run.dir): Hydra checks them
            continue
        if key not in defaults:
            if key.split("@", 1)[0] not in config_groups():
                problems.append(unknown_key_problem(key, known))
            continue
        problem = type_problem(key, parsed.value(), defaults[key], declared_type(key, defaults))
        if problem:
            problems.append(problem)
    return problems


def _fail(problems: list[str]) -> None:
    if problems:
        listed = "\n  - ".join(problems)
        raise ConfigError(f"invalid VERL configuration (verl {VERL_VERSION}):\n  - {listed}")


def run_verl_validation(config: Any) -> list[str]:
    """VERL's own `validate_config`, as `main_ppo` calls it; its failures become ConfigErrors.

    VERL builds the critic's model config (tokenizer and HF config) while validating it; when the
    critic's model is not a directory on this machine, that part is left to `main_ppo` at launch
    and a notice says so (rendering for a cluster must not need the weights or the Hub here)."""
    from verl.trainer.ppo.utils import need_critic, need_reference_policy
    from verl.utils.config import validate_config

    notices = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        use_critic = need_critic(config)
    critic_model = str(config.critic.model.path)
    if use_critic and not Path(critic_model).expanduser().is_dir():
        use_critic = False
        notices.append(
            f"notice: the critic section is checked by VERL at launch (its model {critic_model} is not here)"
        )
    output = io.StringIO()
    try:
        with contextlib.redirect_stdout(output), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            validate_config(config, use_reference_policy=need_reference_policy(config), use_critic=use_critic)
    except (
        Exception
    ) as exc:  # VERL signals with AssertionError, ValueError, TypeError, InstantiationException
        _fail([f"VERL's validate_config rejected it: {type(exc).__name__}: {exc}".strip()])
    return notices


@dataclass(frozen=True)
class Validated:
    """A configuration that passed every check: the DictConfig, its resolved plain dict, and notices."""

    config: Any
    resolved: dict[str, Any]
    notices: list[str]


def validate_overrides(
    overrides: Sequence[str], *, local: bool, visible_gpus: int | None = None
) -> Validated:
    """Compose and check `overrides` (see the module docstring for the order). Raises ConfigError."""
    from omegaconf import OmegaConf

    _fail(key_problems(overrides))
    config = compose(overrides)
    try:
        resolved = OmegaConf.to_container(config, resolve=True)
    except Exception as exc:
        raise ConfigError(f"the composed config does not resolve: {exc}") from exc
    optional = set() if config.reward.reward_model.enable else OPTIONAL_MISSING
    missing = sorted(
        key for key, value in flatten(resolved).items() if value == "???" and key not in optional
    )
    _fail([f"{key} must be set (VERL leaves it '???')" for key in missing])
    notices = run_verl_validation(config)
    _fail(kit_problems(resolved, local, visible_gpus))
    return Validated(config, resolved, notices)
