"""The overlays shipped under k8s/overlays/ (so `kubectl apply -k` works without rendering first)
are exactly what `reward-signal k8s render` produces today, and pass the strict validators."""

from __future__ import annotations

from pathlib import Path

import pytest

from reward_signal.cli import main
from tests.conftest import REPO_ROOT
from tests.unit.deploy.conftest import by_kind, kustomize
from tests.unit.deploy.test_validators import rayjob_validator, validate_strict

# overlay directory -> the `k8s render` arguments that produce it (README "Production on Kubernetes").
COMMITTED = {
    "llama31-8b-rlvr8k": ["--exp", "llama31-8b-rlvr8k"],
    "llama31-8b-rlvr8k-2x8": ["--exp", "llama31-8b-rlvr8k", "--nodes", "2"],
}


@pytest.mark.parametrize("name", sorted(COMMITTED))
def test_committed_overlay_matches_a_fresh_render(name: str, tmp_path: Path) -> None:
    fresh = tmp_path / name
    assert main(["k8s", "render", *COMMITTED[name], "--out", str(fresh)]) == 0
    committed = kustomize(REPO_ROOT / "k8s" / "overlays" / name)
    assert committed == kustomize(fresh), (
        f"k8s/overlays/{name} is stale: run `reward-signal k8s render {' '.join(COMMITTED[name])} "
        f"--out k8s/overlays/{name}` and commit the result"
    )


def test_committed_overlays_cover_every_overlay_directory() -> None:
    shipped = {path.name for path in (REPO_ROOT / "k8s" / "overlays").iterdir() if path.is_dir()}
    assert shipped == set(COMMITTED)


def test_production_overlay_trains_on_8_gpus_then_evaluates() -> None:
    objects = kustomize(REPO_ROOT / "k8s" / "overlays" / "llama31-8b-rlvr8k")
    validate_strict(objects)
    jobs = {job["metadata"]["name"]: job for job in by_kind(objects, "Job")}
    assert set(jobs) == {"rs-llama31-8b-rlvr8k-train", "rs-llama31-8b-rlvr8k-eval"}
    [trainer] = jobs["rs-llama31-8b-rlvr8k-train"]["spec"]["template"]["spec"]["containers"]
    assert trainer["resources"]["limits"]["nvidia.com/gpu"] == 8


def test_multinode_overlay_is_a_valid_rayjob(kuberay_schemas: Path) -> None:
    objects = kustomize(REPO_ROOT / "k8s" / "overlays" / "llama31-8b-rlvr8k-2x8")
    validate_strict(objects)
    [ray] = by_kind(objects, "RayJob")
    assert list(rayjob_validator(kuberay_schemas).iter_errors(ray)) == []
    [workers] = ray["spec"]["rayClusterSpec"]["workerGroupSpecs"]
    assert workers["replicas"] == 2
