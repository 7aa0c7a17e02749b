"""The training pod starts its evaluation Job through the Kubernetes API (a real server on 127.0.0.1)."""

from __future__ import annotations

from pathlib import Path

import pytest

from reward_signal.common.errors import EXIT_CONFIG_ERROR, KitError
from reward_signal.deploy.kube import ATTEMPT_ANNOTATION, ApiServer, resume_job
from reward_signal.deploy.manifests import NAMESPACE, ClusterSettings, ExperimentRef, eval_job, trainer_access
from reward_signal.deploy.marker import finish
from tests.unit.deploy.conftest import IMAGE
from tests.unit.deploy.kube_server import self_signed, serve_api

REF = ExperimentRef(name="tiny-grpo")
TOKEN = "sa-token-value"


def account_dir(tmp_path: Path, ca: Path | None = None) -> Path:
    """What the projected volume holds in the pod: token, namespace, CA."""
    directory = tmp_path / "serviceaccount"
    directory.mkdir(exist_ok=True)
    (directory / "token").write_text(TOKEN + "\n")
    (directory / "namespace").write_text(NAMESPACE)
    if ca:
        (directory / "ca.crt").write_bytes(ca.read_bytes())
    return directory


def rendered_eval_job() -> dict:
    return eval_job(REF, ClusterSettings(image=IMAGE))


def role_allows() -> set[str]:
    """The Job names the rendered Role grants (resourceNames), so the server enforces the real Role."""
    [role] = [obj for obj in trainer_access(REF) if obj["kind"] == "Role"]
    [rule] = role["rules"]
    assert rule["verbs"] == ["get", "patch"] and rule["resources"] == ["jobs"]
    return set(rule["resourceNames"])


def api(server, tmp_path: Path) -> ApiServer:  # noqa: ANN001 - FakeApiServer
    return ApiServer(server.url, NAMESPACE, account_dir(tmp_path) / "token")


def test_resume_tags_the_attempt_then_unsuspends_the_rendered_job(tmp_path: Path) -> None:
    with serve_api(TOKEN, NAMESPACE, role_allows()) as server:
        server.jobs[REF.eval_job] = rendered_eval_job()
        assert server.jobs[REF.eval_job]["spec"]["suspend"] is True
        resume_job(api(server, tmp_path), REF.eval_job, "attempt-1", backoff=0)
        job = server.jobs[REF.eval_job]
        assert job["spec"]["suspend"] is False
        assert job["spec"]["template"]["metadata"]["annotations"] == {ATTEMPT_ANNOTATION: "attempt-1"}
        assert [method for method, _, _ in server.requests] == ["GET", "PATCH", "PATCH"]
        # A retry of the whole call (e.g. the pod restarted after the patch) changes nothing.
        resume_job(api(server, tmp_path), REF.eval_job, "attempt-1", backoff=0)
        with pytest.raises(KitError, match="not suspended .* delete both Jobs"):
            resume_job(api(server, tmp_path), REF.eval_job, "attempt-2", backoff=0)


def test_role_limits_the_token_to_its_own_evaluation_job(tmp_path: Path) -> None:
    with serve_api(TOKEN, NAMESPACE, role_allows()) as server:
        server.jobs["rs-other-eval"] = rendered_eval_job()
        with pytest.raises(KitError, match="HTTP 403 .*Role and RoleBinding"):
            resume_job(api(server, tmp_path), "rs-other-eval", "a", backoff=0)
        assert server.jobs["rs-other-eval"]["spec"]["suspend"] is True


def test_missing_job_and_bad_token_fail_clearly(tmp_path: Path) -> None:
    with serve_api(TOKEN, NAMESPACE, role_allows()) as server:
        with pytest.raises(KitError, match="HTTP 404 .*deleted"):
            resume_job(api(server, tmp_path), REF.eval_job, "a", backoff=0)
        server.token = "rotated"
        server.jobs[REF.eval_job] = rendered_eval_job()
        with pytest.raises(KitError, match="HTTP 401"):
            resume_job(api(server, tmp_path), REF.eval_job, "a", backoff=0)


def test_transient_api_errors_are_retried(tmp_path: Path) -> None:
    with serve_api(TOKEN, NAMESPACE, role_allows(), failures=2) as server:
        server.jobs[REF.eval_job] = rendered_eval_job()
        resume_job(api(server, tmp_path), REF.eval_job, "a", backoff=0)
        assert server.jobs[REF.eval_job]["spec"]["suspend"] is False
    with serve_api(TOKEN, NAMESPACE, role_allows(), failures=10) as server:
        server.jobs[REF.eval_job] = rendered_eval_job()
        with pytest.raises(KitError, match="failed after 3 attempts: HTTP 503"):
            resume_job(api(server, tmp_path), REF.eval_job, "a", retries=2, backoff=0)


def test_in_cluster_finish_writes_the_marker_and_starts_evaluation_over_tls(tmp_path: Path) -> None:
    """`marker finish` as the training pod runs it: pod env + projected token/CA files, HTTPS."""
    cert, key = self_signed(tmp_path)
    accounts = account_dir(tmp_path, ca=cert)
    marker = tmp_path / "runs" / "tiny-grpo" / "TRAINING_COMPLETE"
    with serve_api(TOKEN, NAMESPACE, role_allows(), tls=(cert, key)) as server:
        server.jobs[REF.eval_job] = rendered_eval_job()
        env = {
            "KUBERNETES_SERVICE_HOST": "127.0.0.1",
            "KUBERNETES_SERVICE_PORT": str(server.server_address[1]),
            "REWARD_SIGNAL_EVAL_JOB": REF.eval_job,
        }
        finish(marker, "attempt-7", env, account_dir=accounts)
        assert marker.read_text() == "attempt-7\n"
        annotations = server.jobs[REF.eval_job]["spec"]["template"]["metadata"]["annotations"]
        assert annotations[ATTEMPT_ANNOTATION] == "attempt-7"
        assert server.jobs[REF.eval_job]["spec"]["suspend"] is False


def test_outside_a_pod_says_how_to_start_evaluation_by_hand(tmp_path: Path) -> None:
    with pytest.raises(KitError, match="not inside a Kubernetes pod.*kubectl patch job"):
        ApiServer.in_cluster({}, tmp_path)


def test_finish_without_rights_fails_without_retraining_and_says_how_to_start_by_hand(tmp_path: Path) -> None:
    marker = tmp_path / "TRAINING_COMPLETE"
    cert, key = self_signed(tmp_path)
    with serve_api(TOKEN, NAMESPACE, set(), tls=(cert, key)) as server:  # the Role was not applied
        server.jobs[REF.eval_job] = rendered_eval_job()
        env = {
            "KUBERNETES_SERVICE_HOST": "127.0.0.1",
            "KUBERNETES_SERVICE_PORT": str(server.server_address[1]),
            "REWARD_SIGNAL_EVAL_JOB": REF.eval_job,
        }
        with pytest.raises(KitError) as info:
            finish(marker, "attempt-9", env, account_dir=account_dir(tmp_path, ca=cert))
    assert info.value.exit_code == EXIT_CONFIG_ERROR  # podFailurePolicy: FailJob, no retraining
    assert marker.read_text() == "attempt-9\n"
    assert "HTTP 403" in str(info.value) and f"kubectl patch job {REF.eval_job}" in str(info.value)
    assert '"reward-signal/training-attempt": "attempt-9"' in str(info.value)
