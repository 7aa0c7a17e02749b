"""pins.py, docker/requirements.in/.lock, flash-attn.lock, the Dockerfile, compose and README agree."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from reward_signal import __version__
from reward_signal.common.pins import CUDA_VERSION, IMAGE_FLOORS, IMAGE_PINS, IMAGE_PYTHON, VERL_VERSION
from reward_signal.common.versions import meets_floor, release
from reward_signal.deploy.image import (
    DIGEST_ARGS,
    base_images,
    dockerfile_args,
    dockerfile_labels,
    lock_problems,
    locked_versions,
    missing_digests,
    normalize,
)
from tests.conftest import REPO_ROOT

DOCKER = REPO_ROOT / "docker"
LOCK = DOCKER / "requirements.lock"
DOCKERFILE = REPO_ROOT / "Dockerfile"
LOCK_PINS = {name: version for name, version in IMAGE_PINS.items() if name != "flash-attn"}


def readme_section(name: str) -> str:
    text = (REPO_ROOT / "docs" / f"{name}.md").read_text(encoding="utf-8")
    match = re.search(rf"<!-- section:{name} -->(.*?)<!-- /section:{name} -->", text, re.S)
    assert match, f"docs/{name}.md has no {name} section"
    return match.group(1)


def test_lock_and_requirements_in_hold_the_pinned_versions() -> None:
    locked = locked_versions(LOCK)
    wanted = locked_versions(DOCKER / "requirements.in")
    for name, version in LOCK_PINS.items():
        assert locked[normalize(name)] == version, name
        assert wanted[normalize(name)] == version, name
    # verl[vllm], not plain verl: main_ppo imports the verl-core extras.
    assert re.search(r"^verl\[vllm\]==", (DOCKER / "requirements.in").read_text(), re.M)
    for extra in ("transferqueue", "cachetools", "uvicorn", "ray", "wandb"):
        assert extra in locked, extra


def test_lock_holds_the_pins_and_a_hydra_verl_can_import() -> None:
    assert lock_problems(LOCK) == []
    locked = locked_versions(LOCK)
    assert meets_floor(locked["hydra-core"], "1.3") and meets_floor(locked["omegaconf"], "2.3")
    assert locked["antlr4-python3-runtime"].startswith("4.9."), (
        "hydra-core 1.3 and omegaconf 2.3 need antlr4 4.9"
    )
    assert IMAGE_FLOORS == {"hydra-core": "1.3", "omegaconf": "2.3"}


@pytest.mark.parametrize(
    ("replace", "by", "named"),
    [
        ("hydra-core==1.3.8", "hydra-core==0.11.3", "hydra-core is 0.11.3, VERL needs >= 1.3"),
        ("omegaconf==2.3.1", "omegaconf==1.4.1", "omegaconf is 1.4.1, VERL needs >= 2.3"),
        ("vllm==0.24.0", "vllm==0.23.0", "vllm is 0.23.0, reward_signal/common/pins.py pins 0.24.0"),
        ("\nverl==0.9.1", "\nverl-renamed==0.9.1", "verl is missing"),
    ],
)
def test_a_broken_lock_is_named(tmp_path: Path, replace: str, by: str, named: str) -> None:
    text = LOCK.read_text()
    assert replace in text, f"the lock no longer holds {replace!r}: update this test's examples"
    broken = tmp_path / "requirements.lock"
    broken.write_text(text.replace(replace, by))
    problems = lock_problems(broken)
    assert len(problems) == 1 and named in problems[0] and str(broken) in problems[0]


def test_release_numbers_compare_with_floors() -> None:
    assert release("2.3.1+cpu") == (2, 3, 1)
    assert meets_floor("1.3", "1.3") and meets_floor("1.10.0", "1.3") and not meets_floor("0.11.3", "1.3")
    with pytest.raises(ValueError, match="not a version"):
        release("latest")


def test_every_lock_entry_is_hashed() -> None:
    blocks = re.split(r"\n(?=[a-z0-9])", LOCK.read_text(), flags=re.I)
    pinned = [block for block in blocks if "==" in block.splitlines()[0]]
    assert len(pinned) == len(locked_versions(LOCK)) > 100
    assert all("--hash=sha256:" in block for block in pinned)


def test_flash_attn_is_built_from_a_hashed_sdist_of_the_pinned_version() -> None:
    text = (DOCKER / "flash-attn.lock").read_text()
    assert locked_versions(DOCKER / "flash-attn.lock") == {"flash-attn": IMAGE_PINS["flash-attn"]}
    assert re.search(r"--hash=sha256:[0-9a-f]{64}", text)
    script = (DOCKER / "build-flash-attn.sh").read_text()
    assert '--require-hashes --no-deps --no-binary :all: \\\n        -r "$here/flash-attn.lock"' in script
    assert "FLASH_ATTENTION_FORCE_BUILD=TRUE" in script and 'MAX_JOBS="${MAX_JOBS:-1}"' in script
    assert (
        "ARG MAX_JOBS=1" in DOCKERFILE.read_text()
    )  # memory-safe default, as flash-attention's CI for CUDA 13


def test_lock_cuda_runtime_matches_the_base_image_cuda() -> None:
    """torch's nvidia-* wheels and the CUDA base image carry the same CUDA major.minor."""
    locked = locked_versions(LOCK)
    runtime = locked["nvidia-cuda-runtime"]
    assert runtime.split(".")[:2] == CUDA_VERSION.split(".")
    assert "nvidia-cudnn-cu13" in locked and "nvidia-nccl-cu13" in locked
    assert dockerfile_args(DOCKERFILE)["CUDA_TAG"].startswith(CUDA_VERSION + ".")


