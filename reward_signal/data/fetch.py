"""Download manifest datasets (or copy them from a mirror), verify sha256 and rows, then move into place.

pooch is not used here: it cannot resume a partial download with HTTP Range requests, and it checks
only the hash, while a dataset must also have the row count the study used. The file is written to
`<target>.part` (kept between attempts and runs so a retry resumes), checked, and only then renamed;
a file that fails the check is deleted, so the target path only ever holds verified data.

Several processes may fetch into one cache at once (the Jobs of a sweep sharing a fresh volume).
They would all write the same `.part` file, so each dataset is fetched under an exclusive lock
(`<target>.lock`, flock): one process downloads, the others wait and then find the file verified.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import os
import shutil
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from reward_signal import __version__
from reward_signal.common.errors import DataError
from reward_signal.common.files import ensure_writable_dir
from reward_signal.data.manifest import DatasetEntry, Manifest
from reward_signal.data.parquet import row_count

CHUNK = 1 << 16
# Statuses a retry cannot fix: fail at once with the URL.
_PERMANENT_HTTP = {400, 401, 403, 404, 410}


@dataclass(frozen=True)
class FetchResult:
    """What happened to one dataset: `fetched` (downloaded or copied) or `skipped` (already verified)."""

    name: str
    path: Path
    action: str


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def is_verified(path: Path, entry: DatasetEntry) -> bool:
    """True when `path` exists and hashes to the manifest's sha256 (the hash pins the rows too)."""
    return path.is_file() and sha256_of(path) == entry.sha256


def verify(path: Path, entry: DatasetEntry, origin: str) -> None:
    """Raise DataError (naming file, expected and actual values) unless hash and row count match."""
    actual = sha256_of(path)
    if actual != entry.sha256:
        raise DataError(
            f"{entry.name}: checksum mismatch for {origin}: expected sha256 {entry.sha256}, got {actual}; "
            "the file was discarded (a stale mirror or a changed upstream file: check the source)"
        )
    try:
        rows = row_count(path)
    except DataError as exc:
        raise DataError(f"{entry.name}: {origin}: {exc}") from exc
    if rows != entry.rows:
        raise DataError(f"{entry.name}: {origin} has {rows} rows, the manifest expects {entry.rows}")


def _progress(total: int | None, initial: int, desc: str, enabled: bool):  # type: ignore[no-untyped-def]
    from tqdm import tqdm

    return tqdm(
        total=total, initial=initial, desc=desc, unit="B", unit_scale=True, disable=not enabled, leave=False
    )


def download(
    url: str, part: Path, desc: str, retries: int = 4, backoff: float = 1.0, progress: bool = True
) -> None:
    """Append `url`'s bytes to `part`, resuming with a Range request after a dropped connection.

    A server that ignores Range (status 200) restarts the file from byte 0.
    """
    last_error = ""
    for attempt in range(retries + 1):
        if attempt:
            time.sleep(backoff * 2 ** (attempt - 1))
        have = part.stat().st_size if part.exists() else 0
        headers = {"User-Agent": f"reward-signal/{__version__}"}
        if have:
            headers["Range"] = f"bytes={have}-"
        try:
            with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=60) as response:
                resumed = have > 0 and response.status == 206
                length = response.headers.get("Content-Length")
                total = (int(length) + (have if resumed else 0)) if length else None
                with (
                    open(part, "ab" if resumed else "wb") as out,
                    _progress(total, have if resumed else 0, desc, progress) as bar,
                ):
                    for block in iter(lambda: response.read(CHUNK), b""):
                        out.write(block)
                        bar.update(len(block))
                if total is not None and part.stat().st_size < total:
                    raise http.client.IncompleteRead(b"", total - part.stat().st_size)
            return
        except urllib.error.HTTPError as exc:
            if exc.code == 416 and have:  # nothing left to send: the part file is already complete
                return
            if exc.code in _PERMANENT_HTTP:
                raise DataError(
                    f"{desc}: {url} answered HTTP {exc.code} {exc.reason}; check the URL or mirror"
                ) from exc
            last_error = f"HTTP {exc.code} {exc.reason}"
        except (urllib.error.URLError, http.client.HTTPException, OSError) as exc:
            last_error = str(getattr(exc, "reason", None) or exc) or type(exc).__name__
    kept = f"; {part.stat().st_size} bytes kept in {part}, re-run to resume" if part.exists() else ""
    raise DataError(
        f"{desc}: download of {url} failed after {retries + 1} attempts ({last_error}){kept}. "
        "Without internet access, copy the files to a directory and use --mirror DIR"
    )


