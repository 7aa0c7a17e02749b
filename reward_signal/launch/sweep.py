"""`reward-signal sweep`: a grid file -> one complete experiment file per cell, with deterministic names.

Grid file:

    base: qwen25-math-1.5b-datascale        # experiment name or path (relative paths: from the grid file)
    prefix: qwen15b-ds                       # optional; cell names start with it (default: base's name)
    axes:                                    # product in this order; each cell is <prefix>-<axis><label>-...
      data:                                  # a value is {label, set: {dotted.field: value}} ...
        - {label: "64", set: {data.train: [qwen-math-1.5b-64], schedule.total_epochs: 496}}
      seed: [1, 2, 3]                        # ... or a scalar assigned to the field named by the axis

Every cell is checked by the experiment schema before anything is written; `k8s render --sweep DIR`
then turns each file into a Job.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from reward_signal.common.errors import ConfigError
from reward_signal.common.files import ensure_writable_dir, write_text
from reward_signal.launch.experiment import (
    NAME_PATTERN,
    deep_merge,
    experiment_path,
    parse_experiment,
    read_experiment_dict,
)


class AxisValue(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    label: str = Field(min_length=1)
    set: dict[str, Any] = Field(min_length=1, description="dotted experiment fields -> values")


class Grid(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    base: str
    prefix: str | None = Field(default=None, pattern=NAME_PATTERN)
    axes: dict[str, list[AxisValue]] = Field(min_length=1)


def _axis_value(axis: str, value: Any) -> Any:
    """A scalar axis value means {label: value, set: {axis: value}}."""
    if isinstance(value, dict):
        return value
    return {"label": str(value), "set": {axis: value}}


def load_grid(path: Path) -> Grid:
    import yaml
    from pydantic import ValidationError

    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read grid ({exc})") from exc
    if not isinstance(raw, dict) or not isinstance(raw.get("axes"), dict):
        raise ConfigError(f"{path}: a grid needs `base:` and an `axes:` mapping of axis -> list of values")
    raw["axes"] = {
        axis: [_axis_value(axis, value) for value in (values if isinstance(values, list) else [values])]
        for axis, values in raw["axes"].items()
    }
    try:
        return Grid.model_validate(raw)
    except ValidationError as exc:
        details = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise ConfigError(f"{path}: invalid grid: {details}") from exc


def nested(dotted: dict[str, Any]) -> dict[str, Any]:
    """{'a.b': 1} -> {'a': {'b': 1}}."""
    result: dict[str, Any] = {}
    for key, value in dotted.items():
        *parents, leaf = key.split(".")
        node = result
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return result


def slug(text: str) -> str:
    """A label as a name part: lowercase, runs of other characters -> '-'."""
    return re.sub(r"[^a-z0-9.]+", "-", text.lower()).strip("-")


def expand(grid: Grid, grid_path: Path) -> list[tuple[str, dict[str, Any]]]:
    """(cell name, full experiment mapping) for every cell, in axis order; all cells schema-checked."""
    base_ref = grid.base
    relative = grid_path.parent / base_ref
    base_path = relative if relative.is_file() else experiment_path(base_ref)
    base = read_experiment_dict(base_path)
    prefix = grid.prefix or base["name"]
    cells = []
    choices = [[(axis, value) for value in values] for axis, values in grid.axes.items()]
    for combo in itertools.product(*choices):
        name = "-".join([prefix, *(f"{slug(axis)}{slug(value.label)}" for axis, value in combo)])
        raw = base
        for _, value in combo:
            raw = deep_merge(raw, nested(value.set))
        cell = ", ".join(f"{axis}={value.label}" for axis, value in combo)
        raw = {**raw, "name": name, "description": f"{cell} (sweep {grid_path.name} over {base['name']})"}
        parse_experiment(raw, f"{grid_path} cell {name}")
        cells.append((name, raw))
    names = [name for name, _ in cells]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ConfigError(
            f"{grid_path}: labels give duplicate cell names {', '.join(duplicates)}: make labels unique"
        )
    return cells


def write_sweep(grid_path: Path, out_dir: Path) -> list[Path]:
    """Write one experiment file per cell into `out_dir`; returns their paths in grid order."""
    import yaml

    cells = expand(load_grid(grid_path), grid_path)
    ensure_writable_dir(out_dir)
    written = []
    for name, raw in cells:
        target = out_dir / f"{name}.yaml"
        header = (
            f"# Cell {name} of the sweep {grid_path} (written by `reward-signal sweep`; edit the grid, not this).\n"
            f"# Launch:   reward-signal train --exp {target} --mode MODE2\n"
            f"# Override: reward-signal train --exp {target} --mode MODE2 --set trainer.save_freq=100\n"
        )
        write_text(target, header + yaml.safe_dump(raw, sort_keys=False))
        written.append(target)
    return written
