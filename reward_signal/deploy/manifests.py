"""Kubernetes objects for one experiment, as plain data (written as YAML by `render`).

One place decides what every kit pod looks like (`_pod_spec`): the restricted security context,
the runs/cache PVCs, the memory-backed /dev/shm, the experiment ConfigMap and the Secret
references, so the training Job, the evaluation Job and the KubeRay pods cannot drift apart.

Containers set `args`, never `command`: the image's entrypoint (`tini -g --`) stays PID 1 and
passes SIGTERM to the whole process group. The evaluation Job is applied suspended and holds no
GPU until the training pod starts it (reward_signal.deploy.kube) through a Role limited to that Job.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from reward_signal.common.errors import EXIT_CONFIG_ERROR
from reward_signal.deploy.kube import ATTEMPT_ANNOTATION, SERVICE_ACCOUNT_DIR
from reward_signal.deploy.marker import EVAL_JOB_ENV, MARKER
from reward_signal.deploy.names import RAYJOB_NAME_LIMIT, k8s_name

Manifest = dict[str, Any]

APP = "reward-signal"
NAMESPACE = "reward-signal"  # k8s/base/namespace.yaml
SERVICE_ACCOUNT = "reward-signal"
SECRET = "reward-signal-secrets"
RUNS_PVC = "reward-signal-runs"
CACHE_PVC = "reward-signal-cache"
TRAIN_PRIORITY = "reward-signal-train"
EVAL_PRIORITY = "reward-signal-eval"
RUNS_DIR = "/workspace/runs"
CACHE_DIR = "/workspace/cache"
EXPERIMENTS_DIR = "/etc/reward-signal/experiments"
HOME_DIR = "/home/kit"
USER_ID = 10001  # the image's `kit` user (Dockerfile)
USER_NAME = "kit"
EVAL_DATASETS = ("aime2024", "aime2025", "math500", "amc")
GPU = "nvidia.com/gpu"
DRIVER_RESOURCE = "reward-signal-driver"  # a Ray custom resource only the head offers


@dataclass(frozen=True)
class ClusterSettings:
    """What the cluster gives each pod; defaults fit one 8-GPU node (A100/H100 80 GB class)."""

    image: str
    gpus_per_node: int = 8
    nodes: int = 1
    train_cpu: str = "32"
    train_memory: str = "320Gi"  # includes the memory-backed /dev/shm, which counts against it
    shm_size: str = "64Gi"
    eval_gpus: int = 1
    eval_cpu: str = "8"
    eval_memory: str = "96Gi"
    ray_head_cpu: str = "8"
    ray_head_memory: str = "64Gi"
    train_deadline_seconds: int = 5 * 24 * 3600
    # Counted from when training starts the (suspended) evaluation Job.
    eval_deadline_seconds: int = 2 * 24 * 3600
    # How long the evaluation waits for the marker to show on the runs volume (NFS attribute caches).
    marker_wait_seconds: int = 600
    # SIGTERM to SIGKILL: Ray tears down its actors and vLLM engines, W&B flushes its offline files.
    train_grace_seconds: int = 120
    eval_grace_seconds: int = 60
    image_pull_secrets: tuple[str, ...] = ()
    backoff_limit: int = 3
    ttl_seconds_after_finished: int = 7 * 24 * 3600
    ray_ttl_seconds_after_finished: int = 3600


@dataclass(frozen=True)
class ExperimentRef:
    """The experiment as the cluster sees it: its name (run directory) and its ConfigMap."""

    name: str

    @property
    def file_name(self) -> str:
        """Key of the experiment file in its ConfigMap; its stem is the run name the launcher uses."""
        return f"{self.name}.yaml"

    @property
    def config_map(self) -> str:
        return k8s_name(self.name, "exp")

    @property
    def run_dir(self) -> str:
        return f"{RUNS_DIR}/{self.name}"

    @property
    def marker(self) -> str:
        return f"{self.run_dir}/{MARKER}"

    @property
    def experiment_file(self) -> str:
        return f"{EXPERIMENTS_DIR}/{self.file_name}"

    def labels(self, component: str) -> dict[str, str]:
        return {
            "app.kubernetes.io/name": APP,
            "app.kubernetes.io/component": component,
            "reward-signal/run": k8s_name(self.name, "run"),
        }

    @property
    def eval_job(self) -> str:
        return k8s_name(self.name, "eval")

    @property
    def trainer_account(self) -> str:
        """The ServiceAccount of the pod that runs `rs-train`: it may start `eval_job`, nothing else."""
        return k8s_name(self.name, "trainer")

    def train_command(self, mode: str) -> list[str]:
        """docker/train.sh: fetch data, train, then write `self.marker` and start the evaluation Job."""
        return ["rs-train", self.experiment_file, mode]


def runtime_env(home: str) -> dict[str, str]:
    """What the run-time compilers need when the uid may have no passwd entry.

    torch inductor names its cache after `getpass.getuser()`, which raises KeyError for a uid
    without a passwd entry unless USER/LOGNAME is set; Triton caches under $HOME. compose, the
    Jobs, the RayJob and the SLURM script all set these (tests compare them with this function).
    """
    return {
        "HOME": home,
        "USER": USER_NAME,
        "LOGNAME": USER_NAME,
        "TORCHINDUCTOR_CACHE_DIR": f"{home}/.cache/torchinductor",
        "TRITON_CACHE_DIR": f"{home}/.cache/triton",
    }


def _secret_env(name: str, optional: bool) -> dict[str, Any]:
    return {"name": name, "valueFrom": {"secretKeyRef": {"name": SECRET, "key": name, "optional": optional}}}


# HF_TOKEN is required (gated models such as Llama); W&B keys are optional (the image logs offline).
SECRET_ENV = (
    _secret_env("HF_TOKEN", optional=False),
    _secret_env("WANDB_API_KEY", optional=True),
    _secret_env("WANDB_MODE", optional=True),
)

CONTAINER_SECURITY = {
    "allowPrivilegeEscalation": False,
    "privileged": False,
    "readOnlyRootFilesystem": True,
    "runAsNonRoot": True,
    "runAsUser": USER_ID,
    "runAsGroup": USER_ID,
    "capabilities": {"drop": ["ALL"]},
    "seccompProfile": {"type": "RuntimeDefault"},
}


def _resources(cpu: str, memory: str, gpus: int) -> dict[str, Any]:
    """Requests equal to limits (Guaranteed QoS: a training pod is the last to be evicted)."""
    amounts: dict[str, Any] = {"cpu": cpu, "memory": memory}
    if gpus:
        amounts[GPU] = gpus
    return {"requests": dict(amounts), "limits": dict(amounts)}


def _volume_mounts(*, runs_read_only: bool = False) -> list[dict[str, Any]]:
    return [
        {"name": "runs", "mountPath": RUNS_DIR, "readOnly": runs_read_only},
        {"name": "cache", "mountPath": CACHE_DIR},
        {"name": "experiments", "mountPath": EXPERIMENTS_DIR, "readOnly": True},
        {"name": "dshm", "mountPath": "/dev/shm"},
        {"name": "tmp", "mountPath": "/tmp"},
        {"name": "home", "mountPath": HOME_DIR},
    ]


def _volumes(exp: ExperimentRef, shm_size: str) -> list[dict[str, Any]]:
    return [
        {"name": "runs", "persistentVolumeClaim": {"claimName": RUNS_PVC}},
        {"name": "cache", "persistentVolumeClaim": {"claimName": CACHE_PVC}},
        {"name": "experiments", "configMap": {"name": exp.config_map}},
        # NCCL and Ray's object store live in /dev/shm; the container runtime's 64 MiB default breaks them.
        {"name": "dshm", "emptyDir": {"medium": "Memory", "sizeLimit": shm_size}},
        {"name": "tmp", "emptyDir": {}},
        {"name": "home", "emptyDir": {}},
    ]


API_ACCESS_VOLUME = "kube-api-access"


def _api_access_volume() -> dict[str, Any]:
    """The ServiceAccount token, CA and namespace, mounted explicitly (and only) where `rs-train` runs.

    The same files the kubelet would automount, but short-lived and only in this one container.
    """
    return {
        "name": API_ACCESS_VOLUME,
        "projected": {
            "sources": [
                {"serviceAccountToken": {"path": "token", "expirationSeconds": 3600}},
                {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
                {
                    "downwardAPI": {
                        "items": [
                            {
                                "path": "namespace",
                                "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"},
                            }
                        ]
                    }
                },
            ]
        },
    }


def container(
    name: str,
    image: str,
    args: list[str],
    resources: dict[str, Any],
    *,
    env: list[dict[str, Any]] | None = None,
    runs_read_only: bool = False,
) -> dict[str, Any]:
    """A kit container: restricted security context, the standard mounts and the secret env.

    `args` replace the image's CMD and keep its ENTRYPOINT (tini -g); empty `args` are left out.
    """
    spec: dict[str, Any] = {"name": name, "image": image, "imagePullPolicy": "Always"}
    if args:
        spec["args"] = args
    spec.update(
        {
            "env": [
                *({"name": key, "value": value} for key, value in runtime_env(HOME_DIR).items()),
                *SECRET_ENV,
                *(env or []),
            ],
            "resources": resources,
            "securityContext": dict(CONTAINER_SECURITY),
            "volumeMounts": _volume_mounts(runs_read_only=runs_read_only),
        }
    )
    return spec


def with_eval_trigger(spec: dict[str, Any], exp: ExperimentRef) -> dict[str, Any]:
    """Let the pod spec's (only) container start the experiment's evaluation Job after training."""
    [main] = spec["containers"]
    main["env"].append({"name": EVAL_JOB_ENV, "value": exp.eval_job})
    main["volumeMounts"].append(
        {"name": API_ACCESS_VOLUME, "mountPath": str(SERVICE_ACCOUNT_DIR), "readOnly": True}
    )
    spec["volumes"].append(_api_access_volume())
    spec["serviceAccountName"] = exp.trainer_account
    return spec


def _pod_spec(
    exp: ExperimentRef, settings: ClusterSettings, containers: list[dict[str, Any]], **extra: Any
) -> dict:
    spec: dict[str, Any] = {
        "serviceAccountName": SERVICE_ACCOUNT,
        "automountServiceAccountToken": False,
        "securityContext": {
            "runAsNonRoot": True,
            "runAsUser": USER_ID,
            "runAsGroup": USER_ID,
            "fsGroup": USER_ID,
            # Re-own the volumes only when their root does not match: a recursive chown of a
            # multi-terabyte runs PVC on every pod start would take hours.
            "fsGroupChangePolicy": "OnRootMismatch",
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        # GPU nodes are usually tainted so that only pods asking for GPUs land there.
        "tolerations": [{"key": GPU, "operator": "Exists", "effect": "NoSchedule"}],
        "containers": containers,
        "volumes": _volumes(exp, settings.shm_size),
    }
    if settings.image_pull_secrets:  # a private GHCR package: `kubectl create secret docker-registry ...`
        spec["imagePullSecrets"] = [{"name": name} for name in settings.image_pull_secrets]
    spec.update(extra)
    return spec


def trainer_access(exp: ExperimentRef) -> list[Manifest]:
    """ServiceAccount + Role + RoleBinding: `rs-train` may get and patch the evaluation Job, nothing else."""
    labels = exp.labels("train")
    meta = {"name": exp.trainer_account, "labels": labels}
    return [
        {
            "apiVersion": "v1",
            "kind": "ServiceAccount",
            "metadata": meta,
            "automountServiceAccountToken": False,
        },
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "Role",
            "metadata": meta,
            "rules": [
                {
                    "apiGroups": ["batch"],
                    "resources": ["jobs"],
                    "resourceNames": [exp.eval_job],
                    "verbs": ["get", "patch"],
                }
            ],
        },
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "RoleBinding",
            "metadata": meta,
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": exp.trainer_account},
            "subjects": [{"kind": "ServiceAccount", "name": exp.trainer_account, "namespace": NAMESPACE}],
        },
    ]


def _job(
    name: str,
    exp: ExperimentRef,
    component: str,
    settings: ClusterSettings,
    deadline: int,
    pod_spec: dict[str, Any],
    main_container: str,
    **job_fields: Any,
) -> Manifest:
    labels = exp.labels(component)
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": name, "labels": labels},
        "spec": {
            **job_fields,
            "backoffLimit": settings.backoff_limit,
            "activeDeadlineSeconds": deadline,
            "ttlSecondsAfterFinished": settings.ttl_seconds_after_finished,
            "podFailurePolicy": {
                "rules": [
                    # A bad experiment fails the same way on every retry: stop at once.
                    {
                        "action": "FailJob",
                        "onExitCodes": {
                            "containerName": main_container,
                            "operator": "In",
                            "values": [EXIT_CONFIG_ERROR],
                        },
                    },
                    # Preemption, eviction or node drain is not the run's fault: retry without counting it.
                    {"action": "Ignore", "onPodConditions": [{"type": "DisruptionTarget", "status": "True"}]},
                ]
            },
            "template": {"metadata": {"labels": labels}, "spec": {**pod_spec, "restartPolicy": "Never"}},
        },
    }


def train_job(exp: ExperimentRef, settings: ClusterSettings) -> Manifest:
    """8-GPU MODE2 training; a retried pod resumes from the last checkpoint on the runs PVC."""
    train = container(
        "train",
        settings.image,
        exp.train_command("MODE2"),
        _resources(settings.train_cpu, settings.train_memory, settings.gpus_per_node),
    )
    pod = _pod_spec(
        exp,
        settings,
        [train],
        priorityClassName=TRAIN_PRIORITY,
        terminationGracePeriodSeconds=settings.train_grace_seconds,
    )
    return _job(
        k8s_name(exp.name, "train"),
        exp,
        "train",
        settings,
        settings.train_deadline_seconds,
        with_eval_trigger(pod, exp),
        "train",
    )


def eval_job(exp: ExperimentRef, settings: ClusterSettings) -> Manifest:
    """Applied suspended; the training pod starts it after training exits 0 and tags it with its attempt.

    The init container then checks (bounded) that the marker holds that attempt, and the main
    container merges the final checkpoint and evaluates it.
    """
    attempt_env = {
        "name": "REWARD_SIGNAL_ATTEMPT",
        "valueFrom": {"fieldRef": {"fieldPath": f"metadata.annotations['{ATTEMPT_ANNOTATION}']"}},
    }
    wait = container(
        "wait-for-training",
        settings.image,
        [
            "rs-wait-for-training",
            exp.marker,
            "--attempt",
            "$(REWARD_SIGNAL_ATTEMPT)",
            "--timeout",
            str(settings.marker_wait_seconds),
            "--poll",
            "10",
        ],
        _resources("100m", "256Mi", 0),
        env=[attempt_env],
        runs_read_only=True,
    )
    evaluate = container(
        "eval",
        settings.image,
        [
            "reward-signal",
            "eval",
            "--model",
            f"{exp.run_dir}/checkpoints",
            "--datasets",
            ",".join(EVAL_DATASETS),
            "--tp",
            str(settings.eval_gpus),
            "--out",
            f"{exp.run_dir}/eval",
        ],
        _resources(settings.eval_cpu, settings.eval_memory, settings.eval_gpus),
    )
    # Lower priority than training: a pending training pod (a retry) preempts an evaluation pod.
    pod = _pod_spec(
        exp,
        settings,
        [evaluate],
        initContainers=[wait],
        priorityClassName=EVAL_PRIORITY,
        terminationGracePeriodSeconds=settings.eval_grace_seconds,
    )
    return _job(
        exp.eval_job, exp, "eval", settings, settings.eval_deadline_seconds, pod, "eval", suspend=True
    )


def ray_job(exp: ExperimentRef, settings: ClusterSettings, ray_version: str) -> Manifest:
    """KubeRay RayJob running MODE3 on `settings.nodes` workers of `gpus_per_node` GPUs each.

    The head is CPU-only (`num-gpus: 0` and NVIDIA_VISIBLE_DEVICES=void so the runtime mounts no GPU),
    and the driver asks for no GPU, so every GPU belongs to the workers VERL schedules on.
    """
    layout_env = [
        {"name": "NNODES", "value": str(settings.nodes)},
        {"name": "GPUS_PER_NODE", "value": str(settings.gpus_per_node)},
    ]
    head = container(
        "ray-head",
        settings.image,
        [],
        _resources(settings.ray_head_cpu, settings.ray_head_memory, 0),
        env=[{"name": "NVIDIA_VISIBLE_DEVICES", "value": "void"}, *layout_env],
    )
    worker = container(
        "ray-worker",
        settings.image,
        [],
        _resources(settings.train_cpu, settings.train_memory, settings.gpus_per_node),
        env=layout_env,
    )
    # No args: KubeRay supplies `ray start ...` (and its own command) for head and workers.
    labels = exp.labels("train")
    grace = {"terminationGracePeriodSeconds": settings.train_grace_seconds}
    # The entrypoint (rs-train) runs on the head, pinned there by a custom resource only the head
    # has, so only the head mounts the token that may start the evaluation Job.
    head_spec = with_eval_trigger(_pod_spec(exp, settings, [head], **grace), exp)
    head_spec.pop("tolerations")  # the head must not land on (or hold) a GPU node
    head_pod = {"metadata": {"labels": labels}, "spec": head_spec}
    worker_pod = {
        "metadata": {"labels": labels},
        "spec": _pod_spec(exp, settings, [worker], priorityClassName=TRAIN_PRIORITY, **grace),
    }
    submitter_spec: dict[str, Any] = {
        "serviceAccountName": SERVICE_ACCOUNT,
        "automountServiceAccountToken": False,
        "restartPolicy": "Never",
        "securityContext": {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}},
        "containers": [
            {
                "name": "ray-job-submitter",
                "image": settings.image,
                "imagePullPolicy": "Always",
                "env": [{"name": "HOME", "value": "/tmp"}],
                "resources": _resources("500m", "1Gi", 0),
                "securityContext": dict(CONTAINER_SECURITY),
                "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}],
            }
        ],
        "volumes": [{"name": "tmp", "emptyDir": {}}],
    }
    if settings.image_pull_secrets:
        submitter_spec["imagePullSecrets"] = head_spec["imagePullSecrets"]
    return {
        "apiVersion": "ray.io/v1",
        "kind": "RayJob",
        "metadata": {"name": k8s_name(exp.name, "ray", limit=RAYJOB_NAME_LIMIT), "labels": labels},
        "spec": {
            "entrypoint": " ".join(exp.train_command("MODE3")),
            "entrypointNumCpus": 1,
            "entrypointNumGpus": 0,
            "entrypointResources": json.dumps({DRIVER_RESOURCE: 1}),
            "shutdownAfterJobFinishes": True,
            "ttlSecondsAfterFinished": settings.ray_ttl_seconds_after_finished,
            "activeDeadlineSeconds": settings.train_deadline_seconds,
            "backoffLimit": settings.backoff_limit,
            "submitterPodTemplate": {"metadata": {"labels": labels}, "spec": submitter_spec},
            "rayClusterSpec": {
                "rayVersion": ray_version,
                "headGroupSpec": {
                    "rayStartParams": {
                        "num-gpus": "0",
                        "dashboard-host": "0.0.0.0",
                        # KubeRay passes this through to `ray start --resources=...` (its quoting).
                        "resources": json.dumps(json.dumps({DRIVER_RESOURCE: 1})),
                    },
                    "template": head_pod,
                },
                "workerGroupSpecs": [
                    {
                        "groupName": "gpu",
                        "replicas": settings.nodes,
                        "minReplicas": settings.nodes,
                        "maxReplicas": settings.nodes,
                        "rayStartParams": {"num-gpus": str(settings.gpus_per_node)},
                        "template": worker_pod,
                    }
                ],
            },
        },
    }
