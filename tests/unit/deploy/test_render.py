"""`reward-signal k8s render`: names, shipped experiments and sweeps, and safe output handling."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from reward_signal.cli import main
from reward_signal.common.errors import ConfigError, KitError
from reward_signal.deploy.names import JOB_NAME_LIMIT, RAYJOB_NAME_LIMIT, k8s_name
from tests.conftest import REPO_ROOT
from tests.unit.deploy.conftest import TINY, by_kind, kustomize, render_overlay
from tests.unit.deploy.test_validators import validate_strict

DNS_1123 = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


def test_names_are_deterministic_valid_and_bounded() -> None:
    assert k8s_name("llama31-8b-rlvr8k", "train") == "rs-llama31-8b-rlvr8k-train"
    long = "qwen25-math-1.5b-datascale-n2048-reward_noisy-p0.3-seed3-with-a-very-long-suffix"
    names = {k8s_name(long, "train"), k8s_name(long, "train")}
    assert len(names) == 1
    [name] = names
    assert len(name) <= JOB_NAME_LIMIT and DNS_1123.match(name) and name.endswith("-train")
    assert len(k8s_name(long, "ray", limit=RAYJOB_NAME_LIMIT)) <= RAYJOB_NAME_LIMIT
    # Names that sanitise to the same text stay distinct.
    assert k8s_name("a.b", "train") != k8s_name("a-b", "train")
    assert k8s_name(long + "1", "eval") != k8s_name(long + "2", "eval")


def test_every_shipped_experiment_renders_and_validates(tmp_path: Path) -> None:
    shipped = sorted((REPO_ROOT / "script" / "experiments").glob("*.yaml"))
    assert shipped
    objects = render_overlay(tmp_path / "all", shipped)
    jobs = by_kind(objects, "Job")
    assert len(jobs) == 2 * len(shipped)
    assert len({job["metadata"]["name"] for job in jobs}) == len(jobs)
    assert all(DNS_1123.match(job["metadata"]["name"]) and len(job["metadata"]["name"]) <= 63 for job in jobs)
    validate_strict(objects)


def test_a_sweep_renders_one_job_pair_per_cell(tmp_path: Path) -> None:
    grids = sorted((REPO_ROOT / "script" / "experiments" / "grids").glob("*.yaml"))
    if not grids:
        pytest.skip("no grid shipped under script/experiments/grids")
    cells = tmp_path / "cells"
    assert main(["sweep", "--grid", str(grids[0]), "--out", str(cells)]) == 0
    files = sorted(cells.glob("*.yaml"))
    out = tmp_path / "overlay"
    assert main(["k8s", "render", "--sweep", str(cells), "--out", str(out), "--image", "ghcr.io/x/rs:1"]) == 0
    objects = kustomize(out)
    assert len(by_kind(objects, "Job")) == 2 * len(files)
    assert len(by_kind(objects, "ConfigMap")) == len(files)


def test_bad_input_is_a_config_error_and_writes_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(TINY.read_text().replace("exploration:", "exploraton:"))
    out = tmp_path / "overlay"
    assert main(["k8s", "render", "--exp", str(bad), "--out", str(out)]) == 78
    assert not out.exists()
    twin = tmp_path / "twin.yaml"
    twin.write_text(TINY.read_text())  # same `name:` as TINY
    with pytest.raises(ConfigError, match="also used by"):
        render_overlay(out, [TINY, twin])
    with pytest.raises(ConfigError, match="--eval-gpus 0"):
        render_overlay(out, [TINY], eval_gpus=0)
    assert main(["k8s", "render", "--out", str(out)]) == 78


def test_rerender_replaces_stale_files_but_never_clobbers_foreign_dirs(tmp_path: Path) -> None:
    out = tmp_path / "overlay"
    other = tmp_path / "other.yaml"
    other.write_text(TINY.read_text().replace("name: tiny-grpo", "name: other-run"))
    render_overlay(out, [TINY, other])
    assert (out / "other-run.jobs.yaml").is_file()
    render_overlay(out, [TINY])
    assert (
        not (out / "other-run.jobs.yaml").exists() and not (out / "experiments" / "other-run.yaml").exists()
    )
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    with pytest.raises(KitError, match="not written by"):
        render_overlay(foreign, [TINY])


def test_cli_render_by_shipped_name(tmp_path: Path) -> None:
    out = tmp_path / "debug"
    result = subprocess.run(
        ["reward-signal", "k8s", "render", "--exp", "debug", "--out", str(out)],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert f"kubectl apply -k {out}" in result.stdout
    [train] = [job for job in by_kind(kustomize(out), "Job") if job["metadata"]["name"].endswith("-train")]
    assert train["spec"]["template"]["spec"]["containers"][0]["image"].startswith("ghcr.io/")
