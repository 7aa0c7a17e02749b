"""`fetch` against a real 127.0.0.1 server and a mirror directory: resume, verify, skip, fail cleanly."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import pytest

from reward_signal.common.errors import DataError, KitError
from reward_signal.data.fetch import fetch, sha256_of
from reward_signal.data.manifest import DEFAULT_MANIFEST, DatasetEntry, Manifest, Source, load_manifest
from reward_signal.data.parquet import write_rows
from tests.unit.data.conftest import leftovers, make_row
from tests.unit.data.http_server import serve

COMMIT = "a" * 40
REL = "data/math/tiny.parquet"


@pytest.fixture
def mirror(tmp_path: Path) -> Path:
    """A mirror directory holding one 300-row dataset at REL."""
    root = tmp_path / "mirror"
    write_rows(
        root / REL, [make_row(i, question=f"Problem number {i} asks for {i} plus one.") for i in range(300)]
    )
    return root


def tiny_manifest(mirror: Path, **changes: object) -> Manifest:
    path = mirror / REL
    fields = {
        "name": "tiny",
        "role": "train",
        "description": "test rows",
        "path": REL,
        "url": f"https://example.invalid/o/r/{COMMIT}/{REL}",
        "sha256": sha256_of(path),
        "rows": 300,
    }
    fields.update(changes)
    return Manifest(source=Source(repository="o/r", commit=COMMIT), datasets=[DatasetEntry(**fields)])


def test_mirror_directory_fetch_then_skip(tmp_path: Path, mirror: Path) -> None:
    dest = tmp_path / "dest"
    manifest = tiny_manifest(mirror)
    [result] = fetch(manifest, dest, mirror=str(mirror), progress=False)
    assert (result.action, result.path) == ("fetched", dest / REL)
    assert sha256_of(dest / REL) == manifest.datasets[0].sha256
    assert [r.action for r in fetch(manifest, dest, mirror=str(mirror), progress=False)] == ["skipped"]
    assert leftovers(dest) == [REL]


def test_http_download_resumes_after_dropped_connection(tmp_path: Path, mirror: Path) -> None:
    dest = tmp_path / "dest"
    with serve(mirror, cut_after=4096) as server:
        fetch(tiny_manifest(mirror), dest, mirror=server.url, backoff=0, progress=False)
    assert server.requests == [(f"/{REL}", None), (f"/{REL}", "bytes=4096-")]
    assert sha256_of(dest / REL) == sha256_of(mirror / REL)
    assert leftovers(dest) == [REL]


def test_existing_part_file_is_resumed(tmp_path: Path, mirror: Path) -> None:
    dest = tmp_path / "dest"
    (dest / REL).parent.mkdir(parents=True)
    (dest / (REL + ".part")).write_bytes((mirror / REL).read_bytes()[:1000])
    with serve(mirror) as server:
        fetch(tiny_manifest(mirror), dest, mirror=server.url, progress=False)
    assert server.requests == [(f"/{REL}", "bytes=1000-")]
    assert leftovers(dest) == [REL]


def test_server_ignoring_range_restarts_the_file(tmp_path: Path, mirror: Path) -> None:
    dest = tmp_path / "dest"
    (dest / REL).parent.mkdir(parents=True)
    (dest / (REL + ".part")).write_bytes(b"garbage from an older download")
    with serve(mirror, honour_range=False) as server:
        fetch(tiny_manifest(mirror), dest, mirror=server.url, progress=False)
    assert sha256_of(dest / REL) == sha256_of(mirror / REL)


def test_checksum_mismatch_names_file_and_hashes_and_leaves_nothing(tmp_path: Path, mirror: Path) -> None:
    dest = tmp_path / "dest"
    wrong = hashlib.sha256(b"other").hexdigest()
    with pytest.raises(DataError) as info:
        fetch(tiny_manifest(mirror, sha256=wrong), dest, mirror=str(mirror), progress=False)
    message = str(info.value)
    assert "tiny: checksum mismatch for" in message and str(mirror / REL) in message
    assert f"expected sha256 {wrong}, got {sha256_of(mirror / REL)}" in message
    assert leftovers(dest) == []


def test_row_count_mismatch_leaves_nothing(tmp_path: Path, mirror: Path) -> None:
    dest = tmp_path / "dest"
    with pytest.raises(DataError, match="has 300 rows, the manifest expects 301"):
        fetch(tiny_manifest(mirror, rows=301), dest, mirror=str(mirror), progress=False)
    assert leftovers(dest) == []


def test_http_404_fails_at_once_naming_the_url(tmp_path: Path, mirror: Path) -> None:
    dest = tmp_path / "dest"
    with serve(tmp_path / "empty-dir") as server, pytest.raises(DataError, match=r"HTTP 404.*check the URL"):
        fetch(tiny_manifest(mirror), dest, mirror=server.url, backoff=0, progress=False)
    assert len(server.requests) == 1
    assert leftovers(dest) == []


def test_retries_exhausted_keeps_only_the_resume_file(tmp_path: Path, mirror: Path) -> None:
    dest = tmp_path / "dest"
    with serve(mirror, cut_after=100, cuts=10) as server, pytest.raises(DataError) as info:
        fetch(tiny_manifest(mirror), dest, mirror=server.url, retries=2, backoff=0, progress=False)
    assert "failed after 3 attempts" in str(info.value) and "re-run to resume" in str(info.value)
    assert [r for _, r in server.requests] == [None, "bytes=100-", "bytes=200-"]
    assert leftovers(dest) == [REL + ".part"]  # never the target itself


def test_mirror_without_the_file(tmp_path: Path, mirror: Path) -> None:
    with pytest.raises(DataError, match="mirror has no .* relative paths"):
        fetch(tiny_manifest(mirror), tmp_path / "dest", mirror=str(tmp_path), progress=False)


def test_unwritable_destination(tmp_path: Path, mirror: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with pytest.raises(KitError, match="cannot create output directory"):
        fetch(tiny_manifest(mirror), blocker / "dest", mirror=str(mirror), progress=False)


def test_unknown_name_lists_known_ones(tmp_path: Path, mirror: Path) -> None:
    with pytest.raises(DataError, match="unknown dataset 'tinny'. Did you mean: tiny"):
        fetch(tiny_manifest(mirror), tmp_path, names=["tinny"], mirror=str(mirror), progress=False)


def test_every_seed_dataset_fetches_and_verifies_from_the_shared_mirror(
    tmp_path: Path, seed_data: Path
) -> None:
    manifest = load_manifest(DEFAULT_MANIFEST)
    results = fetch(manifest, tmp_path, mirror=str(seed_data), progress=False)
    assert sorted(r.name for r in results if r.action == "fetched") == sorted(manifest.names)
    assert sorted(leftovers(tmp_path)) == sorted(e.path for e in manifest.datasets)


FETCH_WHEN_TOLD = """
import sys, time
from pathlib import Path
from reward_signal.data.fetch import fetch
from reward_signal.data.manifest import load_manifest

