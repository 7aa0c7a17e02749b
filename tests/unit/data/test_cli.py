"""The `reward-signal data ...` commands end to end: exit codes, one-line errors, outputs."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from reward_signal.cli import main
from reward_signal.data.fetch import sha256_of
from reward_signal.data.parquet import read_rows, write_rows
from tests.unit.data.conftest import leftovers, make_row

DATA_COMMANDS = ("fetch", "validate", "subsets", "contamination", "template")


def data(command: str) -> int:
    """Run `reward-signal data COMMAND` in-process (paths here contain no spaces)."""
    return main(["data", *command.split()])


@pytest.fixture(autouse=True)
def _isolated_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    data = tmp_path / "data-dir"
    monkeypatch.setenv("REWARD_SIGNAL_DATA_DIR", str(data))
    monkeypatch.delenv("REWARD_SIGNAL_DATA_MIRROR", raising=False)
    return data


@pytest.mark.parametrize("command", DATA_COMMANDS)
def test_each_command_has_usage_and_examples(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["data", command, "--help"])
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    assert f"usage: reward-signal data {command}" in text and "examples:" in text


def test_fetch_uses_the_mirror_env_var(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    mirror = tmp_path / "mirror"
    rel = "data/x/tiny.parquet"
    path = mirror / rel
    path.parent.mkdir(parents=True)
    write_rows(path, [make_row(0), make_row(1)])
    commit = "b" * 40
    manifest = {
        "source": {"repository": "o/r", "commit": commit},
        "datasets": [
            {
                "name": "tiny",
                "role": "eval",
                "description": "two rows",
                "path": rel,
                "url": f"https://example.invalid/{commit}/{rel}",
                "sha256": sha256_of(path),
                "rows": 2,
            }
        ],
    }
    (tmp_path / "manifest.yaml").write_text(yaml.safe_dump(manifest))
    monkeypatch.setenv("REWARD_SIGNAL_MANIFEST", str(tmp_path / "manifest.yaml"))
    monkeypatch.setenv("REWARD_SIGNAL_DATA_MIRROR", str(mirror))
    assert data("fetch") == 0
    assert "fetched  tiny" in capsys.readouterr().out
    assert data("fetch --only tiny") == 0
    assert "0 fetched, 1 already verified" in capsys.readouterr().out
    assert data("validate tiny") == 0


def test_validate_reports_rows_and_fails(
    parquet_file: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [make_row(i) for i in range(3)]
    rows[2]["reward_model"]["ground_truth"] = ""
    bad = parquet_file(rows, "bad.parquet")
    good = parquet_file([make_row(0)], "good.parquet")
    assert data(f"validate {good} {bad}") == 1
    out = capsys.readouterr().out
    assert f"{good}: OK" in out
    assert f"{bad}: row 2, reward_model.ground_truth: is empty" in out


@pytest.mark.parametrize("damage", ["text", "truncated"])
def test_validate_corrupt_file_is_one_line(
    tmp_path: Path, damage: str, capsys: pytest.CaptureFixture[str]
) -> None:
    junk = write_rows(tmp_path / "junk.parquet", [make_row(i) for i in range(20)])
    junk.write_bytes(b"hello" if damage == "text" else junk.read_bytes()[:-100])
    assert data(f"validate {junk}") == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"error: {junk}: not a readable parquet file") and "\n" not in err
    assert "Traceback" not in err


def test_subsets_unknown_model_exits_with_error(
    tmp_path: Path, parquet_file: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    source = parquet_file([make_row(i, difficulty={"M-1B": 3}) for i in range(4)], "src.parquet")
    out = tmp_path / "o"
    assert data(f"subsets --source {source} --model X --sizes 2 --out {out}") == 1
    assert "models present: M-1B" in capsys.readouterr().err
    assert data(f"subsets --source {source} --model M-1B --sizes 2,4 --out {out}") == 0
    printed = capsys.readouterr().out
    assert "   2     0    0    2" in printed and "wrote" in printed


def test_contamination_unwritable_report_fails_before_work(
    tmp_path: Path, parquet_file: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    train = parquet_file([make_row(i) for i in range(3)], "train.parquet")
    blocker = tmp_path / "blocker"
    blocker.write_text("")
    report, clean = blocker / "r.json", tmp_path / "clean.parquet"
    assert data(f"contamination --train {train} --eval {train} --report {report} --drop {clean}") == 1
    assert "cannot create output directory" in capsys.readouterr().err
    assert leftovers(tmp_path) == ["blocker", "train.parquet"]


def test_seed_files_through_the_mirror(
    tmp_path: Path, seed_data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every command on the real seed files, fetched into a fresh data dir with --mirror and used by name."""
    names = "math8k math8k-difficulty aime2024 aime2025 math500 amc"
    assert data(f"fetch --mirror {seed_data} --only {names}") == 0
    assert data(f"validate {names}") == 0
    report, clean = tmp_path / "contamination.json", tmp_path / "math8k.clean.parquet"
    evals = "aime2024 aime2025 math500 amc"
    assert data(f"contamination --train math8k --eval {evals} --report {report} --drop {clean}") == 0
    summary = json.loads(report.read_text())
    assert sorted(summary["eval"]) == sorted(evals.split()) and summary["contaminated_train_rows"] == 1
    assert len(read_rows(clean, columns=["data_source"])) == 7999
    subsets, base = tmp_path / "subsets", tmp_path / "aime2024-base.parquet"
    assert (
        data(f"subsets --source math8k-difficulty --model Qwen2.5-Math-1.5B --sizes 64 --out {subsets}") == 0
    )
    assert data(f"template --source aime2024 --system-prompt none --out {base}") == 0
    assert f"wrote {base} (30 rows)" in capsys.readouterr().out
    assert data(f"validate {clean} {subsets / 'qwen2.5-math-1.5b_64.parquet'} {base}") == 0


