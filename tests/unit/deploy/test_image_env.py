"""The image-environment step: it installs the lock as the Dockerfile does, finds Python 3.12 or says
what is missing, fails (never skips) without the index, reuses only completed caches, and reads the
doctor's verdict. The full step itself runs in `.ci/run` (about 10 GB; see docs/containers.md)."""

from __future__ import annotations

import http.server
import json
import os
import re
import socket
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from reward_signal.deploy import image_env
from reward_signal.deploy import image_env_build as build
from reward_signal.deploy.doctor import FAIL, OK, SKIP, Check
from reward_signal.deploy.image import DEFAULT_DOCKERFILE, DEFAULT_LOCK
from tests.conftest import REPO_ROOT


def fake_python(path: Path, version: str) -> str:
    """An executable that answers the version probe like a Python `version` would."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!/bin/sh\necho {version}\n")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return str(path)


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}/simple"


def test_the_lock_is_installed_with_the_dockerfiles_flags() -> None:
    joined = re.sub(r"\\\n\s*", "", DEFAULT_DOCKERFILE.read_text())
    assert f"pip install {' '.join(build.INSTALL_FLAGS)} -r /tmp/requirements.lock" in joined
    assert build.lock_target(DEFAULT_LOCK) == ("x86_64-manylinux_2_39", "3.12")


def test_a_lock_without_its_compile_header_is_refused(tmp_path: Path) -> None:
    lock = tmp_path / "requirements.lock"
    lock.write_text("ray==2.60.0 \\\n    --hash=sha256:00\n")
    with pytest.raises(build.ImageEnvError, match=re.escape(str(lock))):
        build.lock_target(lock)


def test_python_312_is_found_or_everything_tried_is_named(tmp_path: Path) -> None:
    old = fake_python(tmp_path / "bin" / "python3.12", "3.11")
    pyenv = fake_python(tmp_path / "pyenv" / "versions" / "3.12.9" / "bin" / "python3.12", "3.12")
    env = {"PATH": str(tmp_path / "bin"), "PYENV_ROOT": str(tmp_path / "pyenv")}
    candidates = build.python_candidates("3.12", env)
    assert candidates[:2] == [old, pyenv]
    assert build.find_python("3.12", candidates) == pyenv
    missing = str(tmp_path / "nowhere" / "python3.12")
    with pytest.raises(build.ImageEnvError) as error:
        build.find_python("3.12", [old, missing])
    message = str(error.value)
    assert "no Python 3.12 interpreter found" in message
    assert f"{old} (is 3.11)" in message and f"{missing} (not runnable)" in message
    assert "--python" in message and "python3.12-venv" in message


class SimpleIndex(http.server.BaseHTTPRequestHandler):
    """A PEP 503 index on 127.0.0.1 that knows one project."""

    def do_GET(self) -> None:
        known = self.path == "/simple/absl-py/"
        self.send_response(200 if known else 404)
        self.end_headers()
        self.wfile.write(b"<a href='absl_py-2.5.1-py3-none-any.whl'>absl_py</a>" if known else b"")

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - silence test output
        pass


def test_the_index_must_answer() -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), SimpleIndex)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}/simple"
    try:
        build.check_index(url, "absl_py")  # normalized to absl-py, answered 200
        with pytest.raises(build.ImageEnvError, match="answered HTTP 404"):
            build.check_index(url, "not-there")
    finally:
        server.shutdown()
        server.server_close()
    with pytest.raises(build.ImageEnvError, match="cannot be reached .*never skips"):
        build.check_index(closed_port_url(), "absl-py", timeout=5)


def test_cli_fails_loudly_without_python_312(tmp_path: Path) -> None:
    missing = tmp_path / "python3.12"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "reward_signal.deploy.image_env",
            "--python",
            str(missing),
            "--cache-dir",
            str(tmp_path),
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert "no Python 3.12 interpreter found" in result.stderr and str(missing) in result.stderr
    assert "FAILED after" in result.stdout


def test_cli_fails_loudly_without_the_index(tmp_path: Path) -> None:
    """A cold cache and no index: the step fails naming the index, before creating anything."""
    python = fake_python(tmp_path / "bin" / "python3.12", "3.12")
    cache = tmp_path / "cache"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "reward_signal.deploy.image_env",
            "--python",
            python,
            "--cache-dir",
            str(cache),
            "--index-url",
            closed_port_url(),
        ],
        cwd=REPO_ROOT,
        env={**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "cannot be reached" in result.stderr and "never skips" in result.stderr
    assert not cache.exists() or not any(cache.iterdir())


def recipe(**changes: str) -> build.Recipe:
    values = {"python": "3.12", "platform": "x86_64-manylinux_2_39", "pytest": "8.4.2"}
    return build.Recipe(flags=build.INSTALL_FLAGS, **{**values, **changes})


def complete(cache: Path, key: str, made_by: build.Recipe, mtime: float | None = None) -> Path:
    env_dir = cache / key
    env_dir.mkdir(parents=True)
    marker = env_dir / build.MARKER
    marker.write_text(json.dumps({"recipe": made_by.as_json()}))
    if mtime is not None:
        os.utime(marker, (mtime, mtime))
    return env_dir


def test_a_cache_is_reused_only_when_completed_with_the_same_recipe(tmp_path: Path) -> None:
    (tmp_path / "aaa").mkdir()  # a build that never wrote its marker
    assert build.cached_env(tmp_path, "aaa", recipe()) is None
    built = complete(tmp_path, "bbb", recipe())
    assert build.cached_env(tmp_path, "bbb", recipe()) == built
    assert build.cached_env(tmp_path, "bbb", recipe(pytest="9.0.0")) is None
    assert (
        build.cache_key(DEFAULT_LOCK) == __import__("hashlib").sha256(DEFAULT_LOCK.read_bytes()).hexdigest()
    )


def test_prune_keeps_the_current_and_the_most_recently_used(tmp_path: Path) -> None:
    current = complete(tmp_path, "current", recipe(), mtime=1_000)
    recent = complete(tmp_path, "recent", recipe(), mtime=3_000)
    complete(tmp_path, "old", recipe(), mtime=2_000)
    build.prune(tmp_path, keep=[current], limit=2)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([current.name, recent.name])


def test_doctor_verdict_needs_every_required_import_passed() -> None:
    passed = [Check(f"import {module}", OK, "imported") for module in image_env.REQUIRED_IMPORTS]
    assert image_env.doctor_problems([*passed, Check("import flash_attn", SKIP, "built in the image")]) == []
    broken = [
        Check(
            "import verl.trainer.main_ppo", FAIL, "ImportError: cannot import name 'MISSING' from 'omegaconf'"
        ),
        *passed[1:],
    ]
    assert image_env.doctor_problems(broken) == [
        "import verl.trainer.main_ppo: ImportError: cannot import name 'MISSING' from 'omegaconf'"
    ]
    skipped_vllm = [
        check if check.name != "import vllm" else Check("import vllm", SKIP, "?") for check in passed
    ]
    assert image_env.doctor_problems(skipped_vllm) == ["import vllm: skip, ?"]
    assert image_env.doctor_problems(passed[1:]) == ["import verl.trainer.main_ppo: not checked"]


def test_commands_in_the_layer_see_nothing_of_the_callers_venv(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTHONPATH", "/somewhere/else")
    monkeypatch.setenv("VIRTUAL_ENV", "/dev/venv")
    env = image_env.layer_env(tmp_path / "layer", {"WANDB_MODE": "offline"})
    assert "PYTHONPATH" not in env and "VIRTUAL_ENV" not in env
    assert env["PATH"].startswith(str(tmp_path / "layer" / "bin") + os.pathsep)
    assert env["WANDB_MODE"] == "offline"


@pytest.mark.slow
def test_dry_runs_report_each_cell_and_fail_on_a_broken_experiment(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        (REPO_ROOT / "script" / "experiments" / "debug.yaml").read_text() + "\nnot_a_field: 1\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "reward_signal.deploy.dry_runs", "debug", str(broken)],
        cwd=REPO_ROOT,
        env={**os.environ, "REWARD_SIGNAL_RUNS_DIR": str(tmp_path / "runs")},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    for mode in ("MODE1", "MODE2", "MODE3"):
        assert f"ok   train --dry-run debug {mode}" in result.stdout
        assert f"FAIL train --dry-run {broken} {mode}" in result.stdout
    assert "not_a_field" in result.stdout and "3 of 6 dry-runs failed" in result.stdout


def test_every_check_runs_after_a_failure(capsys: pytest.CaptureFixture[str]) -> None:
    """A broken lock shows the inconsistency AND the import it breaks, not only the first."""
    ran = []

    def inconsistent() -> None:
        ran.append("pip check")
        raise build.ImageEnvError("hydra-core requires omegaconf>=1.4,<1.5, but 2.3.1 is installed")

    failures = image_env.run_checks(
        [("uv pip check", inconsistent), ("doctor", lambda: ran.append("doctor"))]
    )
    assert ran == ["pip check", "doctor"]
    assert failures == ["uv pip check: hydra-core requires omegaconf>=1.4,<1.5, but 2.3.1 is installed"]
    out = capsys.readouterr().out
    assert "image-env: uv pip check: FAILED" in out and re.search(r"image-env: doctor: \d+\.\d s", out)


def test_a_failed_step_is_summarised_by_its_failure_lines() -> None:
    report = "ok   train --dry-run debug MODE1 (1.0 s)\nFAIL train --dry-run debug MODE2 (0.1 s)\n     ImportError: x\n"
    assert (
        image_env.summary(report, ["FAIL", "     "])
        == "FAIL train --dry-run debug MODE2 (0.1 s)\n     ImportError: x"
    )
    assert image_env.summary("Traceback ...\nboom", ["FAILED"]) == "Traceback ...\nboom"