manifest_file, dest, url, go = sys.argv[1:]
while not Path(go).exists():  # start together, so the downloads overlap
    time.sleep(0.01)
[result] = fetch(load_manifest(Path(manifest_file)), Path(dest), mirror=url, backoff=0, progress=False)
print(result.action)
"""


def test_concurrent_processes_sharing_a_cache_fetch_once_and_all_verify(tmp_path: Path, mirror: Path) -> None:
    """Sweep Jobs on one fresh cache: one process downloads, the others wait and skip; none corrupts it."""
    import json
    import subprocess
    import sys

    manifest = tiny_manifest(mirror)
    manifest_file = tmp_path / "manifest.json"
    manifest_file.write_text(json.dumps(manifest.model_dump(mode="json")))
    dest, go = tmp_path / "dest", tmp_path / "go"
    size_kib = (mirror / REL).stat().st_size / 1024
    with serve(mirror, seconds_per_kib=1.5 / size_kib) as server:  # each download takes about 1.5 s
        workers = [
            subprocess.Popen(
                [sys.executable, "-c", FETCH_WHEN_TOLD, str(manifest_file), str(dest), server.url, str(go)],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(4)
        ]
        time.sleep(3)  # let every interpreter import and reach the barrier
        go.touch()
        outcomes = [worker.communicate(timeout=60) for worker in workers]
    assert [worker.returncode for worker in workers] == [0] * 4, [err for _, err in outcomes]
    assert sorted(out.strip() for out, _ in outcomes) == ["fetched", "skipped", "skipped", "skipped"]
    assert len(server.requests) == 1
    assert sum("another process is fetching" in err for _, err in outcomes) == 3
    assert sha256_of(dest / REL) == manifest.datasets[0].sha256
    assert leftovers(dest) == [REL]
