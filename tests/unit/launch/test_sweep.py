from __future__ import annotations

import math
from pathlib import Path

import pytest
import yaml

from reward_signal.common.errors import ConfigError
from reward_signal.data.manifest import load_manifest
from reward_signal.launch.experiment import EXPERIMENTS_DIR, load_experiment
from reward_signal.launch.sweep import expand, load_grid, nested, slug, write_sweep

GRIDS = sorted((EXPERIMENTS_DIR / "grids").glob("*.yaml"))


def test_cells_have_deterministic_names_in_axis_order(assets: Path, tmp_path: Path) -> None:
    written = write_sweep(assets / "launch" / "grid.yaml", tmp_path / "out")
    assert [path.name for path in written] == [
        "tiny-sweep-datasmall-set-seed1.yaml",
        "tiny-sweep-datasmall-set-seed2.yaml",
        "tiny-sweep-databig-seed1.yaml",
        "tiny-sweep-databig-seed2.yaml",
    ]
    again = write_sweep(assets / "launch" / "grid.yaml", tmp_path / "again")
    assert [path.read_text().replace(str(tmp_path / "out"), "DIR") for path in written] == [
        path.read_text().replace(str(tmp_path / "again"), "DIR") for path in again
    ]
    cell = load_experiment(written[1])
    assert (cell.name, cell.seed, cell.data.train, cell.schedule.total_epochs) == (
        "tiny-sweep-datasmall-set-seed2",
        2,
        ["small.parquet"],
        4,
    )
    assert cell.batch.train_batch_size == 8 and "modes" in yaml.safe_load(written[1].read_text())
    assert written[0].read_text().startswith("# Cell tiny-sweep-datasmall-set-seed1 of the sweep")


def test_a_bad_cell_fails_before_anything_is_written(assets: Path, tmp_path: Path) -> None:
    grid = tmp_path / "grid.yaml"
    grid.write_text(
        f"base: {assets / 'launch' / 'tiny.yaml'}\naxes:\n  exploration.n: [4, 0]\n", encoding="utf-8"
    )
    with pytest.raises(ConfigError, match="exploration.n: Input should be greater than 0"):
        write_sweep(grid, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_duplicate_names_and_bad_grids_are_refused(assets: Path, tmp_path: Path) -> None:
    grid = tmp_path / "grid.yaml"
    grid.write_text(f"base: {assets / 'launch' / 'tiny.yaml'}\naxes:\n  seed: [1, '1']\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="duplicate cell names"):
        expand(load_grid(grid), grid)
    grid.write_text("base: debug\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="needs `base:` and an `axes:`"):
        load_grid(grid)
    grid.write_text("base: debug\naxes: {data: [{label: x}]}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="axes.data.0.set"):
        load_grid(grid)


def test_helpers() -> None:
    assert nested({"a.b": 1, "a.c": 2, "d": 3}) == {"a": {"b": 1, "c": 2}, "d": 3}
    assert slug("Small Set_2.5") == "small-set-2.5"


@pytest.mark.parametrize("grid_path", GRIDS, ids=[path.stem for path in GRIDS])
def test_shipped_data_scale_grids_keep_the_step_count_comparable(grid_path: Path) -> None:
    """rows / batch × epochs stays within 4 % of the largest cell, as in the seed's study."""
    rows = {entry.name: entry.rows for entry in load_manifest().datasets}
    steps = {}
    for name, raw in expand(load_grid(grid_path), grid_path):
        (train,) = raw["data"]["train"]
        steps[name] = (
            math.ceil(rows[train] / raw["batch"]["train_batch_size"]) * raw["schedule"]["total_epochs"]
        )
    assert len(steps) >= 48
    assert min(steps.values()) >= 0.96 * max(steps.values()), steps