def test_dockerfile_labels_python_and_installs_agree_with_pins() -> None:
    labels = dockerfile_labels(DOCKERFILE)
    for name, version in IMAGE_PINS.items():
        assert labels[f"io.reward-signal.{name}"] == version, name
    assert labels["io.reward-signal.cuda"] == CUDA_VERSION
    assert labels["io.reward-signal.python"] == IMAGE_PYTHON
    for key in ("source", "revision", "version"):
        assert f"org.opencontainers.image.{key}" in labels
    text = DOCKERFILE.read_text()
    assert f"python{IMAGE_PYTHON} -m venv" in text
    assert (
        "--require-hashes --only-binary :all: --no-binary antlr4-python3-runtime --no-deps \\\n"
        "    -r /tmp/requirements.lock" in text
    )
    assert f"--python-version {IMAGE_PYTHON}" in LOCK.read_text().splitlines()[1]


def test_launcher_expects_the_locked_verl() -> None:
    from reward_signal.launch import validate

    assert validate.VERL_VERSION == VERL_VERSION == locked_versions(LOCK)["verl"]


def test_runtime_is_non_root_under_tini_with_volumes_for_outputs() -> None:
    text = DOCKERFILE.read_text()
    runtime = text[text.index("AS runtime") :]
    assert re.search(r"^USER 10001:10001$", runtime, re.M)
    assert 'ENTRYPOINT ["/usr/bin/tini", "-g", "--"]' in runtime
    # The commands compose and the manifests run exist in the image under those names.
    assert "docker/train.sh /usr/local/bin/rs-train" in runtime
    assert "docker/wait-for-training.sh /usr/local/bin/rs-wait-for-training" in runtime
    assert (
        "HF_HOME=/workspace/cache/huggingface" in runtime
        and "REWARD_SIGNAL_RUNS_DIR=/workspace/runs" in runtime
    )
    for secret in ("HF_TOKEN", "WANDB_API_KEY"):
        assert secret not in text, f"{secret} must never be baked into a layer"
    ignored = (REPO_ROOT / ".dockerignore").read_text().splitlines()
    for entry in ("runs/", ".env", "data/cache/", "**/*.parquet"):
        assert entry in ignored


def test_readme_names_the_pinned_versions_and_cuda() -> None:
    section = readme_section("containers")
    for name, version in IMAGE_PINS.items():
        assert f"{name} {version}" in section, f"docs/containers.md must say '{name} {version}'"
    assert f"CUDA {CUDA_VERSION}" in section and f"Python {IMAGE_PYTHON}" in section
    assert f"Ray {locked_versions(LOCK)['ray']}" in section


def test_default_image_tags_follow_the_package_version() -> None:
    from reward_signal.deploy.cli import DEFAULT_IMAGE

    image = f"{DEFAULT_IMAGE}:{__version__}"
    assert f"{image}}}" in (REPO_ROOT / "compose.yaml").read_text()  # ${REWARD_SIGNAL_IMAGE:-<image>}
    assert f"={image}\n" in (REPO_ROOT / ".env.example").read_text()
    assert f"docker pull {image}" in readme_section("containers")


