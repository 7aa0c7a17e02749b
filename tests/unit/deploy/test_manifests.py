"""Behaviour of the rendered Kubernetes objects: what a cluster would actually run."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from reward_signal.common.errors import EXIT_CONFIG_ERROR
from reward_signal.deploy.image import DEFAULT_DOCKERFILE, instructions, locked_versions
from reward_signal.deploy.kube import ATTEMPT_ANNOTATION, SERVICE_ACCOUNT_DIR
from reward_signal.deploy.manifests import EVAL_DATASETS, HOME_DIR, RUNS_PVC, SECRET, runtime_env
from reward_signal.deploy.marker import EVAL_JOB_ENV
from tests.conftest import REPO_ROOT
from tests.unit.deploy.conftest import IMAGE, TINY, by_kind, render_overlay

GPU = "nvidia.com/gpu"


def runtime_apt_packages() -> list[str]:
    """Packages the runtime stage (the last FROM) installs with apt-get."""
    last_from = max(i for i, (keyword, _) in enumerate(instructions(DEFAULT_DOCKERFILE)) if keyword == "FROM")
    packages = []
    for keyword, rest in instructions(DEFAULT_DOCKERFILE)[last_from:]:
        if keyword == "RUN" and "apt-get install" in rest:
            words = rest.split("apt-get install", 1)[1].split("&&", 1)[0].split()
            packages += [word for word in words if not word.startswith("-")]
    return packages


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
    assert train["args"] == ["rs-train", "/etc/reward-signal/experiments/tiny-grpo.yaml", "MODE2"]


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
        assert spec["automountServiceAccountToken"] is False
        volumes = {v["name"]: v for v in spec["volumes"]}
        for container in spec.get("initContainers", []) + spec["containers"]:
            security = container["securityContext"]
            assert security["allowPrivilegeEscalation"] is False and security["capabilities"] == {
                "drop": ["ALL"]
            }
            assert security["runAsNonRoot"] is True and security["readOnlyRootFilesystem"] is True
            assert container["image"] == IMAGE
            secret_keys = {
                e["name"]: e["valueFrom"]["secretKeyRef"]
                for e in container["env"]
                if "secretKeyRef" in e.get("valueFrom", {})
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


def test_eval_is_suspended_and_checks_the_attempt_training_tags_it_with(single_node: list[dict]) -> None:
    evaluation = job(single_node, "eval")
    assert evaluation["spec"]["suspend"] is True  # holds no GPU, and never starts unless training succeeded
    spec = evaluation["spec"]["template"]["spec"]
    [wait] = spec["initContainers"]
    args = wait["args"]
    assert args[:2] == ["rs-wait-for-training", "/workspace/runs/tiny-grpo/TRAINING_COMPLETE"]
    options = dict(zip(args[2::2], args[3::2], strict=True))
    assert options["--attempt"] == "$(REWARD_SIGNAL_ATTEMPT)" and 0 < int(options["--timeout"]) <= 3600
    [attempt] = [e for e in wait["env"] if e["name"] == "REWARD_SIGNAL_ATTEMPT"]
    assert attempt["valueFrom"]["fieldRef"]["fieldPath"] == f"metadata.annotations['{ATTEMPT_ANNOTATION}']"
    assert mounts(wait)["/workspace/runs"] == "runs"
    # The training container's rs-train asks reward_signal.deploy.marker for the path: same file.
    started = subprocess.run(
        [sys.executable, "-m", "reward_signal.deploy.marker", "start", str(TINY)],
        capture_output=True,
        text=True,
        check=True,
        env={"REWARD_SIGNAL_RUNS_DIR": str(tmp_runs := Path(tempfile.mkdtemp())), "PATH": "/usr/bin:/bin"},
        cwd=REPO_ROOT,
    ).stdout.split()
    assert started[1] == str(tmp_runs / "tiny-grpo" / "TRAINING_COMPLETE")
    # ... and tells it which Job to start: the one the Role names, through a token only it mounts.
    [train] = job(single_node, "train")["spec"]["template"]["spec"]["containers"]
    train_spec = job(single_node, "train")["spec"]["template"]["spec"]
    assert {"name": EVAL_JOB_ENV, "value": evaluation["metadata"]["name"]} in train["env"]
    assert mounts(train)[str(SERVICE_ACCOUNT_DIR)] == "kube-api-access"
    assert train_spec["automountServiceAccountToken"] is False
    [role] = by_kind(single_node, "Role")
    assert role["rules"] == [
        {
            "apiGroups": ["batch"],
            "resources": ["jobs"],
            "resourceNames": [evaluation["metadata"]["name"]],
            "verbs": ["get", "patch"],
        }
    ]
    [binding] = by_kind(single_node, "RoleBinding")
    assert binding["roleRef"]["name"] == role["metadata"]["name"]
    assert binding["subjects"] == [
        {"kind": "ServiceAccount", "name": train_spec["serviceAccountName"], "namespace": "reward-signal"}
    ]
    for other in (spec, *(s for s in pod_specs(single_node) if s is not train_spec)):
        assert other["serviceAccountName"] == "reward-signal"
        assert all("projected" not in volume for volume in other["volumes"])


def test_containers_keep_tini_as_pid_1_and_get_time_to_shut_down(
    single_node: list[dict], multi_node: list[dict]
) -> None:
    """`command` would replace the image's `tini -g --` entrypoint; only `args` may be set."""
    for spec in pod_specs(single_node) + pod_specs(multi_node):
        for container in spec.get("initContainers", []) + spec["containers"]:
            assert "command" not in container, container["name"]
        assert spec["terminationGracePeriodSeconds"] >= 60
    entrypoint = [rest for keyword, rest in instructions(DEFAULT_DOCKERFILE) if keyword == "ENTRYPOINT"][-1]
    assert json.loads(entrypoint) == ["/usr/bin/tini", "-g", "--"]


