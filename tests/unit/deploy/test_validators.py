"""The real validators accept everything the deploy area ships or renders (nothing here runs a container)."""

from __future__ import annotations

import copy
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO_ROOT
from tests.unit.deploy.conftest import by_kind, kustomize

SHELL_SCRIPTS = [
    *sorted((REPO_ROOT / "docker").glob("*.sh")),
    *sorted((REPO_ROOT / "script" / "slurm").glob("*.sbatch")),
]
# Checks skipped on purpose, with the reason (README "Containers and clusters" repeats them).
CHECKOV_SKIPS = {
    "CKV_K8S_43": "image digest exists only after the release build; render with --image <ref>@sha256:... from it",
    "CKV_K8S_35": "huggingface_hub and wandb read HF_TOKEN / WANDB_API_KEY from the environment, not from files",
}


def tool(name: str) -> str:
    path = shutil.which(name)
    assert path, f"{name} is not on PATH: install the test extra (pip install -e '.[test]')"
    return path


def run(
    *command: str | Path, cwd: Path = REPO_ROOT, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(part) for part in command], cwd=cwd, capture_output=True, text=True, timeout=timeout
    )


def test_hadolint_passes_on_the_dockerfile() -> None:
    result = run(tool("hadolint"), "Dockerfile")
    assert result.returncode == 0, result.stdout + result.stderr
    # Every ignored rule is justified in the comment block right above the pragma ("# DLxxxx ignored: why").
    lines = (REPO_ROOT / "Dockerfile").read_text().splitlines()
    for number, line in enumerate(lines):
        if line.startswith("# hadolint ignore="):
            rule = line.split("=", 1)[1]
            block = []
            for above in reversed(lines[:number]):
                if not above.startswith("#"):
                    break
                block.append(above)
            assert any(text.startswith(f"# {rule} ignored") for text in block), (
                f"line {number + 1}: no reason for {rule}"
            )


@pytest.mark.parametrize("profiles", [[], ["eval"]])
def test_compose_config_accepts_every_profile(profiles: list[str]) -> None:
    args = [arg for profile in profiles for arg in ("--profile", profile)]
    result = run(tool("docker-compose"), "-f", "compose.yaml", *args, "config", "--quiet")
    assert result.returncode == 0, result.stderr


def test_kustomize_base_validates_strictly() -> None:
    objects = kustomize(REPO_ROOT / "k8s" / "base")
    assert {obj["kind"] for obj in objects} >= {"PersistentVolumeClaim", "ServiceAccount", "PriorityClass"}
    validate_strict(objects)


def validate_strict(objects: list[dict]) -> None:
    """kubernetes-validate --strict on every built-in object (custom resources are checked by CRD schema)."""
    builtin = [obj for obj in objects if "ray.io" not in obj["apiVersion"]]
    result = subprocess.run(
        [tool("kubernetes-validate"), "--strict", "-"],
        input=yaml.safe_dump_all(builtin),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("passed") == len(builtin), result.stdout


@pytest.mark.parametrize("layout", ["single_node", "multi_node"])
def test_rendered_overlays_validate_strictly(layout: str, request: pytest.FixtureRequest) -> None:
    validate_strict(request.getfixturevalue(layout))


def rayjob_validator(kuberay_schemas: Path):  # noqa: ANN201 - jsonschema validator
    """KubeRay's RayJob schema, made strict: unknown fields are errors, as `kubectl --validate=strict` does."""
    import jsonschema

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the CRD is 1.4 MB: libyaml reads it 6x faster
    crd = yaml.load((kuberay_schemas / "ray.io_rayjobs.yaml").read_text(), Loader=loader)
    [version] = [v for v in crd["spec"]["versions"] if v["name"] == "v1"]

    def forbid_unknown(node: object) -> None:
        if isinstance(node, dict):
            open_ended = "additionalProperties" in node or node.get("x-kubernetes-preserve-unknown-fields")
            if "properties" in node and not open_ended:
                node["additionalProperties"] = False
            for value in node.values():
                forbid_unknown(value)
        elif isinstance(node, list):
            for value in node:
                forbid_unknown(value)

    schema = copy.deepcopy(version["schema"]["openAPIV3Schema"])
    forbid_unknown(schema)
    return jsonschema.Draft7Validator(schema)


def test_rayjob_validates_against_kuberay_crd(multi_node: list[dict], kuberay_schemas: Path) -> None:
    validator = rayjob_validator(kuberay_schemas)
    [ray] = by_kind(multi_node, "RayJob")
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(ray)]
    assert errors == []
    # The strict schema does catch mistakes: a misspelt field is rejected.
    broken = copy.deepcopy(ray)
    broken["spec"]["rayClusterSpec"]["headGroupSpec"]["rayStartParam"] = {}
    assert any("rayStartParam" in e.message for e in validator.iter_errors(broken))


def test_shell_scripts_pass_bash_n_and_shellcheck() -> None:
    assert SHELL_SCRIPTS
    for script in SHELL_SCRIPTS:
        shell = "bash" if "bash" in script.read_text().splitlines()[0] else "sh"  # as the shebang says
        result = run(shell, "-n", script)
        assert result.returncode == 0, f"{script}: {result.stderr}"
    result = run(tool("shellcheck"), *SHELL_SCRIPTS)
    assert result.returncode == 0, result.stdout


def test_workflow_passes_actionlint() -> None:
    result = run(
        tool("actionlint"),
        "-shellcheck",
        tool("shellcheck"),
        *sorted((REPO_ROOT / ".github" / "workflows").glob("*.yml")),
    )
    assert result.returncode == 0, result.stdout + result.stderr


def checkov(scan: Path, *frameworks: str) -> subprocess.CompletedProcess[str]:
    """checkov 3.3.30 (isolated via `uv tool run`, see pyproject) on `scan`, with the justified skips."""
    return run(
        tool("uv"),
        "tool",
        "run",
        "--from",
        "checkov==3.3.30",
        "checkov",
        "--directory",
        scan,
        "--framework",
        *frameworks,
        "--skip-check",
        ",".join(CHECKOV_SKIPS),
        "--compact",
        "--quiet",
        timeout=600,
    )


@pytest.mark.slow
def test_checkov_finds_nothing_beyond_the_justified_skips(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """checkov (isolated via `uv tool run`, see pyproject) on the Dockerfile and both rendered layouts."""
    scan = tmp_path / "scan"
    scan.mkdir()
    shutil.copy(REPO_ROOT / "Dockerfile", scan / "Dockerfile")
    for layout in ("single_node", "multi_node"):
        (scan / f"{layout}.yaml").write_text(yaml.safe_dump_all(request.getfixturevalue(layout)))
    result = checkov(scan, "kubernetes", "dockerfile")
    assert "Passed checks" in result.stdout, result.stdout + result.stderr
    assert result.returncode == 0, result.stdout