def _science_names() -> list[str]:
    from reward_signal.data.manifest import DEFAULT_MANIFEST, load_manifest

    return [e.name for e in load_manifest(DEFAULT_MANIFEST).datasets if e.path.startswith("data/scp/")]


def test_fetch_verifies_every_science_file_from_the_mirror(
    seed_data: Path, _isolated_data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    names = _science_names()
    assert len(names) == 26
    assert data(f"fetch --mirror {seed_data} --only {' '.join(names)}") == 0
    assert "26 fetched, 0 already verified" in capsys.readouterr().out
    assert data("validate gpqa-diamond llama-3b-scp-64 qwen-3b-scp-64") == 0


@pytest.mark.parametrize(
    ("name", "damage"),
    [("llama-3b-scp-128", lambda b: b[:-500]), ("supergpqa-in-domain", lambda b: b[:200] + b"X" + b[201:])],
    ids=["truncated", "altered"],
)
def test_damaged_science_file_is_refused_in_one_line(
    tmp_path: Path,
    seed_data: Path,
    _isolated_data_dir: Path,
    name: str,
    damage: Callable[[bytes], bytes],
    capsys: pytest.CaptureFixture[str],
) -> None:
    from reward_signal.data.manifest import DEFAULT_MANIFEST, load_manifest

    entry = load_manifest(DEFAULT_MANIFEST).get(name)
    mirror = tmp_path / "bad-mirror"
    (mirror / entry.path).parent.mkdir(parents=True)
    (mirror / entry.path).write_bytes(damage((seed_data / entry.path).read_bytes()))
    assert data(f"fetch --mirror {mirror} --only {name}") == 1
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 2 and lines[0] == "error: 1 dataset(s) failed:"
    assert lines[1].strip().startswith(f"{name}: checksum mismatch for ") and entry.sha256 in lines[1]
    assert not _isolated_data_dir.exists() or leftovers(_isolated_data_dir) == []


@pytest.mark.parametrize("source", ["scp_10240", "rows"])
def test_subsets_of_the_unpublished_science_source_say_why(
    tmp_path: Path, parquet_file: Callable[..., Path], source: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Asked by name, or given one of the published SCP subsets (data_source scp_10240), it refuses clearly."""
    rows = [make_row(i, difficulty={"M-1B": 3}) | {"data_source": "scp_10240"} for i in range(4)]
    path = parquet_file(rows, "scp.parquet") if source == "rows" else source
    assert data(f"subsets --source {path} --model M-1B --sizes 2 --out {tmp_path / 'o'}") == 1
    err = capsys.readouterr().err.strip()
    assert "did not publish" in err and "data fetch" in err and "\n" not in err
    assert not (tmp_path / "o").exists()
