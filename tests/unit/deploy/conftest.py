"""Render experiments with the real `k8s render` code and build them with the real kustomize."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tests.conftest import ASSETS

TINY = ASSETS / "deploy" / "tiny-grpo.yaml"
IMAGE = "ghcr.io/example/reward-signal:0.1.0"


def kustomize(directory: Path) -> list[dict]:
    """`kubectl kustomize DIR` parsed into objects (fails the test with kustomize's message)."""
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl (with its built-in kustomize) is not installed")
    result = subprocess.run(
        [kubectl, "kustomize", str(directory)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


def render_overlay(out: Path, files: list[Path], **settings: object) -> list[dict]:
    """Render `files` into `out` and return the kustomize build of the overlay."""
    from reward_signal.deploy.manifests import ClusterSettings
    from reward_signal.deploy.render import render, write_overlay

    write_overlay(render(files, ClusterSettings(image=IMAGE, **settings), out), out)
    return kustomize(out)


def by_kind(objects: list[dict], kind: str) -> list[dict]:
    return [obj for obj in objects if obj["kind"] == kind]


@pytest.fixture(scope="module")
def single_node(tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    return render_overlay(tmp_path_factory.mktemp("single") / "overlay", [TINY])


@pytest.fixture(scope="module")
def multi_node(tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    return render_overlay(tmp_path_factory.mktemp("multi") / "overlay", [TINY], nodes=3)


@pytest.fixture
def shared_tmp() -> Iterator[Path]:
    """A temporary directory other uids can traverse (pytest's tmp_path lives under a 0700 directory)."""
    directory = Path(tempfile.mkdtemp(prefix="reward-signal-"))
    directory.chmod(0o755)
    try:
        yield directory
    finally:
        shutil.rmtree(directory, ignore_errors=True)
