"""A real HTTP server on 127.0.0.1 for download tests: serves a directory, honours `Range: bytes=N-`
(Python's http.server does not), records every request, can drop connections mid-body and can
send slowly."""

from __future__ import annotations

import contextlib
import functools
import http.server
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TypeVar

ServerT = TypeVar("ServerT", bound=http.server.HTTPServer)


class RangeServer(http.server.ThreadingHTTPServer):
    def __init__(
        self,
        directory: Path,
        cut_after: int = 0,
        cuts: int = 1,
        honour_range: bool = True,
        seconds_per_kib: float = 0.0,
    ) -> None:
        super().__init__(("127.0.0.1", 0), functools.partial(_RangeHandler, directory=str(directory)))
        self.requests: list[tuple[str, str | None]] = []
        self.cut_after = cut_after  # send only this many body bytes, then close
        self.cuts_left = cuts  # ... on this many responses
        self.honour_range = honour_range
        self.seconds_per_kib = seconds_per_kib  # throttle the body, so concurrent clients overlap

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _RangeHandler(http.server.SimpleHTTPRequestHandler):
    server: RangeServer

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - silence test output
        pass

    def do_GET(self) -> None:
        requested_range = self.headers.get("Range")
        self.server.requests.append((self.path, requested_range))
        path = Path(self.translate_path(self.path))
        if not path.is_file():
            self.send_error(404)
            return
        data = path.read_bytes()
        start = int(requested_range.removeprefix("bytes=").split("-")[0]) if requested_range else 0
        if not self.server.honour_range:
            start = 0
        if start >= len(data) and start:
            self.send_response(416)
            self.send_header("Content-Range", f"bytes */{len(data)}")
            self.end_headers()
            return
        body = data[start:]
        self.send_response(206 if start else 200)
        if start:
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.server.cut_after and self.server.cuts_left > 0:
            self.server.cuts_left -= 1
            body = body[: self.server.cut_after]
        if not self.server.seconds_per_kib:
            self.wfile.write(body)
            return
        for start in range(0, len(body), 1024):
            self.wfile.write(body[start : start + 1024])
            self.wfile.flush()
            time.sleep(self.server.seconds_per_kib)


@contextlib.contextmanager
def running(server: ServerT) -> Iterator[ServerT]:
    """Serve `server` from a thread for the block's duration, then shut it down."""
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@contextlib.contextmanager
def serve(directory: Path, **options: object) -> Iterator[RangeServer]:
    """Run a RangeServer in a thread for the block's duration."""
    with running(RangeServer(directory, **options)) as server:  # type: ignore[arg-type]
        yield server
