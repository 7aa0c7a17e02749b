"""The launcher against the installed verl 0.9.1: every shipped experiment composes and validates in
every mode, the production command is pinned, each kind of bad config exits 78 without launching,
and a real launch writes the run directory and execs VERL."""

from __future__ import annotations

import json
import os
import shutil
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from reward_signal.cli import main
from reward_signal.common.errors import EXIT_CONFIG_ERROR, ConfigError
from reward_signal.common.paths import REPO_ROOT
from reward_signal.data.parquet import write_rows
from reward_signal.launch.experiment import shipped_experiments
from reward_signal.launch.train import prepare
from tests.tiny_lm import build_tiny_tokenizer

pytestmark = pytest.mark.integration

GOLDEN = Path(__file__).resolve().parents[1] / "assets" / "launch" / "llama31-8b-rlvr8k.MODE2.overrides.txt"
CLUSTER_ENV = {"RAY_ADDRESS": "ray-head:6379", "NNODES": "2", "GPUS_PER_NODE": "8"}
NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
ENV_KEYS = (
    "WANDB_API_KEY",
    "CUDA_VISIBLE_DEVICES",
    "RAY_ADDRESS",
    "NNODES",
    "GPUS_PER_NODE",
    "REWARD_SIGNAL_REWARD_FILE",
    "HF_TOKEN",
)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for key in ENV_KEYS:
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("REWARD_SIGNAL_DATA_DIR", "/data")
    monkeypatch.setenv("REWARD_SIGNAL_RUNS_DIR", str(tmp_path / "runs"))


class Launched(Exception):
    """Raised by the recording exec: a real exec never returns either."""


@pytest.fixture
def execs(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, list[str], dict[str, str]]]:
    """Records os.execvpe calls instead of replacing the test process."""
    calls: list[tuple[str, list[str], dict[str, str]]] = []

    def record(file: str, argv: list[str], env: dict[str, str]) -> None:
        calls.append((file, list(argv), dict(env)))
        raise Launched

    monkeypatch.setattr(os, "execvpe", record)
    return calls


def row(i: int, question: str, answer: str, split: str = "train") -> dict[str, Any]:
    return {
        "data_source": "test-math",
        "prompt": [
            {"role": "system", "content": "Put the answer in \\boxed{}."},
            {"role": "user", "content": question},
        ],
        "ability": "math",
        "reward_model": {"ground_truth": answer, "style": "rule"},
        "extra_info": {"index": i, "split": split},
    }


@pytest.fixture
def tiny_experiment(tmp_path: Path, assets: Path) -> Path:
    """tests/assets/launch/tiny.yaml with real (tiny) parquet files beside it; 3 distinct prompts in 8 rows."""
    questions = ["1+1?", "2+2?", "3+3?"]
    write_rows(
        tmp_path / "tiny-train.parquet", [row(i, questions[i % 3], str(2 * (i % 3 + 1))) for i in range(8)]
    )
    write_rows(tmp_path / "tiny-val.parquet", [row(0, "5+5?", "10", "test")])
    raw = yaml.safe_load((assets / "launch" / "tiny.yaml").read_text())
    raw["data"] = {
        "train": [str(tmp_path / "tiny-train.parquet")],
        "val": [str(tmp_path / "tiny-val.parquet")],
    }
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def fetched_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir holding a tiny valid parquet file at every manifest path (as `data fetch` would)."""
    from reward_signal.data.manifest import load_manifest

    root = tmp_path_factory.mktemp("data")
    for entry in load_manifest().datasets:
        (root / entry.path).parent.mkdir(parents=True, exist_ok=True)
        write_rows(root / entry.path, [row(0, "1+1?", "2"), row(1, "2+2?", "4")])
    return root


def run_cli(*argv: str) -> int:
    return main(["train", *argv])


@pytest.mark.parametrize("mode", ["MODE1", "MODE2", "MODE3"])
@pytest.mark.parametrize("experiment", shipped_experiments(), ids=lambda path: path.stem)
def test_every_shipped_experiment_composes_and_validates(experiment: Path, mode: str, tmp_path: Path) -> None:
    plan = prepare(experiment, mode, env=CLUSTER_ENV, runs_root=tmp_path, check_data=False)
    trainer = plan.config["trainer"]
    expected_gpus = {"MODE1": (1, 1), "MODE2": (1, 8), "MODE3": (2, 8)}[mode]
    assert (trainer["nnodes"], trainer["n_gpus_per_node"]) == expected_gpus
    assert trainer["default_local_dir"] == str(tmp_path / plan.experiment.name / "checkpoints")
    assert trainer["resume_mode"] == "auto" and "file" in trainer["logger"]
    assert plan.config["reward"]["custom_reward_function"]["path"], "the kit's reward must be wired"
    assert plan.config["custom_reward_function"]["path"] is None, "0.4-era keys must never be used"


def test_golden_mode2_command_of_the_production_run(tmp_path: Path) -> None:
    """Any change to the production command must be deliberate: regenerate the asset and review the diff
    (REWARD_SIGNAL_UPDATE_GOLDEN=1 python -m pytest tests/integration/test_launch.py -k golden).
    Rendered for an 8-GPU node's 64 CPUs: on a smaller machine the launch adds a Ray CPU count (below)."""
    plan = prepare(
        "llama31-8b-rlvr8k", "MODE2", env={}, runs_root=Path("/runs"), now=NOW, check_data=False, cpus=64
    )
    assert plan.argv[:3] == [sys.executable, "-m", "verl.trainer.main_ppo"]
    rendered = "".join(f"{line}\n" for line in sorted(plan.overrides)).replace(str(REPO_ROOT), "<repo>")
    if os.environ.get("REWARD_SIGNAL_UPDATE_GOLDEN") == "1":
        GOLDEN.write_text(rendered, encoding="utf-8")
    assert rendered == GOLDEN.read_text(encoding="utf-8")


