"""Experiment files: one small YAML per training run, checked by a strict schema.

Python API (the `train`, `sweep` and `k8s render` commands all go through it):

    from reward_signal.launch.experiment import load_experiment, experiment_path, shipped_experiments
    exp = load_experiment("llama31-8b-rlvr8k")            # a name under script/experiments/ or a path
    exp = load_experiment("my.yaml", mode="MODE1")         # with the file's `modes.MODE1` patch applied
    exp.name, exp.model.path, exp.reward.type, exp.batch.train_batch_size, ...
    experiment_path("debug")  -> Path of the file;  shipped_experiments() -> every shipped file

Unknown keys are errors (with the closest valid key), so a typo never silently falls back to a default.
The `modes:` section patches fields per mode (deep merge), because a 1-GPU debug run of an 8B recipe
needs smaller batches than the 8-GPU run; `verl:` holds raw VERL Hydra keys, validated like `--set`.
"""

from __future__ import annotations

import copy
import difflib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from reward_signal.common.errors import ConfigError
from reward_signal.common.paths import REPO_ROOT
from reward_signal.launch.modes import Mode, parse_mode

EXPERIMENTS_DIR = REPO_ROOT / "script" / "experiments"
NAME_PATTERN = r"^[a-z0-9][a-z0-9._-]*$"

