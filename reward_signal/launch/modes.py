"""The three ways to run: MODE1 (1 GPU, debug), MODE2 (8 GPUs, one node), MODE3 (an existing Ray cluster).

MODE3 only reads where the cluster is (`RAY_ADDRESS`, `NNODES`, `GPUS_PER_NODE`); the cluster itself
is started by KubeRay or `ray start`, never by the kit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from reward_signal.common.errors import ConfigError


class Mode(StrEnum):
    MODE1 = "MODE1"
    MODE2 = "MODE2"
    MODE3 = "MODE3"


ALIASES: dict[str, Mode] = {"debug": Mode.MODE1, "prod": Mode.MODE2, "cluster": Mode.MODE3}
MODE2_GPUS = 8
DEFAULT_GPUS_PER_NODE = 8


def parse_mode(text: str) -> Mode:
    """`MODE1`/`mode1`/`debug` -> Mode.MODE1, and so on; anything else is a ConfigError."""
    lowered = text.strip().lower()
    if lowered in ALIASES:
        return ALIASES[lowered]
    try:
        return Mode(text.strip().upper())
    except ValueError:
        choices = ", ".join([*Mode, *ALIASES])
        raise ConfigError(f"unknown mode {text!r}: choose one of {choices}") from None


@dataclass(frozen=True)
class Layout:
    """How many machines and GPUs the run gets, and which Ray cluster it joins (None = start a local one)."""

    mode: Mode
    nnodes: int
    gpus_per_node: int
    ray_address: str | None = None

    @property
    def n_gpus(self) -> int:
        return self.nnodes * self.gpus_per_node


def _positive_int(env: Mapping[str, str], name: str, default: int | None) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        if default is None:
            raise ConfigError(
                f"MODE3 needs {name} (number of Ray nodes in the cluster), e.g. export {name}=2"
            )
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a whole number") from None
    if value < 1:
        raise ConfigError(f"{name}={value} must be at least 1")
    return value


def visible_gpus(env: Mapping[str, str]) -> int | None:
    """How many devices CUDA_VISIBLE_DEVICES lists (None when it is unset: all GPUs are visible)."""
    listed = env.get("CUDA_VISIBLE_DEVICES")
    if listed is None:
        return None
    return len([device for device in listed.split(",") if device.strip()])


def layout_for(mode: Mode, env: Mapping[str, str]) -> Layout:
    """The GPU layout of `mode`; MODE3 reads it from the environment the cluster job sets."""
    if mode is Mode.MODE1:
        return Layout(mode, nnodes=1, gpus_per_node=1)
    if mode is Mode.MODE2:
        return Layout(mode, nnodes=1, gpus_per_node=MODE2_GPUS)
    address = env.get("RAY_ADDRESS", "").strip()
    if not address:
        raise ConfigError(
            "MODE3 joins an existing Ray cluster: set RAY_ADDRESS (e.g. export RAY_ADDRESS=ray-head:6379), "
            "NNODES and GPUS_PER_NODE"
        )
    return Layout(
        mode,
        nnodes=_positive_int(env, "NNODES", None),
        gpus_per_node=_positive_int(env, "GPUS_PER_NODE", DEFAULT_GPUS_PER_NODE),
        ray_address=address,
    )