BAD_SETS = [
    (
        "unknown key",
        [
            "--exp",
            "llama31-8b-rlvr8k",
            "--mode",
            "MODE2",
            "--set",
            "actor_rollout_ref.actor.ppo_micro_batch_sizee_per_gpu=4",
        ],
        "unknown VERL key 'actor_rollout_ref.actor.ppo_micro_batch_sizee_per_gpu': did you mean "
        "'actor_rollout_ref.actor.ppo_micro_batch_size_per_gpu'?",
    ),
    (
        "indivisible batch",
        ["--exp", "llama31-8b-rlvr8k", "--mode", "MODE2", "--set", "data.train_batch_size=288"],
        "make data.train_batch_size (288) a multiple of ppo_mini_batch_size (192)",
    ),
    (
        "batch smaller than mini-batch (VERL's own check)",
        ["--exp", "llama31-8b-rlvr8k", "--mode", "MODE2", "--set", "data.train_batch_size=96"],
        "VERL's validate_config rejected it: ValueError: train_batch_size (96) must be >= actor.ppo_mini_batch_size (192)",
    ),
    (
        "tensor parallel larger than the GPUs",
        [
            "--exp",
            "debug",
            "--mode",
            "MODE1",
            "--set",
            "actor_rollout_ref.rollout.tensor_model_parallel_size=2",
        ],
        "rollout tensor parallel size 2 must divide the GPUs per node (1)",
    ),
    (
        "over-long lengths",
        [
            "--exp",
            "llama31-8b-rlvr8k",
            "--mode",
            "MODE2",
            "--set",
            "actor_rollout_ref.rollout.max_model_len=3000",
        ],
        "2048 + 2048 = 4096 tokens exceeds actor_rollout_ref.rollout.max_model_len (3000)",
    ),
    (
        "wrong type",
        ["--exp", "debug", "--mode", "MODE1", "--set", "data.train_batch_size=abc"],
        "data.train_batch_size='abc': VERL expects an integer here",
    ),
    (
        "removed 0.4-era batch manager",
        ["--exp", "debug", "--mode", "MODE1", "--set", "reward_model.reward_manager=batch"],
        "verl 0.9.1 has no 'batch' reward manager",
    ),
    (
        "MODE3 without a cluster",
        ["--exp", "debug", "--mode", "cluster"],
        "MODE3 joins an existing Ray cluster: set RAY_ADDRESS",
    ),
    (
        "unknown reward type",
        ["--exp", "debug", "--mode", "debug", "--reward-type", "bogus"],
        "unknown reward type 'bogus'",
    ),
    ("unknown mode", ["--exp", "debug", "--mode", "MODE9"], "unknown mode 'MODE9'"),
]


