"""Behaviour of the rendered Kubernetes objects: what a cluster would actually run."""

from __future__ import annotations

import subprocess
import sys

import pytest

from reward_signal.common.errors import EXIT_CONFIG_ERROR
from reward_signal.deploy.image import locked_versions
from reward_signal.deploy.manifests import EVAL_DATASETS, RUNS_PVC, SECRET
from tests.conftest import REPO_ROOT
from tests.unit.deploy.conftest import IMAGE, TINY, by_kind

GPU = "nvidia.com/gpu"


def job(objects: list[dict], component: str) -> dict:
    [found] = [
        j
        for j in by_kind(objects, "Job")
        if j["metadata"]["labels"]["app.kubernetes.io/component"] == component
    ]
    return found


def pod_specs(objects: list[dict]) -> list[dict]:
    """Every pod template: Jobs, and the RayJob's head, workers and submitter."""
    specs = [j["spec"]["template"]["spec"] for j in by_kind(objects, "Job")]
    for ray in by_kind(objects, "RayJob"):
        cluster = ray["spec"]["rayClusterSpec"]
        specs.append(cluster["headGroupSpec"]["template"]["spec"])
        specs.extend(group["template"]["spec"] for group in cluster["workerGroupSpecs"])
    return specs


def mounts(container: dict) -> dict[str, str]:
    return {mount["mountPath"]: mount["name"] for mount in container["volumeMounts"]}


def test_training_job_asks_for_one_8_gpu_node_with_memory_backed_shm(single_node: list[dict]) -> None:
    spec = job(single_node, "train")["spec"]["template"]["spec"]
    [train] = spec["containers"]
    assert train["resources"]["limits"][GPU] == 8 == train["resources"]["requests"][GPU]
    assert train["resources"]["requests"]["cpu"] and train["resources"]["requests"]["memory"]
    shm = {v["name"]: v for v in spec["volumes"]}[mounts(train)["/dev/shm"]]
    assert shm["emptyDir"]["medium"] == "Memory" and shm["emptyDir"]["sizeLimit"] == "64Gi"
    assert {"key": GPU, "operator": "Exists", "effect": "NoSchedule"} in spec["tolerations"]
    assert train["command"] == ["rs-train", "/etc/reward-signal/experiments/tiny-grpo.yaml", "MODE2"]


def test_failure_policy_fails_fast_on_config_errors_and_ignores_disruptions(single_node: list[dict]) -> None:
    for component, container in (("train", "train"), ("eval", "eval")):
        spec = job(single_node, component)["spec"]
        rules = spec["podFailurePolicy"]["rules"]
        fail = [r for r in rules if r["action"] == "FailJob"]
        assert fail[0]["onExitCodes"] == {
            "containerName": container,
            "operator": "In",
            "values": [EXIT_CONFIG_ERROR],
        }
        ignore = [r for r in rules if r["action"] == "Ignore"]
        assert ignore[0]["onPodConditions"] == [{"type": "DisruptionTarget", "status": "True"}]
        assert spec["template"]["spec"]["restartPolicy"] == "Never"
        assert (
            spec["backoffLimit"] >= 1
            and spec["activeDeadlineSeconds"] > 0
            and spec["ttlSecondsAfterFinished"] > 0
        )


@pytest.mark.parametrize("layout", ["single_node", "multi_node"])
def test_every_pod_is_restricted_and_gets_secrets_pvcs_and_shm(
    layout: str, request: pytest.FixtureRequest
) -> None:
    objects = request.getfixturevalue(layout)
    config_maps = {cm["metadata"]["name"] for cm in by_kind(objects, "ConfigMap")}
    claims = {pvc["metadata"]["name"] for pvc in by_kind(objects, "PersistentVolumeClaim")}
    for spec in pod_specs(objects):
        pod_security = spec["securityContext"]
        assert pod_security["runAsNonRoot"] is True and pod_security["seccompProfile"] == {
            "type": "RuntimeDefault"
        }
        assert spec["automountServiceAccountToken"] is False and spec["serviceAccountName"] == "reward-signal"
        volumes = {v["name"]: v for v in spec["volumes"]}
        for container in spec.get("initContainers", []) + spec["containers"]:
            security = container["securityContext"]
            assert security["allowPrivilegeEscalation"] is False and security["capabilities"] == {
                "drop": ["ALL"]
            }
            assert security["runAsNonRoot"] is True and security["readOnlyRootFilesystem"] is True
            assert container["image"] == IMAGE
            secret_keys = {
                e["name"]: e["valueFrom"]["secretKeyRef"] for e in container["env"] if "valueFrom" in e
            }
            assert secret_keys["HF_TOKEN"] == {"name": SECRET, "key": "HF_TOKEN", "optional": False}
            assert secret_keys["WANDB_API_KEY"]["optional"] is True
            paths = mounts(container)
            assert volumes[paths["/dev/shm"]]["emptyDir"]["medium"] == "Memory"
            assert volumes[paths["/workspace/runs"]]["persistentVolumeClaim"]["claimName"] == RUNS_PVC
        # Every referenced ConfigMap and PVC exists in the same build.
        assert {v["configMap"]["name"] for v in volumes.values() if "configMap" in v} <= config_maps
        assert {
            v["persistentVolumeClaim"]["claimName"] for v in volumes.values() if "persistentVolumeClaim" in v
        } <= claims


