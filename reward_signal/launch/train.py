"""`reward-signal train`: experiment file -> validated VERL command -> run directory -> exec VERL.

`prepare()` does everything that can fail (and launches nothing); `launch()` writes the run directory
and replaces this process with VERL (`os.execvpe`), so signals from Kubernetes or Ctrl-C reach VERL
directly and its exit code is the job's.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn

from reward_signal.common.errors import ConfigError, DataError
from reward_signal.common.paths import data_dir, runs_dir
from reward_signal.launch.experiment import Experiment, experiment_path, load_experiment
from reward_signal.launch.modes import Layout, Mode, layout_for, parse_mode, visible_gpus
from reward_signal.launch.render import RunPaths, render, worker_env
from reward_signal.launch.rundir import attempt_stamp, provenance, secret_values, write_run_dir

VERL_ENTRY = ("-m", "verl.trainer.main_ppo")
WANDB_OFFLINE_NOTE = (
    "W&B is offline (WANDB_API_KEY is not set): logs go to {run_dir}/wandb; "
    "upload them later with `wandb sync {run_dir}/wandb/offline-run-*`"
)


@dataclass
class Plan:
    """A validated launch: what will run, where it writes, and what to tell the user."""

    experiment: Experiment
    layout: Layout
    paths: RunPaths
    overrides: list[str]
    argv: list[str]
    env_updates: dict[str, str]
    config: dict[str, Any]
    train_files: list[Path]
    val_files: list[Path]
    notices: list[str] = field(default_factory=list)

    @property
    def command(self) -> str:
        """One pasteable shell line: the worker variables, then the VERL command."""
        import shlex

        env = [f"{name}={shlex.quote(value)}" for name, value in self.env_updates.items()]
        return " ".join([*env, *(shlex.quote(part) for part in self.argv)])


def seed_reward_type(text: str) -> str:
    """A reward type given as the seed's REWARD_MODEL_TYPE (RULE_BASED, RANDOM_REWARD) or the kit's name.

    One meaning everywhere: RANDOM_REWARD is the seed's format-gated fair coin (`random_format_gated`),
    the same mapping the reward function applies to $REWARD_MODEL_TYPE."""
    from reward_signal.rewards.verl_entry import SEED_TYPE_NAMES

    raw = text.strip()
    return SEED_TYPE_NAMES.get(raw.upper(), raw.lower())


def header_command(experiment_file: Path, ref: str) -> str | None:
    """The `reward-signal data ...` command in the experiment file's header comment that makes `ref`."""
    try:
        lines = experiment_file.read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    for line in lines:
        command = line.lstrip("# ").rstrip()
        if line.startswith("#") and command.startswith("reward-signal data ") and ref in command.split():
            return command
    return None


def data_file(ref: str, must_exist: bool, experiment_file: Path | None = None) -> Path:
    """A manifest name or parquet path -> absolute path; `must_exist=False` renders for another machine.
    A missing file's error quotes the command in `experiment_file`'s header that makes it, if any."""
    from reward_signal.data.manifest import dataset_path, load_manifest

    try:
        if must_exist:
            return dataset_path(ref).resolve()
        manifest = load_manifest()
        if ref in manifest.names:  # a name first: `qwen-math-1.5b-2048` has a `.5b-2048` "suffix"
            return data_dir() / manifest.get(ref).path
        path = Path(ref).expanduser()
        if path.suffix or len(path.parts) > 1:  # a path, as `dataset_path` decides it
            return path.resolve()
        return data_dir() / manifest.get(ref).path  # unknown names raise with suggestions
    except DataError as exc:
        recipe = header_command(experiment_file, ref) if experiment_file is not None else None
        if recipe is not None and "run `" not in str(exc):
            raise ConfigError(f"{exc}; make it first, as {experiment_file} says: {recipe}") from exc
        raise ConfigError(str(exc)) from exc


@functools.cache
def _file_problems(path: Path, mtime_ns: int, size: int) -> tuple[str, ...]:
    from reward_signal.data.validate import validate_file

    try:
        return tuple(str(problem) for problem in validate_file(path))
    except DataError as exc:
        return (str(exc),)


def config_files(config: dict[str, Any], key: str) -> list[Path]:
    """`data.<key>` of a resolved VERL config (one path or a list) as paths."""
    value = config["data"][key]
    return [Path(item) for item in ([value] if isinstance(value, str) else value)]


def data_problems(paths: Sequence[Path], limit: int = 5) -> list[str]:
    """`data validate` on each file (cached per file version): the first few problems per file."""
    problems = []
    for path in paths:
        if not path.is_file():
            problems.append(f"{path}: no such file")
            continue
        stat = path.stat()
        found = _file_problems(path, stat.st_mtime_ns, stat.st_size)
        more = (
            f" (and {len(found) - limit} more; run `reward-signal data validate {path}`)"
            if len(found) > limit
            else ""
        )
        problems += [f"{path}: {problem}" for problem in found[:limit]]
        if more:
            problems[-1] += more
    return problems


def distinct_prompts(paths: Sequence[Path]) -> int:
    """How many different prompts the training files hold (upsampled subsets repeat rows)."""
    from reward_signal.data.parquet import read_table

    seen: set[str] = set()
    for path in paths:
        for prompt in read_table(path, columns=["prompt"]).column("prompt").to_pylist():
            seen.add(json.dumps(prompt, sort_keys=True))
    return len(seen)