@contextlib.contextmanager
def exclusive(lock: Path, waiting_message: str) -> Iterator[None]:
    """Hold an exclusive lock named by the file `lock`, which is removed again on exit.

    Removing a lock file is safe only if a process that opened the old file before the removal
    notices: after locking, the path must still name the locked file, else open it again.
    """
    import fcntl

    told = False
    while True:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if not told:
                    print(waiting_message, file=sys.stderr, flush=True)
                    told = True
                fcntl.flock(fd, fcntl.LOCK_EX)
            with contextlib.suppress(FileNotFoundError):
                if os.stat(lock).st_ino == os.fstat(fd).st_ino:
                    break
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)
    try:
        yield
    finally:
        lock.unlink(missing_ok=True)
        os.close(fd)


def _fetch_one(
    entry: DatasetEntry, dest: Path, mirror: str | None, retries: int, backoff: float, progress: bool
) -> str:
    target = dest / entry.path
    if is_verified(target, entry):
        return "skipped"
    ensure_writable_dir(target.parent)
    lock = target.with_name(target.name + ".lock")
    with exclusive(lock, f"{entry.name}: another process is fetching {target}; waiting for it"):
        if is_verified(target, entry):  # the other process finished it while we waited
            return "skipped"
        _fetch_into(entry, target, mirror, retries, backoff, progress)
    return "fetched"


def _fetch_into(
    entry: DatasetEntry, target: Path, mirror: str | None, retries: int, backoff: float, progress: bool
) -> None:
    """Download or copy into `<target>.part`, verify it, rename it onto `target` (caller holds the lock)."""
    part = target.with_name(target.name + ".part")
    if mirror and not mirror.startswith(("http://", "https://")):
        origin = str(Path(mirror) / entry.path)
        if not Path(origin).is_file():
            raise DataError(
                f"{entry.name}: mirror has no {origin}; the mirror must hold the manifest's relative paths"
            )
        try:
            shutil.copyfile(origin, part)
        except OSError as exc:
            part.unlink(missing_ok=True)
            raise DataError(f"{entry.name}: cannot copy {origin} to {part}: {exc.strerror}") from exc
    else:
        origin = f"{mirror.rstrip('/')}/{entry.path}" if mirror else entry.url
        download(origin, part, entry.name, retries=retries, backoff=backoff, progress=progress)
    try:
        verify(part, entry, origin)
    except DataError:
        part.unlink(missing_ok=True)
        raise
    os.replace(part, target)


def fetch(
    manifest: Manifest,
    dest: Path,
    names: list[str] | None = None,
    mirror: str | None = None,
    retries: int = 4,
    backoff: float = 1.0,
    progress: bool = True,
) -> list[FetchResult]:
    """Fetch `names` (default: all) into `dest`; every dataset is tried, then failures are raised together.

    `mirror` is a directory or an http(s) base URL holding the manifest's relative paths.
    """
    from tqdm import tqdm

    entries = [manifest.get(name) for name in names] if names else list(manifest.datasets)
    ensure_writable_dir(dest)
    results, errors = [], []
    for entry in tqdm(entries, desc="datasets", unit="file", disable=not progress or len(entries) < 2):
        try:
            action = _fetch_one(entry, dest, mirror, retries, backoff, progress)
        except DataError as exc:
            errors.append(str(exc))
            continue
        results.append(FetchResult(entry.name, dest / entry.path, action))
    if errors:
        done = f" ({len(results)} other dataset(s) are in place)" if results else ""
        raise DataError(f"{len(errors)} dataset(s) failed{done}:\n  " + "\n  ".join(errors))
    return results