@pytest.mark.parametrize(
    ("argv", "message"), [case[1:] for case in BAD_SETS], ids=[case[0] for case in BAD_SETS]
)
def test_bad_configs_exit_78_and_launch_nothing(
    argv: list[str], message: str, fetched_data: Path, execs: list, capsys, tmp_path: Path, monkeypatch
) -> None:
    """Real launches (no --dry-run) with every dataset present and valid: only the config is wrong."""
    monkeypatch.setenv("REWARD_SIGNAL_DATA_DIR", str(fetched_data))
    assert run_cli(*argv) == EXIT_CONFIG_ERROR
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err
    assert execs == [], "nothing may be launched"
    assert not (tmp_path / "runs").exists(), "nothing may be written"


def test_missing_data_files_exit_78(
    execs: list, capsys, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REWARD_SIGNAL_DATA_DIR", str(tmp_path / "empty"))
    assert run_cli("--exp", "debug", "--mode", "MODE1", "--dry-run") == EXIT_CONFIG_ERROR
    assert "run `reward-signal data fetch --only math8k`" in capsys.readouterr().err
    exp = tmp_path / "exp.yaml"
    exp.write_text(
        (REPO_ROOT / "script" / "experiments" / "debug.yaml")
        .read_text()
        .replace("[math8k]", f"[{tmp_path}/absent.parquet]")
    )
    assert run_cli("--exp", str(exp), "--mode", "MODE1") == EXIT_CONFIG_ERROR
    assert f"{tmp_path}/absent.parquet: no such file" in capsys.readouterr().err
    assert execs == []


def test_data_that_fails_validation_exits_78(tiny_experiment: Path, execs: list, capsys) -> None:
    bad = tiny_experiment.parent / "tiny-val.parquet"
    write_rows(bad, [{**row(0, "5+5?", "10", "test"), "reward_model": {"ground_truth": "", "style": "rule"}}])
    assert run_cli("--exp", str(tiny_experiment), "--mode", "MODE1") == EXIT_CONFIG_ERROR
    assert f"{bad}: row 0, reward_model.ground_truth: is empty" in capsys.readouterr().err
    assert execs == []


def test_legacy_keys_are_translated_and_reach_verl_0_9_1_keys(tmp_path: Path, capsys) -> None:
    reward_file = tmp_path / "my_reward.py"
    reward_file.write_text("def my_score(**kwargs):\n    return 0.0\n")
    sets = [
        f"custom_reward_function.path={reward_file}",
        "custom_reward_function.name=my_score",
        "reward_model.reward_manager=naive",
    ]
    plan = prepare("debug", "MODE1", sets, env={}, runs_root=tmp_path, check_data=False)
    reward = plan.config["reward"]
    assert (reward["custom_reward_function"]["path"], reward["custom_reward_function"]["name"]) == (
        str(reward_file),
        "my_score",
    )
    assert reward["reward_manager"]["name"] == "naive"
    assert not [
        line for line in plan.overrides if line.startswith(("custom_reward_function", "reward_model"))
    ]
    assert plan.config["custom_reward_function"] == {"path": None, "name": None}
    assert len(plan.notices) >= 3 and all("0.4-era" in notice for notice in plan.notices[:3])


def test_set_overrides_are_applied_last_and_validated(tmp_path: Path) -> None:
    plan = prepare(
        "llama31-8b-rlvr8k",
        "MODE2",
        ["actor_rollout_ref.actor.ppo_mini_batch_size=32"],
        env={},
        runs_root=tmp_path,
        check_data=False,
    )
    assert plan.config["actor_rollout_ref"]["actor"]["ppo_mini_batch_size"] == 32
    assert sum("ppo_mini_batch_size=" in line for line in plan.overrides) == 1


def test_wandb_online_with_a_key_offline_otherwise(tmp_path: Path) -> None:
    offline = prepare("debug", "MODE1", env={}, runs_root=tmp_path, check_data=False)
    online = prepare(
        "debug", "MODE1", env={"WANDB_API_KEY": "wandb-secret-key"}, runs_root=tmp_path, check_data=False
    )
    assert offline.env_updates["WANDB_MODE"] == "offline" and "wandb sync" in offline.notices[-1]
    assert "WANDB_MODE" not in online.env_updates and "wandb-secret-key" not in " ".join(online.overrides)
    for plan in (offline, online):
        assert plan.config["trainer"]["logger"] == ["console", "file", "wandb"]
        env_vars = plan.config["ray_kwargs"]["ray_init"]["runtime_env"]["env_vars"]
        assert env_vars["VERL_FILE_LOGGER_PATH"] == str(plan.paths.metrics_file)


def test_launching_without_the_data_check_is_refused(execs: list, capsys) -> None:
    assert run_cli("--exp", "debug", "--mode", "MODE1", "--no-data-check") == EXIT_CONFIG_ERROR
    assert "--no-data-check only renders (--dry-run)" in capsys.readouterr().err
    assert execs == []


def test_dry_run_prints_the_command_and_writes_nothing(execs: list, capsys, tmp_path: Path) -> None:
    assert run_cli("--exp", "debug", "--mode", "debug", "--dry-run", "--no-data-check") == 0
    out = capsys.readouterr().out
    assert "-m verl.trainer.main_ppo" in out and "trainer.resume_mode=auto" in out
    assert execs == [] and not (tmp_path / "runs").exists()


def test_launch_writes_the_run_directory_then_execs_verl(
    tiny_experiment: Path, execs: list, tmp_path: Path, monkeypatch, capsys
) -> None:
    monkeypatch.setenv("HF_TOKEN", "hf_secret_value")
    monkeypatch.setenv("REWARD_SIGNAL_IMAGE", "ghcr.io/example/reward-signal:0.1.0")
    args = [
        "--exp",
        str(tiny_experiment),
        "--mode",
        "MODE1",
        "--name",
        "tiny-run",
        "--set",
        "+trainer.note=hf_secret_value",
    ]
    with pytest.raises(Launched):
        run_cli(*args)
    capsys.readouterr()
    ((file, argv, env),) = execs
    assert file == sys.executable and argv[1:3] == ["-m", "verl.trainer.main_ppo"]
    run_dir = tmp_path / "runs" / "tiny-run"
    metrics = Path(env["VERL_FILE_LOGGER_PATH"])
    assert (
        metrics.parent == run_dir / "metrics"
        and metrics.name.startswith("attempt-")
        and metrics.suffix == ".jsonl"
    )
    info = json.loads((run_dir / "run.json").read_text())
    contract = {
        "experiment",
        "model",
        "reward_type",
        "reward_params",
        "algorithm",
        "train_data",
        "train_prompts",
        "seed",
        "mode",
        "n_gpus",
        "nnodes",
        "kit_version",
        "git_commit",
        "versions",
        "image",
        "host",
        "created_at",
    }
    assert contract <= set(info)
    assert (info["experiment"], info["train_prompts"], info["mode"], info["n_gpus"]) == (
        "tiny-run",
        3,
        "MODE1",
        1,
    )
    assert info["image"] == "ghcr.io/example/reward-signal:0.1.0" and info["versions"]["verl"] == "0.9.1"
    assert (run_dir / "overrides.txt").read_text().splitlines() == [
        line.replace("hf_secret_value", "***REDACTED***") for line in argv[3:]
    ]
    config = yaml.safe_load((run_dir / "config.yaml").read_text())
    assert (
        config["trainer"]["note"] == "***REDACTED***" and config["trainer"]["experiment_name"] == "tiny-run"
    )
    assert config["actor_rollout_ref"]["rollout"]["max_num_batched_tokens"] == 8192
    assert "hf_secret_value" not in (run_dir / "command.sh").read_text()
    assert "exec " in (run_dir / "command.sh").read_text()


@pytest.mark.needs_shared_data
@pytest.mark.parametrize(
    "experiment",
    [path for path in shipped_experiments() if not path.stem.startswith("controls-")],
    ids=lambda path: path.stem,
)
def test_shipped_experiments_pass_the_data_checks_on_the_seed_data(
    experiment: Path, seed_data: Path, monkeypatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("REWARD_SIGNAL_DATA_DIR", str(seed_data))
    for mode in ("MODE1", "MODE2"):
        plan = prepare(experiment, mode, env={}, runs_root=tmp_path)
        assert all(path.is_relative_to(seed_data) for path in [*plan.train_files, *plan.val_files])


@pytest.mark.slow
def test_the_metrics_path_reaches_verls_tracking_in_a_ray_worker(
    tiny_experiment: Path, tmp_path: Path
) -> None:
    """VERL's Tracking lives in the TaskRunner actor; run VERL's own `run_ppo` (its ray.init and
    runtime_env merge) with a runner that only logs one step through VERL's file logger."""
    import ray
    from verl.trainer.main_ppo import run_ppo

    from reward_signal.launch.validate import compose

    plan = prepare(
        tiny_experiment, "MODE1", ["ray_kwargs.ray_init.num_cpus=1"], env={}, runs_root=tmp_path / "r"
    )
    assert "VERL_FILE_LOGGER_PATH" not in os.environ  # only the runtime_env can carry it to the worker
    plan.paths.metrics_file.parent.mkdir(parents=True)

    @ray.remote(num_cpus=0)
    class LoggingRunner:
        def run(self, config: Any) -> None:
            from verl.utils.tracking import Tracking

            tracking = Tracking(
                config.trainer.project_name, config.trainer.experiment_name, default_backend=["file"]
            )
            tracking.log({"reward/mean": 0.5}, step=1)
            tracking.finish()

    try:
        run_ppo(compose(plan.overrides), task_runner_class=LoggingRunner)
    finally:
        ray.shutdown()
    lines = plan.paths.metrics_file.read_text().splitlines()
    assert [json.loads(line) for line in lines] == [{"step": 1, "data": {"reward/mean": 0.5}}]
    shutil.rmtree(tmp_path / "r")


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A local model directory VERL can build an HFModelConfig from: the shared tiny tokenizer and a
    one-layer Llama config (no weights: validation reads only the config and tokenizer)."""
    out = tmp_path_factory.mktemp("tiny-model")
    fast = build_tiny_tokenizer(out)
    config = {
        "architectures": ["LlamaForCausalLM"],
        "model_type": "llama",
        "hidden_size": 16,
        "intermediate_size": 32,
        "num_attention_heads": 2,
        "num_key_value_heads": 2,
        "num_hidden_layers": 1,
        "vocab_size": len(fast),
        "max_position_embeddings": 3072,
    }
    (out / "config.json").write_text(json.dumps(config), encoding="utf-8")
    return out


@pytest.mark.parametrize(
    ("algorithm", "estimator", "loss_agg_mode", "std_norm"),
    [
        ("grpo", "grpo", "token-mean", True),
        ("rloo", "rloo", "token-mean", True),
        ("reinforce_plus_plus", "reinforce_plus_plus", "token-mean", True),
        ("dr_grpo", "grpo", "seq-mean-token-sum-norm", False),
    ],
)
def test_critic_free_algorithms(
    algorithm: str, estimator: str, loss_agg_mode: str, std_norm: bool, tmp_path: Path
) -> None:
    plan = prepare(
        "llama31-8b-rlvr8k",
        "MODE2",
        patch={"algorithm": {"name": algorithm}},
        env={},
        runs_root=tmp_path,
        check_data=False,
    )
    config = plan.config
    assert config["algorithm"]["adv_estimator"] == estimator
    assert config["actor_rollout_ref"]["actor"]["loss_agg_mode"] == loss_agg_mode
    assert config["algorithm"]["norm_adv_by_std_in_grpo"] is std_norm
    assert config["critic"]["enable"] is None


def test_ppo_runs_verls_critic_validation_on_a_local_model(
    tiny_model: Path, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    patch = {
        "algorithm": {"name": "ppo"},
        "model": {"path": str(tiny_model)},
        "lengths": {"prompt": 1024, "response": 1024},
    }
    plan = prepare("llama31-8b-rlvr8k", "MODE2", patch=patch, env={}, runs_root=tmp_path, check_data=False)
    assert plan.config["algorithm"]["adv_estimator"] == "gae"
    assert (plan.config["critic"]["enable"], plan.config["critic"]["model"]["path"]) == (
        True,
        str(tiny_model),
    )
    assert not [notice for notice in plan.notices if "critic section" in notice]
    with pytest.raises(
        ConfigError, match=r"(?s)VERL's validate_config rejected it: .*set both 'critic.micro_batch_size'"
    ):
        prepare(
            "llama31-8b-rlvr8k",
            "MODE2",
            ["critic.ppo_micro_batch_size=8"],
            patch=patch,
            env={},
            runs_root=tmp_path,
            check_data=False,
        )
    with pytest.raises(
        ConfigError, match=r"2048 \+ 2048 = 4096 tokens exceeds max_position_embeddings of the model \(3072\)"
    ):
        prepare(
            "llama31-8b-rlvr8k",
            "MODE2",
            patch={**patch, "lengths": {"prompt": 2048, "response": 2048}},
            env={},
            runs_root=tmp_path,
            check_data=False,
        )


def test_ppo_with_a_hub_model_leaves_the_critic_to_launch_time(tmp_path: Path) -> None:
    plan = prepare(
        "llama31-8b-rlvr8k",
        "MODE2",
        patch={"algorithm": {"name": "ppo"}},
        env={},
        runs_root=tmp_path,
        check_data=False,
    )
    assert any("critic section is checked by VERL at launch" in notice for notice in plan.notices)


def test_verls_flattened_defaults_equal_its_composed_config() -> None:
    """validate.default_keys reads VERL's generated flat file instead of composing twice: prove they agree."""
    from omegaconf import OmegaConf

    from reward_signal.launch.checks import flatten
    from reward_signal.launch.validate import compose, config_groups, default_keys

    composed = flatten(OmegaConf.to_container(compose([]), resolve=False))
    generated = default_keys()
    assert {key for key in set(composed) ^ set(generated) if key not in config_groups()} == set()
    assert all(generated[key] == value for key, value in composed.items() if key in generated)


def test_readme_example_experiment_validates(tmp_path: Path) -> None:
    readme = (REPO_ROOT / "docs" / "training.md").read_text(encoding="utf-8")
    section = readme.split("<!-- section:training -->")[1].split("<!-- /section:training -->")[0]
    example = section.split("```yaml\n")[1].split("```")[0]
    path = tmp_path / "my-run.yaml"
    path.write_text(example, encoding="utf-8")
    for mode in ("MODE1", "MODE2"):
        plan = prepare(path, mode, env={}, runs_root=tmp_path, check_data=False)
        assert plan.config["actor_rollout_ref"]["rollout"]["val_kwargs"]["n"] == 8  # `validation:`
        assert plan.config["actor_rollout_ref"]["rollout"]["max_num_batched_tokens"] == 8192  # `verl:`
        assert plan.config["data"]["val_files"][-1] == "/data/extra-synthetic.parquet"


def test_set_data_files_are_the_ones_checked(tiny_experiment: Path, tmp_path: Path) -> None:
    absent = tmp_path / "other.parquet"
    with pytest.raises(ConfigError, match=f"{absent}: no such file"):
        prepare(tiny_experiment, "MODE1", [f"data.val_files=[{absent}]"], env={}, runs_root=tmp_path)


def test_reward_timeout_parameter_reaches_verl_and_run_json(
    tiny_experiment: Path, execs: list, tmp_path: Path, capsys
) -> None:
    """`timeout` rides along with a type's parameters: wired as a reward kwarg, recorded in run.json."""
    raw = yaml.safe_load(tiny_experiment.read_text())
    raw["reward"] = {"type": "noisy", "params": {"p": 0.2, "seed": 3, "timeout": 2.5}}
    tiny_experiment.write_text(yaml.safe_dump(raw), encoding="utf-8")
    with pytest.raises(Launched):
        run_cli("--exp", str(tiny_experiment), "--mode", "MODE1", "--name", "timeout-run")
    capsys.readouterr()
    ((_, argv, _),) = execs
    assert "+reward.custom_reward_function.reward_kwargs.timeout=2.5" in argv
    info = json.loads((tmp_path / "runs" / "timeout-run" / "run.json").read_text())
    assert info["reward_params"] == {"grader": "kit", "p": 0.2, "seed": 3, "timeout": 2.5}