def prepare(
    exp_ref: str | Path,
    mode: Mode | str,
    sets: Sequence[str] = (),
    *,
    patch: dict[str, Any] | None = None,
    runs_root: Path | None = None,
    env: Mapping[str, str] | None = None,
    now: datetime | None = None,
    check_data: bool = True,
    cpus: int | None = None,
) -> Plan:
    """Load, render and validate; raises ConfigError (exit 78) on any problem and launches nothing.

    `cpus`: CPUs a local Ray gets on the launching machine (default: this machine's, `local_ray.py`)."""
    from reward_signal.launch.local_ray import OVERRIDE_KEY, cpu_floor, floor_notice, machine_cpus
    from reward_signal.launch.validate import validate_overrides

    env = os.environ if env is None else env
    now = now or datetime.now(UTC)
    mode = parse_mode(str(mode))
    exp = load_experiment(exp_ref, mode, patch)
    layout = layout_for(mode, env)
    run_dir = (runs_root or runs_dir()).resolve() / exp.name
    paths = RunPaths(run_dir, run_dir / "metrics" / f"attempt-{attempt_stamp(now)}.jsonl")
    source = experiment_path(exp_ref)
    train_files = [data_file(ref, check_data, source) for ref in exp.data.train]
    val_files = [data_file(ref, check_data, source) for ref in exp.data.val]
    wandb_online = bool(env.get("WANDB_API_KEY"))
    overrides, notices = render(exp, layout, paths, train_files, val_files, wandb_online, sets)
    validated = validate_overrides(
        overrides, local=layout.ray_address is None, visible_gpus=visible_gpus(env)
    )
    notices += validated.notices
    if layout.ray_address is None:
        available = machine_cpus() if cpus is None else cpus
        floor = cpu_floor(validated.resolved, available)
        if floor is not None:
            notices.append(floor_notice(floor, available))
            overrides = [*overrides, f"{OVERRIDE_KEY}={floor}"]
            validated.resolved["ray_kwargs"]["ray_init"]["num_cpus"] = floor
    # What VERL will read, after any `--set data.train_files=...`.
    train_files = config_files(validated.resolved, "train_files")
    val_files = config_files(validated.resolved, "val_files")
    if check_data:
        problems = data_problems([*train_files, *val_files])
        if problems:
            raise ConfigError("data files fail `data validate`:\n  - " + "\n  - ".join(problems))
    if exp.logging.wandb and not wandb_online:
        notices.append(WANDB_OFFLINE_NOTE.format(run_dir=run_dir))
    if exp.logging.mlflow and importlib.util.find_spec("mlflow") is None:
        notices.append(
            "logging.mlflow: the `mlflow` package is not installed here; VERL's mlflow logger needs it"
        )
    return Plan(
        experiment=exp,
        layout=layout,
        paths=paths,
        overrides=overrides,
        argv=[sys.executable, *VERL_ENTRY, *overrides],
        env_updates=worker_env(exp, paths, wandb_online),
        config=validated.resolved,
        train_files=train_files,
        val_files=val_files,
        notices=notices,
    )


def run_info(plan: Plan, env: Mapping[str, str], now: datetime) -> dict[str, Any]:
    """run.json: what ran (from the resolved config, so `--set` changes show) and where it came from."""
    from reward_signal.launch.render import reward_params as run_reward_params
    from reward_signal.rewards.reward_types import resolve_params
    from reward_signal.rewards.verl_entry import settings

    exp, config = plan.experiment, plan.config
    given = run_reward_params(exp)
    # Split off the per-sample `timeout` exactly as the reward function does, then fill type defaults.
    _, timeout, type_params = settings({**given, "reward_type": exp.reward.type})
    _, reward_params = resolve_params(exp.reward.type, type_params)
    if "timeout" in given:
        reward_params["timeout"] = timeout
    trainer = config["trainer"]
    return {
        "experiment": exp.name,
        "model": config["actor_rollout_ref"]["model"]["path"],
        "reward_type": exp.reward.type,
        "reward_params": reward_params,
        "algorithm": exp.algorithm.name,
        "train_data": list(exp.data.train),
        "train_files": [str(path) for path in plan.train_files],
        "val_files": [str(path) for path in plan.val_files],
        "train_prompts": distinct_prompts(plan.train_files),
        "seed": exp.seed,
        "mode": str(plan.layout.mode),
        "n_gpus": trainer["n_gpus_per_node"] * trainer["nnodes"],
        "nnodes": trainer["nnodes"],
        "metrics_file": str(plan.paths.metrics_file),
        **provenance(env, now),
    }


def launch(plan: Plan, env: Mapping[str, str] | None = None, now: datetime | None = None) -> NoReturn:
    """Write the run directory, then exec VERL in this process (no wrapper left in between)."""
    env = dict(os.environ if env is None else env)
    now = now or datetime.now(UTC)
    write_run_dir(
        plan.paths.run_dir,
        run_info=run_info(plan, env, now),
        config=plan.config,
        overrides=plan.overrides,
        argv=plan.argv,
        env_updates=plan.env_updates,
        secrets=secret_values(env),
    )
    sys.stdout.flush()
    sys.stderr.flush()
    os.execvpe(plan.argv[0], plan.argv, {**env, **plan.env_updates})
