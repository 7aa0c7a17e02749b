"""The experiment options the report depends on: validation sampling and the MLflow logger."""

from __future__ import annotations

from pathlib import Path

from reward_signal.launch.train import prepare


def test_validation_option_renders_verl_val_kwargs(tmp_path: Path) -> None:
    patch = {"validation": {"n": 8, "temperature": 0.6, "top_p": 0.95}}
    plan = prepare("debug", "MODE1", patch=patch, env={}, runs_root=tmp_path, check_data=False)
    val = plan.config["actor_rollout_ref"]["rollout"]["val_kwargs"]
    assert (val["n"], val["temperature"], val["top_p"], val["do_sample"]) == (8, 0.6, 0.95, True)
    greedy = prepare("debug", "MODE1", env={}, runs_root=tmp_path, check_data=False)
    val = greedy.config["actor_rollout_ref"]["rollout"]["val_kwargs"]
    assert (val["n"], val["temperature"], val["do_sample"]) == (1, 0.0, False)  # VERL's default, stated


def test_mlflow_logger_writes_a_file_store_in_the_run_directory(tmp_path: Path) -> None:
    plan = prepare(
        "debug", "MODE1", patch={"logging": {"mlflow": True}}, env={}, runs_root=tmp_path, check_data=False
    )
    assert "mlflow" in plan.config["trainer"]["logger"] and "file" in plan.config["trainer"]["logger"]
    uri = f"file://{plan.paths.run_dir / 'mlflow'}"  # the seed's <experiment>/mlflow layout
    assert plan.env_updates["MLFLOW_TRACKING_URI"] == uri
    assert plan.config["ray_kwargs"]["ray_init"]["runtime_env"]["env_vars"]["MLFLOW_TRACKING_URI"] == uri
    plain = prepare("debug", "MODE1", env={}, runs_root=tmp_path, check_data=False)
    assert (
        "mlflow" not in plain.config["trainer"]["logger"] and "MLFLOW_TRACKING_URI" not in plain.env_updates
    )