def test_config_map_carries_the_experiment_file(single_node: list[dict]) -> None:
    [config_map] = by_kind(single_node, "ConfigMap")
    assert config_map["data"] == {"tiny-grpo.yaml": TINY.read_text(encoding="utf-8")}


def test_eval_waits_for_the_marker_training_writes(single_node: list[dict], tmp_path) -> None:  # noqa: ANN001
    spec = job(single_node, "eval")["spec"]["template"]["spec"]
    [wait] = spec["initContainers"]
    marker, timeout = wait["command"][1], int(wait["command"][2])
    assert wait["command"][0] == "rs-wait-for-file" and timeout > 0
    assert (
        job(single_node, "eval")["spec"]["activeDeadlineSeconds"] > timeout
    )  # the wait is bounded by the Job too
    # The training container's rs-train asks reward_signal.deploy.marker for the path: same file.
    written = subprocess.run(
        [sys.executable, "-m", "reward_signal.deploy.marker", str(TINY)],
        capture_output=True,
        text=True,
        check=True,
        env={"REWARD_SIGNAL_RUNS_DIR": "/workspace/runs", "PATH": "/usr/bin:/bin"},
        cwd=REPO_ROOT,
    ).stdout.strip()
    assert written == marker == "/workspace/runs/tiny-grpo/TRAINING_COMPLETE"
    assert mounts(wait)["/workspace/runs"] == "runs"


def test_eval_merges_the_final_checkpoint_and_scores_the_four_benchmarks(single_node: list[dict]) -> None:
    [evaluate] = job(single_node, "eval")["spec"]["template"]["spec"]["containers"]
    command = evaluate["command"]
    assert command[:2] == ["reward-signal", "eval"]
    options = dict(zip(command[2::2], command[3::2], strict=True))
    assert options["--model"] == "/workspace/runs/tiny-grpo/checkpoints"  # eval merges the latest global_step
    assert (
        options["--datasets"].split(",") == list(EVAL_DATASETS) == ["aime2024", "aime2025", "math500", "amc"]
    )
    assert options["--out"] == "/workspace/runs/tiny-grpo/eval"
    assert evaluate["resources"]["limits"][GPU] >= 1


def test_training_outranks_waiting_evaluation(single_node: list[dict]) -> None:
    classes = {pc["metadata"]["name"]: pc["value"] for pc in by_kind(single_node, "PriorityClass")}
    train = job(single_node, "train")["spec"]["template"]["spec"]["priorityClassName"]
    evaluate = job(single_node, "eval")["spec"]["template"]["spec"]["priorityClassName"]
    assert classes[train] > classes[evaluate]


def test_rayjob_has_cpu_only_head_gpu_workers_and_locked_ray(multi_node: list[dict]) -> None:
    [ray] = by_kind(multi_node, "RayJob")
    spec = ray["spec"]
    cluster = spec["rayClusterSpec"]
    assert cluster["rayVersion"] == locked_versions(REPO_ROOT / "docker" / "requirements.lock")["ray"]
    head = cluster["headGroupSpec"]
    [head_container] = head["template"]["spec"]["containers"]
    assert {"name": "NVIDIA_VISIBLE_DEVICES", "value": "void"} in head_container["env"]
    assert head["rayStartParams"]["num-gpus"] == "0"
    assert GPU not in head_container["resources"]["limits"]
    [workers] = cluster["workerGroupSpecs"]
    assert workers["replicas"] == workers["minReplicas"] == workers["maxReplicas"] == 3
    [worker] = workers["template"]["spec"]["containers"]
    assert worker["resources"]["limits"][GPU] == 8
    env = {e["name"]: e.get("value") for e in worker["env"]}
    assert env["NNODES"] == "3" and env["GPUS_PER_NODE"] == "8"
    assert spec["entrypointNumGpus"] == 0
    assert spec["entrypoint"] == "rs-train /etc/reward-signal/experiments/tiny-grpo.yaml MODE3"
    assert spec["shutdownAfterJobFinishes"] is True and spec["ttlSecondsAfterFinished"] > 0
    # KubeRay fills in `ray start` / `ray job submit` only where the command is left empty.
    [submitter] = spec["submitterPodTemplate"]["spec"]["containers"]
    assert "command" not in submitter and "command" not in head_container and "command" not in worker
    # The multi-node overlay replaces the training Job; the evaluation Job stays.
    assert [j["metadata"]["labels"]["app.kubernetes.io/component"] for j in by_kind(multi_node, "Job")] == [
        "eval"
    ]


def test_kit_pods_only_accept_traffic_from_each_other(single_node: list[dict]) -> None:
    [policy] = by_kind(single_node, "NetworkPolicy")
    selector = policy["spec"]["podSelector"]["matchLabels"]
    for spec in (j["spec"]["template"] for j in by_kind(single_node, "Job")):
        assert selector.items() <= spec["metadata"]["labels"].items()
    assert policy["spec"]["ingress"][0]["from"] == [{"podSelector": {"matchLabels": selector}}]
