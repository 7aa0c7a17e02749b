from __future__ import annotations

import pytest

from reward_signal.common.errors import EXIT_CONFIG_ERROR, ConfigError
from reward_signal.launch.modes import Mode, layout_for, parse_mode, visible_gpus


@pytest.mark.parametrize(
    ("text", "mode"),
    [
        ("MODE1", Mode.MODE1),
        ("mode2", Mode.MODE2),
        ("debug", Mode.MODE1),
        ("prod", Mode.MODE2),
        ("Cluster", Mode.MODE3),
    ],
)
def test_modes_and_aliases(text: str, mode: Mode) -> None:
    assert parse_mode(text) is mode


def test_unknown_mode_lists_choices() -> None:
    with pytest.raises(ConfigError, match="MODE1, MODE2, MODE3, debug, prod, cluster") as info:
        parse_mode("MODE4")
    assert info.value.exit_code == EXIT_CONFIG_ERROR


def test_local_layouts() -> None:
    assert (layout_for(Mode.MODE1, {}).n_gpus, layout_for(Mode.MODE2, {}).n_gpus) == (1, 8)
    assert layout_for(Mode.MODE2, {}).ray_address is None


def test_mode3_reads_the_cluster_from_the_environment() -> None:
    layout = layout_for(Mode.MODE3, {"RAY_ADDRESS": "ray-head:6379", "NNODES": "4", "GPUS_PER_NODE": "4"})
    assert (layout.nnodes, layout.gpus_per_node, layout.n_gpus, layout.ray_address) == (
        4,
        4,
        16,
        "ray-head:6379",
    )
    assert layout_for(Mode.MODE3, {"RAY_ADDRESS": "h:1", "NNODES": "2"}).gpus_per_node == 8


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"NNODES": "2"}, "RAY_ADDRESS"),
        ({"RAY_ADDRESS": "h:1"}, "MODE3 needs NNODES"),
        ({"RAY_ADDRESS": "h:1", "NNODES": "two"}, "NNODES='two' is not a whole number"),
        ({"RAY_ADDRESS": "h:1", "NNODES": "2", "GPUS_PER_NODE": "0"}, "GPUS_PER_NODE=0 must be at least 1"),
    ],
)
def test_mode3_refuses_an_incomplete_environment(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        layout_for(Mode.MODE3, env)


def test_visible_gpus() -> None:
    assert visible_gpus({}) is None
    assert visible_gpus({"CUDA_VISIBLE_DEVICES": "0,3"}) == 2
    assert visible_gpus({"CUDA_VISIBLE_DEVICES": ""}) == 0
