"""The rendered manifests and the launcher agree: GPU layout, checkpoint location, resume (VERL compose on CPU)."""

from __future__ import annotations

from pathlib import Path

import pytest

from reward_signal.deploy.manifests import (
    RUNS_DIR,
    ClusterSettings,
    ExperimentRef,
    eval_job,
    ray_job,
    train_job,
)
from tests.conftest import ASSETS

pytestmark = [pytest.mark.integration, pytest.mark.slow]

TINY = ASSETS / "deploy" / "tiny-grpo.yaml"
SETTINGS = ClusterSettings(
    image="ghcr.io/example/reward-signal:0.1.0", nodes=2
)  # 64 prompts x 8 samples / 16 GPUs
REF = ExperimentRef(name="tiny-grpo")


def overrides(mode: str, env: dict[str, str]) -> dict[str, str]:
    from reward_signal.launch.train import prepare

    plan = prepare(TINY, mode, runs_root=Path(RUNS_DIR), env=env, check_data=False)
    return dict(item.split("=", 1) for item in plan.overrides if "=" in item)


def test_job_and_rayjob_layouts_reach_verl_and_checkpoints_land_where_eval_reads() -> None:
    [train] = train_job(REF, SETTINGS)["spec"]["template"]["spec"]["containers"]
    gpus = train["resources"]["limits"]["nvidia.com/gpu"]
    mode2 = overrides(train["args"][2], {"CUDA_VISIBLE_DEVICES": ",".join(map(str, range(gpus)))})
    assert (mode2["trainer.nnodes"], mode2["trainer.n_gpus_per_node"]) == ("1", str(gpus))
    assert mode2["trainer.resume_mode"] == "auto"  # a retried pod continues from the PVC's last checkpoint

    [evaluate] = eval_job(REF, SETTINGS)["spec"]["template"]["spec"]["containers"]
    assert evaluate["args"][evaluate["args"].index("--model") + 1] == mode2["trainer.default_local_dir"]

    cluster = ray_job(REF, SETTINGS, "2.60.0")["spec"]
    [worker] = cluster["rayClusterSpec"]["workerGroupSpecs"]
    worker_env = {
        e["name"]: e["value"] for e in worker["template"]["spec"]["containers"][0]["env"] if "value" in e
    }
    mode = cluster["entrypoint"].split()[2]
    # Ray's job supervisor sets RAY_ADDRESS for the entrypoint; NNODES/GPUS_PER_NODE come from the pod env.
    mode3 = overrides(mode, {"RAY_ADDRESS": "10.0.0.1:6379", **worker_env})
    assert (mode3["trainer.nnodes"], mode3["trainer.n_gpus_per_node"]) == (str(worker["replicas"]), "8")
    assert mode3["trainer.default_local_dir"] == mode2["trainer.default_local_dir"]
