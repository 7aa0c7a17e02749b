"""Start the evaluation Job from the training pod, through the Kubernetes API (stdlib only).

The evaluation Job is applied suspended, so it holds no GPU while training runs and never starts
when training fails. Only after training exits 0 does `rs-train` call `resume_job`, with the
pod's own ServiceAccount token; the overlay's Role lets that account get and patch that one Job
and nothing else. Two merge patches: first the training attempt goes into the pod template's
annotations (Kubernetes allows that only while the Job is suspended and has never started; the
evaluation pod reads it through the downward API and checks the completion marker against it),
then `spec.suspend` turns false.
"""

from __future__ import annotations

import json
import ssl
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reward_signal.common.errors import KitError

SERVICE_ACCOUNT_DIR = Path("/var/run/secrets/kubernetes.io/serviceaccount")
ATTEMPT_ANNOTATION = "reward-signal/training-attempt"
# Statuses a retry cannot fix: wrong rights, a missing Job, a patch the API refuses.
_PERMANENT_HTTP = {400, 401, 403, 404, 409, 422}


@dataclass(frozen=True)
class ApiServer:
    """Where the API is and how to authenticate; the token file is re-read per request (it rotates)."""

    url: str
    namespace: str
    token_file: Path
    ca_file: Path | None = None

    @classmethod
    def in_cluster(cls, env: Mapping[str, str], account_dir: Path = SERVICE_ACCOUNT_DIR) -> ApiServer:
        """The API server as seen from a pod (the variables and files the kubelet provides)."""
        host, port = env.get("KUBERNETES_SERVICE_HOST"), env.get("KUBERNETES_SERVICE_PORT", "443")
        token, namespace_file = account_dir / "token", account_dir / "namespace"
        if not host or not token.is_file() or not namespace_file.is_file():
            raise KitError(
                "not inside a Kubernetes pod with a ServiceAccount token "
                f"(KUBERNETES_SERVICE_HOST={host!r}, {token} or {namespace_file} missing): "
                "cannot start the evaluation Job; "
                'start it by hand with `kubectl patch job NAME -p \'{"spec":{"suspend":false}}\'`'
            )
        host = f"[{host}]" if ":" in host else host  # an IPv6 service address
        namespace = namespace_file.read_text(encoding="utf-8").strip()
        return cls(f"https://{host}:{port}", namespace, token, account_dir / "ca.crt")

    def _context(self) -> ssl.SSLContext | None:
        return ssl.create_default_context(cafile=str(self.ca_file)) if self.ca_file else None

    def request(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        """One API call; raises urllib's errors unchanged (the caller decides what to retry)."""
        token = self.token_file.read_text(encoding="utf-8").strip()
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            headers["Content-Type"] = "application/merge-patch+json"
        request = urllib.request.Request(self.url + path, data=data, headers=headers, method=method)
        with urllib.request.urlopen(request, timeout=30, context=self._context()) as response:
            return json.loads(response.read() or b"{}")


def job_path(namespace: str, name: str) -> str:
    return f"/apis/batch/v1/namespaces/{namespace}/jobs/{name}"


def _call(
    api: ApiServer, method: str, path: str, body: dict[str, Any] | None, retries: int, backoff: float
) -> dict[str, Any]:
    """`api.request` with retries on connection errors and 5xx/429, clear errors otherwise."""
    last = ""
    for attempt in range(retries + 1):
        if attempt:
            time.sleep(backoff * 2 ** (attempt - 1))
        try:
            return api.request(method, path, body)
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode("utf-8", "replace")[:500]
            if exc.code in _PERMANENT_HTTP:
                hint = {
                    401: "the ServiceAccount token was refused",
                    403: "the pod's ServiceAccount may not do this: apply the overlay's Role and RoleBinding",
                    404: "no such Job: was it deleted, or applied to another namespace?",
                }.get(exc.code, "the API server refused the change")
                raise KitError(f"{method} {api.url}{path}: HTTP {exc.code} ({hint}): {detail}") from exc
            last = f"HTTP {exc.code}: {detail}"
        except (urllib.error.URLError, OSError) as exc:
            last = str(getattr(exc, "reason", None) or exc)
    raise KitError(f"{method} {api.url}{path} failed after {retries + 1} attempts: {last}")


def resume_job(api: ApiServer, name: str, attempt: str, retries: int = 5, backoff: float = 2.0) -> None:
    """Tag the suspended Job `name`'s pods with `attempt`, then un-suspend it (idempotent)."""
    path = job_path(api.namespace, name)
    job = _call(api, "GET", path, None, retries, backoff)
    spec = job.get("spec", {})
    tagged = spec.get("template", {}).get("metadata", {}).get("annotations", {}).get(ATTEMPT_ANNOTATION)
    if not spec.get("suspend", False):
        if tagged == attempt:
            return  # a retry after the un-suspend already went through
        raise KitError(
            f"Job {api.namespace}/{name} is not suspended (it runs for attempt {tagged!r}, not {attempt!r}): "
            "delete both Jobs and apply the overlay again for a fresh evaluation"
        )
    template_patch = {"spec": {"template": {"metadata": {"annotations": {ATTEMPT_ANNOTATION: attempt}}}}}
    _call(api, "PATCH", path, template_patch, retries, backoff)
    resumed = _call(api, "PATCH", path, {"spec": {"suspend": False}}, retries, backoff)
    if resumed.get("spec", {}).get("suspend", False):
        raise KitError(f"Job {api.namespace}/{name} is still suspended after the patch")
