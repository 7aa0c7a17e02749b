"""The vLLM judge beside training: `k8s render --judge-model` output, built by kustomize and validated."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from reward_signal.common.errors import ConfigError
from reward_signal.deploy.judge import JudgeServing
from tests.conftest import ASSETS
from tests.unit.deploy.conftest import IMAGE, by_kind, kustomize
from tests.unit.deploy.test_validators import checkov, validate_strict

TINY_JUDGE = ASSETS / "deploy" / "tiny-judge.yaml"
TINY = ASSETS / "deploy" / "tiny-grpo.yaml"
SERVING = JudgeServing("Qwen/Qwen2.5-Math-7B-Instruct", "judge", gpus=2)


def _render(
    out: Path, files: list[Path], judge: JudgeServing | None = SERVING, **settings: object
) -> list[dict]:
    from reward_signal.deploy.manifests import ClusterSettings
    from reward_signal.deploy.render import render, write_overlay

    write_overlay(render(files, ClusterSettings(image=IMAGE, **settings), out, judge), out)
    return kustomize(out)


@pytest.fixture(scope="module")
def with_judge(tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    return _render(tmp_path_factory.mktemp("judge") / "overlay", [TINY_JUDGE, TINY])


@pytest.fixture(scope="module")
def ray_with_judge(tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    return _render(tmp_path_factory.mktemp("judge-ray") / "overlay", [TINY_JUDGE], nodes=2)


def _named(objects: list[dict], kind: str, name: str) -> dict:
    [found] = [o for o in by_kind(objects, kind) if o["metadata"]["name"] == name]
    return found


def test_judge_deployment_serves_vllm_on_gpus_with_readiness_on_models(with_judge: list[dict]) -> None:
    [deployment] = by_kind(with_judge, "Deployment")
    [service] = by_kind(with_judge, "Service")
    pod = deployment["spec"]["template"]["spec"]
    [server] = pod["containers"]
    assert server["args"][:3] == ["vllm", "serve", "Qwen/Qwen2.5-Math-7B-Instruct"]
    assert server["args"][server["args"].index("--served-model-name") + 1] == "judge"
    assert server["args"][server["args"].index("--tensor-parallel-size") + 1] == "2"
    assert (
        server["resources"]["requests"]["nvidia.com/gpu"]
        == 2
        == server["resources"]["limits"]["nvidia.com/gpu"]
    )
    assert server["readinessProbe"]["httpGet"] == {"path": "/v1/models", "port": "http"}
    assert server["startupProbe"]["failureThreshold"] * server["startupProbe"]["periodSeconds"] >= 3600
    assert {m["name"] for m in server["volumeMounts"]} == {"cache", "dshm", "tmp", "home"}
    assert service["metadata"]["name"] == "genrm" and service["spec"]["ports"][0]["port"] == 8000
    assert service["spec"]["selector"] == deployment["spec"]["selector"]["matchLabels"]
    # the namespace's NetworkPolicy admits kit pods to kit pods: the judge carries the kit's name label
    assert deployment["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/name"] == "reward-signal"


def test_only_judge_experiments_wait_for_the_judge_and_get_its_address(with_judge: list[dict]) -> None:
    judged = _named(with_judge, "Job", "rs-tiny-judge-train")["spec"]["template"]["spec"]
    plain = _named(with_judge, "Job", "rs-tiny-grpo-train")["spec"]["template"]["spec"]
    [wait] = [c for c in judged["initContainers"] if c["name"] == "wait-for-judge"]
    assert wait["args"][:3] == ["reward-signal", "reward", "judge-wait"]
    env = {e["name"]: e.get("value") for e in judged["containers"][0]["env"]}
    assert env["GENRM_ENDPOINT"] == "http://genrm:8000/v1" and env["GENRM_MODEL_PATH"] == "judge"
    assert {e["name"] for e in wait["env"]} >= {"GENRM_ENDPOINT", "GENRM_MODEL_PATH"}
    assert "GENRM_ENDPOINT" not in {e["name"] for e in plain["containers"][0]["env"]}
    assert "wait-for-judge" not in {c["name"] for c in plain.get("initContainers", [])}


def test_rayjob_head_waits_and_every_ray_pod_knows_the_judge(ray_with_judge: list[dict]) -> None:
    [ray] = by_kind(ray_with_judge, "RayJob")
    cluster = ray["spec"]["rayClusterSpec"]
    head = cluster["headGroupSpec"]["template"]["spec"]
    assert [c["name"] for c in head["initContainers"]][-1] == "wait-for-judge"
    for pod in [head, *(group["template"]["spec"] for group in cluster["workerGroupSpecs"])]:
        assert "GENRM_ENDPOINT" in {e["name"] for e in pod["containers"][0]["env"]}


def test_judge_reward_without_a_judge_model_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="asks a generative judge: pass --judge-model"):
        _render(tmp_path / "o", [TINY_JUDGE], judge=None)
    with pytest.raises(ConfigError, match="--judge-gpus 0"):
        _render(tmp_path / "o", [TINY_JUDGE], judge=JudgeServing("m", gpus=0))


def test_judge_overlays_validate_strictly(with_judge: list[dict], ray_with_judge: list[dict]) -> None:
    validate_strict(with_judge)
    validate_strict(ray_with_judge)


def test_cli_renders_the_judge(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from reward_signal.cli import main

    out = tmp_path / "overlay"
    args = ["k8s", "render", "--exp", str(TINY_JUDGE), "--out", str(out), "--judge-model", "my/judge"]
    assert main(args) == 0
    assert "genrm.yaml" in yaml.safe_load((out / "kustomization.yaml").read_text())["resources"]


@pytest.mark.slow
def test_checkov_finds_nothing_in_the_judge_overlay(tmp_path: Path, with_judge: list[dict]) -> None:
    (tmp_path / "judge.yaml").write_text(yaml.safe_dump_all(with_judge))
    result = checkov(tmp_path, "kubernetes")
    assert "Passed checks" in result.stdout, result.stdout + result.stderr
    assert result.returncode == 0, result.stdout
