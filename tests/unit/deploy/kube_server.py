"""A small Kubernetes API server on 127.0.0.1 for the Job calls the kit makes (GET and merge-PATCH
of batch/v1 Jobs), with bearer-token auth, a Role-like allow list of Job names, the API's rule
that a Job's pod template may change only while it is suspended and has never started, optional
TLS, and injected transient failures."""

from __future__ import annotations

import contextlib
import copy
import json
import re
import ssl
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from tests.unit.data.http_server import running

_JOB_PATH = re.compile(r"^/apis/batch/v1/namespaces/([^/]+)/jobs/([^/]+)$")


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386 JSON merge patch."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


class FakeApiServer(ThreadingHTTPServer):
    def __init__(self, token: str, namespace: str, allowed: set[str], failures: int = 0) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.token, self.namespace, self.allowed = token, namespace, allowed
        self.failures = failures  # answer this many requests with 503 first
        self.jobs: dict[str, dict[str, Any]] = {}
        self.requests: list[tuple[str, str, Any]] = []
        self.scheme = "http"

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    server: FakeApiServer

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - keep test output clean
        pass

    def _reply(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _job(self) -> tuple[str, dict[str, Any]] | None:
        found = _JOB_PATH.match(self.path)
        if self.headers.get("Authorization") != f"Bearer {self.server.token}":
            self._reply(401, {"reason": "Unauthorized"})
            return None
        if self.server.failures > 0:
            self.server.failures -= 1
            self._reply(503, {"reason": "ServiceUnavailable"})
            return None
        if not found or found[1] != self.server.namespace or found[2] not in self.server.allowed:
            self._reply(403, {"reason": "Forbidden", "message": f"cannot access {self.path}"})
            return None
        if found[2] not in self.server.jobs:
            self._reply(404, {"reason": "NotFound"})
            return None
        return found[2], self.server.jobs[found[2]]

    def do_GET(self) -> None:
        self.server.requests.append(("GET", self.path, None))
        job = self._job()
        if job:
            self._reply(200, job[1])

    def do_PATCH(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.requests.append(("PATCH", self.path, body))
        job = self._job()
        if not job:
            return
        if self.headers.get("Content-Type") != "application/merge-patch+json":
            self._reply(415, {"reason": "UnsupportedMediaType"})
            return
        name, old = job
        new = merge_patch(old, body)
        frozen = not old["spec"].get("suspend") or old.get("status", {}).get("startTime")
        if frozen and new["spec"]["template"] != old["spec"]["template"]:
            self._reply(422, {"reason": "Invalid", "message": "spec.template: field is immutable"})
            return
        if old["spec"].get("suspend") and not new["spec"].get("suspend"):
            new.setdefault("status", {})["startTime"] = "2026-12-01T00:00:00Z"
        self.server.jobs[name] = new
        self._reply(200, new)


def self_signed(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 made with the openssl CLI: (certificate, key)."""
    import shutil
    import subprocess

    import pytest

    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is not installed")
    cert, key = directory / "ca.crt", directory / "key.pem"
    subprocess.run(
        [
            openssl,
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return cert, key


@contextlib.contextmanager
def serve_api(
    token: str, namespace: str, allowed: set[str], tls: tuple[Path, Path] | None = None, failures: int = 0
) -> Iterator[FakeApiServer]:
    server = FakeApiServer(token, namespace, allowed, failures)
    if tls:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(str(tls[0]), str(tls[1]))
        server.socket = context.wrap_socket(server.socket, server_side=True)
        server.scheme = "https"
    with running(server):
        yield server