def test_every_kit_container_can_compile_without_a_passwd_entry(
    single_node: list[dict], multi_node: list[dict]
) -> None:
    """torch inductor's getpass.getuser() needs USER/LOGNAME; Triton and inductor caches need a home."""
    for spec in pod_specs(single_node) + pod_specs(multi_node):
        for container in spec.get("initContainers", []) + spec["containers"]:
            env = {e["name"]: e["value"] for e in container["env"] if "value" in e}
            assert runtime_env(HOME_DIR).items() <= env.items(), container["name"]
            assert mounts(container)[HOME_DIR] == "home"  # a writable emptyDir on a read-only root


def test_volumes_are_reowned_only_on_mismatch_and_pull_secrets_reach_every_pod(tmp_path: Path) -> None:
    objects = render_overlay(tmp_path / "o", [TINY], nodes=2, image_pull_secrets=("ghcr-pull",))
    specs = pod_specs(objects)
    [ray] = by_kind(objects, "RayJob")
    specs.append(ray["spec"]["submitterPodTemplate"]["spec"])
    for spec in specs:
        assert spec["imagePullSecrets"] == [{"name": "ghcr-pull"}]
    for spec in pod_specs(objects):
        assert spec["securityContext"]["fsGroupChangePolicy"] == "OnRootMismatch"


def test_eval_merges_the_final_checkpoint_and_scores_the_four_benchmarks(single_node: list[dict]) -> None:
    [evaluate] = job(single_node, "eval")["spec"]["template"]["spec"]["containers"]
    command = evaluate["args"]
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
    for ray_container in (submitter, head_container, worker):
        assert "command" not in ray_container and "args" not in ray_container
    # rs-train (the entrypoint) runs on the head: a custom resource only the head offers pins it there,
    # and only the head mounts the token that may start the evaluation Job.
    driver = json.loads(spec["entrypointResources"])
    assert json.loads(json.loads(head["rayStartParams"]["resources"])) == driver
    assert "resources" not in workers["rayStartParams"]
    assert {"name": EVAL_JOB_ENV, "value": "rs-tiny-grpo-eval"} in head_container["env"]
    assert str(SERVICE_ACCOUNT_DIR) in mounts(head_container) and str(SERVICE_ACCOUNT_DIR) not in mounts(
        worker
    )
    # KubeRay <= 1.5 injects wget-based probes into Ray containers that define none: the image has wget.
    assert not {"readinessProbe", "livenessProbe"} & (head_container.keys() | worker.keys())
    assert "wget" in runtime_apt_packages()
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


def test_runtime_env_makes_getpass_work_for_a_uid_without_a_passwd_entry(tmp_path: Path) -> None:
    """What torch inductor calls at the first compile, run as a uid the passwd file does not know."""
    import os
    import shutil

    interpreter = "/usr/bin/python3"  # readable by any uid (a venv under /root may not be)
    if os.geteuid() != 0 or shutil.which("setpriv") is None or not os.path.exists(interpreter):
        pytest.skip("needs root, setpriv and /usr/bin/python3 to run as an unknown uid")
    as_unknown_uid = ["setpriv", "--reuid=54321", "--regid=54321", "--clear-groups", interpreter, "-c"]
    probe = "import getpass; print(getpass.getuser())"
    bare = subprocess.run([*as_unknown_uid, probe], capture_output=True, text=True, env={}, timeout=60)
    assert bare.returncode != 0 and "KeyError" in bare.stderr  # what the pods hit without the fix
    fixed = subprocess.run(
        [*as_unknown_uid, probe], capture_output=True, text=True, env=runtime_env(str(tmp_path)), timeout=60
    )
    assert fixed.returncode == 0 and fixed.stdout.strip() == "kit", fixed.stderr