PositiveInt = Annotated[int, Field(gt=0)]
Fraction = Annotated[float, Field(gt=0, le=1)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ModelSpec(_Strict):
    path: str = Field(min_length=1, description="Hugging Face id or local directory of the policy")
    tokenizer_path: str | None = None
    trust_remote_code: bool = False
    gradient_checkpointing: bool = True
    remove_padding: bool = True


class DataSpec(_Strict):
    train: list[str] = Field(min_length=1, description="manifest names or parquet paths")
    val: list[str] = Field(default_factory=list, description="manifest names or parquet paths")
    shuffle: bool = True
    filter_overlong_prompts: bool = True

    @field_validator("train", "val", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value


class RewardSpec(_Strict):
    type: str = "rule_based"
    params: dict[str, Any] = Field(default_factory=dict)


class ExplorationSpec(_Strict):
    n: PositiveInt = Field(description="responses sampled per prompt (the GRPO group size)")
    temperature: Annotated[float, Field(gt=0)] = 1.0
    top_p: Fraction = 1.0


class KLSpec(_Strict):
    loss: bool = True
    loss_coef: Annotated[float, Field(ge=0)] = 0.001
    loss_type: Literal["kl", "abs", "mse", "low_var_kl", "full"] = "low_var_kl"
    in_reward: bool = False
    reward_coef: Annotated[float, Field(ge=0)] = 0.001


LossAggMode = Literal[
    "token-mean", "token-sum", "seq-mean-token-sum", "seq-mean-token-mean", "seq-mean-token-sum-norm"
]


class AlgorithmSpec(_Strict):
    name: Literal["grpo", "rloo", "reinforce_plus_plus", "dr_grpo", "ppo"] = "grpo"
    kl: KLSpec = Field(default_factory=KLSpec)
    entropy_coeff: Annotated[float, Field(ge=0)] = 0.0
    loss_agg_mode: LossAggMode | None = Field(default=None, description="None: the algorithm's own default")
    critic_lr: Annotated[float, Field(gt=0)] = 1e-5


class OptimSpec(_Strict):
    lr: Annotated[float, Field(gt=0)]
    warmup_ratio: Annotated[float, Field(ge=0, lt=1)] = 0.0
    weight_decay: Annotated[float, Field(ge=0)] = 0.01


class BatchSpec(_Strict):
    train_batch_size: PositiveInt = Field(description="prompts per step")
    ppo_mini_batch_size: PositiveInt = Field(description="prompts per optimiser update")
    micro_batch_size_per_gpu: PositiveInt
    log_prob_micro_batch_size_per_gpu: PositiveInt
    ppo_epochs: PositiveInt = 1


class LengthSpec(_Strict):
    prompt: PositiveInt
    response: PositiveInt


class RolloutSpec(_Strict):
    engine: Literal["vllm", "sglang"] = "vllm"
    tensor_parallel_size: PositiveInt = 1
    gpu_memory_utilization: Fraction = 0.6
    max_model_len: PositiveInt | None = None


class OffloadSpec(_Strict):
    actor_params: bool = False
    actor_optimizer: bool = False
    ref_params: bool = True


class ScheduleSpec(_Strict):
    total_epochs: PositiveInt
    total_training_steps: PositiveInt | None = None
    save_freq: int = Field(default=50, ge=-1, description="-1 disables checkpoints")
    test_freq: int = Field(default=10, ge=-1, description="-1 disables validation")
    val_before_train: bool = True


class LoggingSpec(_Strict):
    project: str = "reward-signal"
    wandb: bool = True
    # VERL's mlflow logger into an MLflow file store at <run>/mlflow, the seed's layout (`report` reads
    # it); the file logger (metrics/attempt-*.jsonl) is always on as well.
    mlflow: bool = False


class ValidationSpec(_Strict):
    """How VERL samples the held-out sets at each `test_freq` step (its `rollout.val_kwargs`).

    VERL's default is one greedy answer per problem; on 30-problem AIME sets that moves by about 0.05
    between validations of an unchanged policy, so the report's overfit flag cannot separate a real
    drop from noise. n >= 8 at the eval temperature brings a validation point's standard error to
    about 0.01 (docs/report.md gives the flags' error rates, docs/training.md the GPU-time cost).
    """

    n: PositiveInt = Field(default=1, description="samples per validation problem (VERL's val_kwargs.n)")
    temperature: Annotated[float, Field(ge=0)] = Field(default=0.0, description="0 = greedy")
    top_p: Fraction = 1.0


class Experiment(_Strict):
    name: str = Field(pattern=NAME_PATTERN)
    description: str = ""
    model: ModelSpec
    data: DataSpec
    reward: RewardSpec = Field(default_factory=RewardSpec)
    exploration: ExplorationSpec
    algorithm: AlgorithmSpec = Field(default_factory=AlgorithmSpec)
    optim: OptimSpec
    batch: BatchSpec
    lengths: LengthSpec
    rollout: RolloutSpec = Field(default_factory=RolloutSpec)
    offload: OffloadSpec = Field(default_factory=OffloadSpec)
    schedule: ScheduleSpec
    validation: ValidationSpec = Field(default_factory=ValidationSpec)
    logging: LoggingSpec = Field(default_factory=LoggingSpec)
    seed: int | None = Field(
        default=42,
        description="data, rollout and data-loader seed, and the default reward-draw seed; "
        "null passes no seed (VERL's defaults, as the seed's scripts did)",
    )
    verl: dict[str, Any] = Field(
        default_factory=dict, description="extra VERL Hydra keys, validated like --set"
    )
    modes: dict[Mode, dict[str, Any]] = Field(default_factory=dict)

    @field_validator("modes", mode="before")
    @classmethod
    def _mode_aliases(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {parse_mode(str(key)): patch for key, patch in value.items()}
        return value


def closest(word: str, candidates: list[str]) -> str | None:
    """The most similar candidate (difflib), for 'did you mean' hints."""
    found = difflib.get_close_matches(word, candidates, n=1, cutoff=0.5)
    return found[0] if found else None


def _fields_at(loc: tuple[Any, ...]) -> list[str]:
    """Valid field names of the sub-model at `loc` (for the hint on an unknown key)."""
    model: type[BaseModel] | None = Experiment
    for part in loc:
        if model is None or part not in model.model_fields:
            return []
        annotation = model.model_fields[part].annotation
        model = annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None
    return list(model.model_fields) if model else []


def _describe(error: dict[str, Any]) -> str:
    loc = tuple(error["loc"])
    where = ".".join(map(str, loc)) or "(top level)"
    if error["type"] == "extra_forbidden":
        hint = closest(str(loc[-1]), _fields_at(loc[:-1]))
        return f"unknown key {where}" + (
            f" (did you mean {'.'.join(map(str, (*loc[:-1], hint)))}?)" if hint else ""
        )
    return f"{where}: {error['msg']}"


def deep_merge(base: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """`base` with `patch` applied: nested dicts merge, anything else is replaced."""
    merged = copy.deepcopy(base)
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def experiment_path(path_or_name: str | Path) -> Path:
    """A file path as is, or a shipped experiment's name -> `script/experiments/<name>.yaml`."""
    candidate = Path(path_or_name)
    if candidate.is_file():
        return candidate
    shipped = EXPERIMENTS_DIR / f"{path_or_name}.yaml"
    if shipped.is_file():
        return shipped
    names = [path.stem for path in shipped_experiments()]
    hint = closest(str(path_or_name), names)
    raise ConfigError(
        f"no experiment file {path_or_name!r}: give a YAML path or one of {', '.join(names)}"
        + (f" (did you mean {hint}?)" if hint else "")
    )


def shipped_experiments() -> list[Path]:
    """Every experiment file shipped under script/experiments/, sorted by name."""
    return sorted(EXPERIMENTS_DIR.glob("*.yaml"))


def read_experiment_dict(path: Path) -> dict[str, Any]:
    """The raw mapping of an experiment file (`name` defaults to the file's stem)."""
    import yaml

    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML ({exc})") from exc
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror})") from exc
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: an experiment file must be a mapping of keys (model, data, reward, ...)")
    raw.setdefault("name", path.stem)
    return raw


def _validated(raw: dict[str, Any], source: str) -> Experiment:
    try:
        return Experiment.model_validate(raw)
    except ValidationError as exc:
        problems = "\n  ".join(_describe(error) for error in exc.errors())
        raise ConfigError(f"{source}: invalid experiment:\n  {problems}") from exc


def _mode_patches(raw: dict[str, Any], source: str) -> dict[Mode, dict[str, Any]]:
    modes = raw.get("modes") or {}
    if not isinstance(modes, dict):
        raise ConfigError(f"{source}: modes must map MODE1/MODE2/MODE3 to the fields they change")
    patches = {parse_mode(str(key)): value or {} for key, value in modes.items()}
    for mode, patch in patches.items():
        if not isinstance(patch, dict):
            raise ConfigError(f"{source}: modes.{mode} must be a mapping of fields to change")
    return patches


def parse_experiment(
    raw: dict[str, Any], source: str, mode: Mode | str | None = None, patch: dict[str, Any] | None = None
) -> Experiment:
    """Validate a raw mapping with its `modes` patch for `mode`, then `patch` (command-line changes), applied.

    Every mode's patch is checked, not only the one asked for, so a typo in the cluster settings
    shows up in the first local debug run. Errors name `source` and the offending key."""
    patches = _mode_patches(raw, source)
    mode = parse_mode(str(mode)) if mode is not None else None
    chosen = deep_merge(raw, patches.get(mode, {})) if mode is not None else raw
    experiment = _validated(deep_merge(chosen, patch or {}), source)
    for other, other_patch in patches.items():
        if other is not mode:
            _validated(deep_merge(raw, other_patch), f"{source} (with modes.{other})")
    return experiment


def load_experiment(
    path_or_name: str | Path, mode: Mode | str | None = None, patch: dict[str, Any] | None = None
) -> Experiment:
    """Read and check an experiment file by path or shipped name; see the module docstring."""
    path = experiment_path(path_or_name)
    return parse_experiment(read_experiment_dict(path), str(path), mode, patch)
