"""A generative judge served by vLLM beside the training Job: Deployment + Service, and the training pods'
wiring to it (GENRM_* environment, an init container that waits until the judge answers).

The judge pod runs the kit image's own vLLM (`vllm serve`, OpenAI API on port 8000 at /v1), so the Service
`genrm` plays the part of the seed cluster's router Service. Readiness is `GET /v1/models`; a startup probe
allows for the minutes a large judge takes to load before liveness checks begin.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from reward_signal.deploy import manifests

JUDGE_SERVICE = "genrm"
JUDGE_PORT = 8000
API_KEY = "GENRM_API_KEY"  # optional key of the kit Secret; vLLM reads it as VLLM_API_KEY
COMPONENT = "judge"


@dataclass(frozen=True)
class JudgeServing:
    """The judge model and what its pod gets. `model` is a Hugging Face id or a path on the cache volume."""

    model: str
    served_name: str = ""
    gpus: int = 1
    cpu: str = "8"
    memory: str = "64Gi"
    ready_timeout_seconds: int = 3600

    @property
    def name(self) -> str:
        """The model name clients send (GENRM_MODEL_PATH)."""
        return self.served_name or self.model

    @property
    def endpoint(self) -> str:
        return f"http://{JUDGE_SERVICE}:{JUDGE_PORT}/v1"


def _labels() -> dict[str, str]:
    return {"app.kubernetes.io/name": manifests.APP, "app.kubernetes.io/component": COMPONENT}


def judge_manifests(serving: JudgeServing, settings: manifests.ClusterSettings) -> list[manifests.Manifest]:
    """The judge's Deployment (one vLLM replica with `serving.gpus` GPUs) and its Service."""
    server = manifests.container(
        "vllm",
        settings.image,
        [
            "vllm",
            "serve",
            serving.model,
            "--served-model-name",
            serving.name,
            "--host",
            "0.0.0.0",
            "--port",
            str(JUDGE_PORT),
            "--tensor-parallel-size",
            str(serving.gpus),
        ],
        manifests._resources(serving.cpu, serving.memory, serving.gpus),
        env=[
            {
                "name": "VLLM_API_KEY",
                "valueFrom": {"secretKeyRef": {"name": manifests.SECRET, "key": API_KEY, "optional": True}},
            }
        ],
    )
    keep = {"cache", "dshm", "tmp", "home"}  # no runs volume or experiment files: the judge needs neither
    server["volumeMounts"] = [mount for mount in server["volumeMounts"] if mount["name"] in keep]
    server["ports"] = [{"name": "http", "containerPort": JUDGE_PORT, "protocol": "TCP"}]
    probe = {"httpGet": {"path": "/v1/models", "port": "http"}, "periodSeconds": 10, "timeoutSeconds": 5}
    server["startupProbe"] = {**probe, "failureThreshold": serving.ready_timeout_seconds // 10}
    server["readinessProbe"] = {**probe, "failureThreshold": 3}
    server["livenessProbe"] = {**probe, "periodSeconds": 30, "failureThreshold": 4}
    pod = manifests._pod_spec(manifests.ExperimentRef(JUDGE_SERVICE), settings, [server])
    pod["volumes"] = [volume for volume in pod["volumes"] if volume["name"] in keep]
    pod["priorityClassName"] = manifests.TRAIN_PRIORITY  # training waits for it: same priority
    labels = _labels()
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": JUDGE_SERVICE, "labels": labels},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": labels},
            # One GPU-holding replica at a time: a rolling update would need a second set of GPUs.
            "strategy": {"type": "Recreate"},
            "template": {"metadata": {"labels": labels}, "spec": pod},
        },
    }
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": JUDGE_SERVICE, "labels": labels},
        "spec": {
            "selector": labels,
            "ports": [{"name": "http", "port": JUDGE_PORT, "targetPort": "http", "protocol": "TCP"}],
        },
    }
    return [deployment, service]


def _judge_env(serving: JudgeServing) -> list[dict[str, Any]]:
    return [
        {"name": "GENRM_ENDPOINT", "value": serving.endpoint},
        {"name": "GENRM_MODEL_PATH", "value": serving.name},
        {
            "name": API_KEY,
            "valueFrom": {"secretKeyRef": {"name": manifests.SECRET, "key": API_KEY, "optional": True}},
        },
    ]


def _pod_templates(training: manifests.Manifest) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """(the pod that starts training, every pod that may call the judge) of a Job or a KubeRay RayJob."""
    if training["kind"] == "Job":
        template = training["spec"]["template"]
        return template, [template]
    cluster = training["spec"]["rayClusterSpec"]
    head = cluster["headGroupSpec"]["template"]
    return head, [head, *(group["template"] for group in cluster["workerGroupSpecs"])]


def with_judge(training: manifests.Manifest, serving: JudgeServing, image: str) -> manifests.Manifest:
    """The training Job/RayJob with the judge's address in every container and a wait for its readiness."""
    wired = copy.deepcopy(training)
    starter, callers = _pod_templates(wired)
    for pod in callers:
        for item in pod["spec"]["containers"]:
            item["env"] = [*item["env"], *_judge_env(serving)]
    wait = manifests.container(
        "wait-for-judge",
        image,
        ["reward-signal", "reward", "judge-wait", "--timeout", str(serving.ready_timeout_seconds)],
        manifests._resources("100m", "256Mi", 0),
        env=_judge_env(serving),
        runs_read_only=True,
    )
    starter["spec"]["initContainers"] = [*starter["spec"].get("initContainers", []), wait]
    return wired
