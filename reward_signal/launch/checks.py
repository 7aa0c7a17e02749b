"""The kit's own checks on a composed VERL config: what VERL's `validate_config` lets through.

They read the resolved config as a plain dict, so they are pure functions, and each returns every
problem it finds (a user fixes all of them in one go rather than one per launch attempt).
"""

from __future__ import annotations

import json
import types
import typing
from pathlib import Path
from typing import Any

from reward_signal.launch.experiment import closest

VERL_PLACEHOLDER_MODEL = "~/models/deepseek-llm-7b-chat"  # verl's default `actor_rollout_ref.model.path`


def get(config: dict[str, Any], key: str) -> Any:
    """`config['a']['b']` for key 'a.b'."""
    node: Any = config
    for part in key.split("."):
        node = node[part]
    return node


def flatten(config: Any, prefix: str = "") -> dict[str, Any]:
    """Every dotted key -> value; dicts are listed too (a key may name a whole section)."""
    found: dict[str, Any] = {}
    if isinstance(config, dict):
        for key, value in config.items():
            dotted = f"{prefix}{key}"
            found[dotted] = value
            found.update(flatten(value, f"{dotted}."))
    return found


def unknown_key_problem(key: str, known: list[str]) -> str:
    hint = closest(key, known)
    return f"unknown VERL key {key!r}" + (f": did you mean {hint!r}?" if hint else "")


_TYPE_NAMES = {
    bool: "a boolean",
    int: "an integer",
    float: "a number",
    str: "a string",
    list: "a list",
    dict: "a mapping",
}


# VERL accepts one path or a list of paths here, though the default is a single string.
PATH_OR_LIST_KEYS = frozenset({"data.train_files", "data.val_files"})


def matches_annotation(value: Any, annotation: Any) -> bool | None:
    """Does `value` fit a dataclass field annotation? None when the annotation is beyond this check."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if annotation is Any:
        return True
    if origin in (typing.Union, types.UnionType):
        verdicts = [matches_annotation(value, arg) for arg in args]
        return True if True in verdicts else (None if None in verdicts else False)
    if origin is typing.Literal:
        return value in args
    if annotation is type(None):
        return value is None
    if annotation is bool:
        return isinstance(value, bool)
    if annotation is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if annotation is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if annotation is str:
        return isinstance(value, str)
    if annotation in (list, tuple) or origin in (list, tuple):
        return isinstance(value, list)
    if annotation is dict or origin is dict:
        return isinstance(value, dict)
    return None


def _matches_default(key: str, value: Any, default: Any) -> bool | None:
    """Does `value` have the type of VERL's default? None when the default says nothing (null, ???, ${...})."""
    if default is None or default == "???" or (isinstance(default, str) and default.startswith("${")):
        return None
    if key in PATH_OR_LIST_KEYS and isinstance(value, list):
        return all(isinstance(item, str) for item in value)
    if isinstance(default, bool):
        return isinstance(value, bool)
    if isinstance(default, int):
        return isinstance(value, int) and not isinstance(value, bool)
    if isinstance(default, float):
        return isinstance(value, int | float) and not isinstance(value, bool)
    if isinstance(default, str):
        return isinstance(value, str | int | float) and not isinstance(value, bool)
    if isinstance(default, list | dict):
        return isinstance(value, type(default))
    return None


def type_problem(key: str, value: Any, default: Any, annotation: Any = None) -> str | None:
    """Hydra composes `data.train_batch_size=abc`: refuse a value whose type differs from what VERL declares
    (the field's annotation in VERL's config dataclass when there is one, else the default's type)."""
    if value is None:
        return None
    verdict = matches_annotation(value, annotation) if annotation is not None else None
    if verdict is None:
        verdict = _matches_default(key, value, default)
        expected = _TYPE_NAMES.get(type(default), type(default).__name__)
    else:
        expected = f"{getattr(annotation, '__name__', None) or str(annotation).replace('typing.', '')}"
    if verdict is not False:
        return None
    return f"{key}={value!r}: VERL expects {expected} here (default {default!r})"


