"""The compose `judge` profile: vLLM serves the judge on its own GPU; the judged debug run waits for it."""

from __future__ import annotations

import pytest

from tests.conftest import REPO_ROOT
from tests.unit.deploy.test_compose import resolved


@pytest.fixture(scope="module")
def services() -> dict:
    return resolved(REPO_ROOT, "--profile", "judge", env={"GENRM_MODEL": "my/judge", "GENRM_GPUS": "2"})


def test_genrm_serves_the_judge_with_vllm_on_its_own_gpu(services: dict) -> None:
    genrm = services["genrm"]
    assert genrm["command"][:3] == ["vllm", "serve", "my/judge"]
    assert genrm["command"][genrm["command"].index("--served-model-name") + 1] == "judge"
    assert genrm["command"][genrm["command"].index("--tensor-parallel-size") + 1] == "2"
    assert genrm["command"][genrm["command"].index("--port") + 1] == "8000"
    [device] = genrm["deploy"]["resources"]["reservations"]["devices"]
    assert device["device_ids"] == ["1"] and device["capabilities"] == ["gpu"]
    assert genrm["healthcheck"]["test"][1:4] == ["reward-signal", "reward", "judge-wait"]
    assert "http://127.0.0.1:8000/v1" in genrm["healthcheck"]["test"]


def test_judged_debug_run_waits_for_a_healthy_judge_on_the_other_gpu(services: dict) -> None:
    run = services["debug-judge"]
    assert run["command"] == ["rs-train", "debug", "MODE1", "--reward-type", "judge_prm"]
    assert run["depends_on"]["genrm"]["condition"] == "service_healthy"
    assert run["depends_on"]["runs-dir"]["condition"] == "service_completed_successfully"
    [device] = run["deploy"]["resources"]["reservations"]["devices"]
    assert device["device_ids"] == ["0"]
    assert run["environment"]["GENRM_ENDPOINT"] == "http://genrm:8000/v1"
    assert run["environment"]["GENRM_MODEL_PATH"] == "judge"


def test_the_judge_profile_stays_off_by_default() -> None:
    assert {"genrm", "debug-judge"}.isdisjoint(resolved(REPO_ROOT))
