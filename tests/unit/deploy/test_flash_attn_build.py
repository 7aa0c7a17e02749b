"""flash-attn compiles once per torch / CUDA / architectures: its inputs, its cache key, its stages."""

from __future__ import annotations

import re
from pathlib import Path

from reward_signal.deploy.flash_attn import (
    BUILD_LOCK,
    BUILD_SCRIPT,
    SDIST_LOCK,
    build_lock_text,
    cache_key,
    closure,
    lock_blocks,
)
from reward_signal.deploy.image import DEFAULT_DOCKERFILE, DEFAULT_LOCK, instructions, locked_versions
from tests.conftest import REPO_ROOT

WORKFLOW = REPO_ROOT / ".github" / "workflows" / "image.yml"


def test_build_lock_is_the_torch_part_of_the_image_lock_verbatim() -> None:
    assert BUILD_LOCK.read_text() == build_lock_text(DEFAULT_LOCK), (
        "docker/flash-attn-build.lock is stale: run `python -m reward_signal.deploy.flash_attn build-lock`"
    )
    build, image = locked_versions(BUILD_LOCK), locked_versions(DEFAULT_LOCK)
    assert build["torch"] == image["torch"] and build.items() <= image.items()
    assert {"ninja", "setuptools", "wheel", "packaging", "nvidia-cuda-runtime"} <= build.keys()
    assert "vllm" not in build and "verl" not in build  # what torch does not need stays out


def test_closure_follows_via_comments() -> None:
    text = (
        "a==1 \\\n    --hash=sha256:aa\n    # via -r requirements.in\n"
        "b==2 \\\n    --hash=sha256:bb\n    # via\n    #   a\n    #   c\n"
        "c==3 \\\n    --hash=sha256:cc\n    # via -r requirements.in\n"
        "d==4 \\\n    --hash=sha256:dd\n    # via b\n"
    )
    blocks = lock_blocks(text)
    assert closure(blocks, ["a"]) == ["a", "b", "d"]
    assert closure(blocks, ["c"]) == ["b", "c", "d"]
    assert blocks["d"] == "d==4 \\\n    --hash=sha256:dd\n    # via b\n"


def copy_inputs(tmp_path: Path) -> list[Path]:
    copies = []
    for path in (BUILD_LOCK, SDIST_LOCK, BUILD_SCRIPT):
        copy = tmp_path / path.name
        copy.write_bytes(path.read_bytes())
        copies.append(copy)
    (tmp_path / "Dockerfile").write_text(DEFAULT_DOCKERFILE.read_text())
    return copies


def test_key_changes_with_torch_cuda_or_architectures_but_not_with_other_pins(tmp_path: Path) -> None:
    files = copy_inputs(tmp_path)
    dockerfile = tmp_path / "Dockerfile"
    key = cache_key(dockerfile, files)
    assert re.fullmatch(r"flash-attn-[0-9a-f]{16}", key) and key == cache_key(DEFAULT_DOCKERFILE)
    # A new vllm (or anything torch does not need) leaves the build lock, hence the key, unchanged.
    changed_lock = tmp_path / "requirements.lock"
    changed_lock.write_text(DEFAULT_LOCK.read_text().replace("vllm==", "vllm==9", 1))
    files[0].write_text(build_lock_text(changed_lock))
    assert cache_key(dockerfile, files) == key
    files[0].write_text(build_lock_text(DEFAULT_LOCK).replace("torch==2.11.0", "torch==2.11.1"))
    assert cache_key(dockerfile, files) != key
    files[0].write_text(build_lock_text(DEFAULT_LOCK))
    for old, new in (("ARG CUDA_TAG=13.0.2", "ARG CUDA_TAG=13.0.3"), ('"80;90;100;120"', '"90"')):
        dockerfile.write_text(DEFAULT_DOCKERFILE.read_text().replace(old, new))
        assert cache_key(dockerfile, files) != key


def test_dockerfile_compiles_from_flash_attns_inputs_only_or_takes_a_prebuilt_wheel() -> None:
    steps = instructions(DEFAULT_DOCKERFILE)
    stage_of: dict[int, str] = {}
    stage = ""
    for index, (keyword, rest) in enumerate(steps):
        if keyword == "FROM":
            stage = rest.split()[-1]
        stage_of[index] = stage
    copies = [
        rest
        for i, (keyword, rest) in enumerate(steps)
        if keyword == "COPY" and stage_of[i] == "flash-attn-from-source"
    ]
    assert copies == [
        "docker/flash-attn.lock docker/flash-attn-build.lock docker/build-flash-attn.sh /opt/flash-attn/"
    ]
    assert ("FROM", "${FLASH_ATTN_WHEELS} AS flash-attn-wheels") in steps
    assert ("ARG", "FLASH_ATTN_WHEELS=flash-attn-from-source") in steps
    assert any(k == "COPY" and r.startswith("--from=flash-attn-wheels /wheels") for k, r in steps)


def test_workflow_builds_the_wheel_in_its_own_job_with_a_cache_that_survives_failure() -> None:
    import yaml

    jobs = yaml.safe_load(WORKFLOW.read_text())["jobs"]
    wheel, image = jobs["flash-attn"], jobs["build"]
    assert image["needs"] == "flash-attn"
    text = WORKFLOW.read_text()
    assert "python -m reward_signal.deploy.flash_attn key" in text
    saved = [step for step in wheel["steps"] if step.get("uses", "").startswith("actions/cache/save")]
    # the half-built tree is saved even when the compile fails or times out, so a re-run resumes
    assert any(
        "always()" in step.get("if", "") and "flash-attn-build" in step["with"]["path"] for step in saved
    )
    [compile_step] = [step for step in wheel["steps"] if "build-flash-attn.sh" in step.get("run", "")]
    assert compile_step["env"]["MAX_JOBS"] == 1 and "timeout 300m" in compile_step["run"]
    assert "prebuilt-flash-attn=" in text and "FLASH_ATTN_WHEELS=prebuilt-flash-attn" in text
    assert wheel["timeout-minutes"] <= 360 and image["timeout-minutes"] <= 360