def batch_problems(config: dict[str, Any]) -> list[str]:
    """Batch sizes that VERL would reject on the GPUs, after loading the model."""
    trainer, actor = config["trainer"], config["actor_rollout_ref"]["actor"]
    n_gpus = trainer["n_gpus_per_node"] * trainer["nnodes"]
    n = config["actor_rollout_ref"]["rollout"]["n"]
    train_batch, mini = config["data"]["train_batch_size"], actor["ppo_mini_batch_size"]
    problems = []
    if train_batch % mini:
        problems.append(
            f"train batch × n = {train_batch}×{n} is not divisible by the mini-batch {mini}×{n}: "
            f"make data.train_batch_size ({train_batch}) a multiple of ppo_mini_batch_size ({mini})"
        )
    if (train_batch * n) % n_gpus:
        problems.append(
            f"train batch × n = {train_batch}×{n} = {train_batch * n} is not divisible by the {n_gpus} GPUs"
        )
    micro = actor.get("ppo_micro_batch_size_per_gpu")
    if (mini * n) % n_gpus:
        problems.append(f"mini-batch × n = {mini}×{n} = {mini * n} is not divisible by the {n_gpus} GPUs")
    elif micro and not actor.get("use_dynamic_bsz") and ((mini * n) // n_gpus) % micro:
        problems.append(
            f"each GPU gets {(mini * n) // n_gpus} samples per mini-batch, not divisible by "
            f"ppo_micro_batch_size_per_gpu={micro}"
        )
    return problems


def parallel_problems(config: dict[str, Any]) -> list[str]:
    gpus_per_node = config["trainer"]["n_gpus_per_node"]
    tp = config["actor_rollout_ref"]["rollout"]["tensor_model_parallel_size"]
    if tp > gpus_per_node or gpus_per_node % tp:
        return [
            f"rollout tensor parallel size {tp} must divide the GPUs per node ({gpus_per_node}): "
            f"set rollout.tensor_parallel_size to a divisor of {gpus_per_node}"
        ]
    return []


def _model_max_positions(model_path: str) -> int | None:
    config_file = Path(model_path).expanduser() / "config.json"
    if not config_file.is_file():
        return None
    try:
        value = json.loads(config_file.read_text(encoding="utf-8")).get("max_position_embeddings")
    except (OSError, ValueError):
        return None
    return value if isinstance(value, int) else None


def length_problems(config: dict[str, Any]) -> list[str]:
    """Prompt + response must fit the rollout engine's context (and the model's, if it is a local dir)."""
    data, rollout = config["data"], config["actor_rollout_ref"]["rollout"]
    total = data["max_prompt_length"] + data["max_response_length"]
    limits = {"actor_rollout_ref.rollout.max_model_len": rollout.get("max_model_len")}
    limits["max_position_embeddings of the model"] = _model_max_positions(
        config["actor_rollout_ref"]["model"]["path"]
    )
    return [
        f"prompt + response = {data['max_prompt_length']} + {data['max_response_length']} = {total} tokens "
        f"exceeds {name} ({limit}): shorten lengths.prompt/lengths.response"
        for name, limit in limits.items()
        if isinstance(limit, int) and total > limit
    ]


def looks_like_path(text: str) -> bool:
    return text.startswith(("/", "./", "../", "~"))


def model_problems(config: dict[str, Any], local: bool) -> list[str]:
    """A model id or path must be given; a local path must exist when the run is on this machine."""
    path = config["actor_rollout_ref"]["model"]["path"]
    if not path or path == VERL_PLACEHOLDER_MODEL:
        return ["no model given: set model.path in the experiment (a Hugging Face id or a local directory)"]
    if local and looks_like_path(path) and not Path(path).expanduser().is_dir():
        return [f"model directory {path} does not exist on this machine"]
    return []


def reward_problems(config: dict[str, Any]) -> list[str]:
    path = config["reward"]["custom_reward_function"]["path"]
    if path and not str(path).startswith("pkg://") and not Path(path).expanduser().is_file():
        return [f"reward.custom_reward_function.path {path} does not exist"]
    return []


def visible_gpu_problems(config: dict[str, Any], visible_gpus: int | None) -> list[str]:
    """On this machine, VERL would wait forever for GPUs that CUDA_VISIBLE_DEVICES hides."""
    wanted = config["trainer"]["n_gpus_per_node"]
    if visible_gpus is not None and wanted > visible_gpus:
        return [
            f"the run wants {wanted} GPUs per node but CUDA_VISIBLE_DEVICES shows {visible_gpus}: "
            f"unset it, list more devices, or --set trainer.n_gpus_per_node={visible_gpus}"
        ]
    return []


def kit_problems(config: dict[str, Any], local: bool, visible_gpus: int | None = None) -> list[str]:
    """Every kit check on a resolved VERL config (`local`: the run starts on this machine)."""
    return [
        *batch_problems(config),
        *visible_gpu_problems(config, visible_gpus if local else None),
        *parallel_problems(config),
        *length_problems(config),
        *model_problems(config, local),
        *reward_problems(config),
    ]