def test_release_gate_requires_both_base_digests(tmp_path: Path) -> None:
    assert missing_digests({}, DOCKERFILE) == [
        f"{name}='' is not a sha256:<64 hex> digest" for name in DIGEST_ARGS
    ]
    digest = "sha256:" + "ab" * 32  # a well-formed value to exercise the gate, not a real image
    assert missing_digests(dict.fromkeys(DIGEST_ARGS, digest), DOCKERFILE) == []
    assert missing_digests({"CUDA_DEVEL_DIGEST": digest}, DOCKERFILE) == [
        "CUDA_BASE_DIGEST='' is not a sha256:<64 hex> digest"
    ]
    gate = [sys.executable, "-m", "reward_signal.deploy.image", "--require-digests"]
    refused = subprocess.run(gate, capture_output=True, text=True, cwd=REPO_ROOT)
    assert refused.returncode == 1 and "CUDA_DEVEL_DIGEST" in refused.stderr
    accepted = subprocess.run(
        [*gate, *(f"--build-arg={name}={digest}" for name in DIGEST_ARGS)],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
    )
    assert accepted.returncode == 0, accepted.stderr
    assert f"base image: {base_images(dict.fromkeys(DIGEST_ARGS, digest))[0]}" in accepted.stdout
    assert accepted.stdout.count(f"@{digest}") == 2


def test_base_images_are_named_by_tag_and_by_digest_when_given() -> None:
    tag = dockerfile_args(DOCKERFILE)["CUDA_TAG"]
    assert base_images({}, DOCKERFILE) == [
        f"nvidia/cuda:{tag}-devel-ubuntu24.04",
        f"nvidia/cuda:{tag}-base-ubuntu24.04",
    ]  # the flash-attn-wheels stage starts FROM another stage (or a build context), not an image
    digests = {"CUDA_DEVEL_DIGEST": "sha256:" + "1" * 64, "CUDA_BASE_DIGEST": "sha256:" + "2" * 64}
    assert base_images(digests, DOCKERFILE) == [
        f"nvidia/cuda:{tag}-devel-ubuntu24.04@sha256:{'1' * 64}",
        f"nvidia/cuda:{tag}-base-ubuntu24.04@sha256:{'2' * 64}",
    ]


@pytest.mark.slow
def test_lock_still_resolves_for_linux_x86_64(tmp_path: Path) -> None:
    """Re-run the lock's own `uv pip compile` command (needs PyPI) and compare every pin.

    The current lock is the starting output file, so uv keeps its versions as preferences: this
    fails when the pins no longer resolve together, not merely because something new was released.
    """
    command = LOCK.read_text().splitlines()[1].strip("# ").split()
    assert command[:3] == ["uv", "pip", "compile"]
    out = tmp_path / "requirements.lock"
    shutil.copy(LOCK, out)
    command[command.index("--output-file") + 1] = str(out)
    uv = shutil.which("uv")
    assert uv, "uv is not on PATH: install the test extra"
    result = subprocess.run(
        [uv, *command[1:]],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        env={**os.environ, "UV_PYTHON_DOWNLOADS": "never"},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    fresh = locked_versions(out)
    assert {name: fresh.get(name) for name in map(normalize, LOCK_PINS)} == {
        normalize(name): version for name, version in LOCK_PINS.items()
    }
    assert fresh == locked_versions(LOCK), "the lock is stale: regenerate it with the command in its header"


def test_runtime_has_the_compilers_triton_vllm_and_flashinfer_use_at_run_time() -> None:
    """Triton compiles its launcher with a C compiler and Python.h at the first kernel launch."""
    from tests.unit.deploy.test_manifests import runtime_apt_packages

    packages = runtime_apt_packages()
    assert "build-essential" in packages  # gcc, g++, make
    assert f"python{IMAGE_PYTHON}-dev" in packages  # Python.h for the interpreter the venv uses


def test_image_records_its_commit_and_reference_for_run_json() -> None:
    """run.json's git_commit and image come from these variables (the image has no .git)."""
    from reward_signal.deploy.image import assignments, dockerfile_args, expand, instructions
    from reward_signal.launch.rundir import COMMIT_ENV, IMAGE_ENV

    env: dict[str, str] = {}
    for keyword, rest in instructions(DOCKERFILE):
        if keyword == "ENV":
            env.update(assignments(rest))
    build_args = {
        **dockerfile_args(DOCKERFILE),
        "REVISION": "c" * 40,
        "IMAGE_REF": "ghcr.io/o/reward-signal:sha-c",
    }
    assert expand(env[COMMIT_ENV], build_args) == "c" * 40
    assert expand(env[IMAGE_ENV], build_args) == "ghcr.io/o/reward-signal:sha-c"
    workflow = (REPO_ROOT / ".github" / "workflows" / "image.yml").read_text()
    assert (
        "REVISION=${{ github.sha }}" in workflow
        and "IMAGE_REF=${{ env.IMAGE }}:sha-${{ github.sha }}" in workflow
    )
