"""The manifest parses strictly, pins every URL to the seed commit, and resolves names to fetched files."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from reward_signal.common.errors import DataError
from reward_signal.data.manifest import DEFAULT_MANIFEST, dataset_path, load_manifest

SEED_COMMIT = "f3e0a8cfe68e669b78e3dcb0b1d774676ac9a472"
CONTRACT_NAMES = {
    "math8k", "math8k-difficulty", "aime2024", "aime2025", "math500", "amc",
    "scp-test-difficult-1", "scp-test-medium-2-8", "scp-test-very-difficult-0",
    *(f"qwen-math-1.5b-{n}" for n in (64, 128, 512, 1024, 2048)),
    *(f"qwen-math-1.5b-{n}-upsample" for n in (8, 16, 32)),
    *(f"llama-3b-{n}" for n in (64, 128, 512, 1024, 2048)),
    *(f"llama-3b-{n}-upsample" for n in (8, 16, 32)),
    *(f"{m}-scp-{n}" for m in ("llama-3b", "qwen-3b") for n in (64, 128, 512, 1024, 2048)),
    *(f"{m}-scp-{n}-upsample" for m in ("llama-3b", "qwen-3b") for n in (8, 16, 32)),
    "scp-eval-aime2024", "scp-eval-math500", "scp-eval-test-difficult-1", "scp-eval-test-medium-2-8",
    "scp-eval-test-very-difficult-0", "gpqa-diamond", "mmlu-sci-college", "mmlu-sci-high-school",
    "supergpqa-in-domain", "supergpqa-out-domain",
}  # fmt: skip


def test_shipped_manifest_names_every_dataset() -> None:
    manifest = load_manifest(DEFAULT_MANIFEST)
    assert manifest.source.commit == SEED_COMMIT
    assert set(manifest.names) == CONTRACT_NAMES
    assert manifest.get("math8k").path == "data/old/train_novel_hybrid_8k_with_gt.parquet"
    assert {e.role for e in manifest.datasets if e.name in {"aime2024", "aime2025", "math500", "amc"}} == {
        "eval"
    }


def test_every_science_file_of_the_seed_has_an_entry(seed_data: Path) -> None:
    """All 26 files under data/scp/ (the SCP training subsets and the 10 validation sets) are pinned."""
    on_disk = {str(p.relative_to(seed_data)) for p in (seed_data / "data" / "scp").rglob("*.parquet")}
    pinned = {e.path for e in load_manifest(DEFAULT_MANIFEST).datasets if e.path.startswith("data/scp/")}
    assert len(on_disk) == 26
    assert pinned == on_disk


def test_manifest_matches_seed_files(seed_data: Path) -> None:
    """Rows and hashes in the manifest are those in the seed README (the files themselves are checked by fetch)."""
    readme = (seed_data / "README.md").read_text()
    for entry in load_manifest(DEFAULT_MANIFEST).datasets:
        assert f"| {entry.path} | {entry.rows} | {entry.sha256} |" in readme, entry.name


def _write_manifest(tmp_path: Path, mutate) -> Path:  # type: ignore[no-untyped-def]
    raw = yaml.safe_load(DEFAULT_MANIFEST.read_text())
    mutate(raw)
    path = tmp_path / "manifest.yaml"
    path.write_text(yaml.safe_dump(raw))
    return path


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda m: m["datasets"][0].update(colour="red"), "Extra inputs are not permitted"),
        (lambda m: m["datasets"][1].update(name=m["datasets"][0]["name"]), "duplicate dataset name"),
        (lambda m: m["datasets"][0].update(sha256="abc"), "sha256"),
        (lambda m: m["datasets"][0].update(path="../etc/x.parquet"), "relative .parquet path"),
        (lambda m: m["source"].update(commit="0" * 40), "must be pinned to commit"),
    ],
)
def test_bad_manifest_is_rejected(tmp_path: Path, mutate, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(DataError, match=message):
        load_manifest(_write_manifest(tmp_path, mutate))


def test_dataset_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REWARD_SIGNAL_DATA_DIR", str(tmp_path))
    with pytest.raises(DataError, match="run `reward-signal data fetch --only aime2024`"):
        dataset_path("aime2024")
    fetched = tmp_path / load_manifest().get("aime2024").path
    fetched.parent.mkdir(parents=True)
    fetched.write_bytes(b"x")
    assert dataset_path("aime2024") == fetched
    assert dataset_path(str(fetched)) == fetched
    with pytest.raises(DataError, match="Did you mean: aime2024"):
        dataset_path("aime204")
    with pytest.raises(DataError, match="no such file"):
        dataset_path("somewhere/else.parquet")
