"""Bad `eval` inputs end with a clear message and a non-zero exit, before any model is loaded."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reward_signal.cli import main
from tests.conftest import ASSETS


@pytest.fixture
def synth(tmp_path: Path) -> str:
    from reward_signal.data.parquet import write_rows

    rows = json.loads((ASSETS / "eval" / "problems.json").read_text())["rows"]
    return str(write_rows(tmp_path / "synth-arith.parquet", rows))


def _fails(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["eval", *argv]) != 0
    return capsys.readouterr().err


def test_unknown_dataset_lists_the_known_ones(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REWARD_SIGNAL_DATA_DIR", str(tmp_path / "empty"))
    err = _fails(
        ["--model", str(tmp_path), "--datasets", "aime2024,aime2030", "--out", str(tmp_path)], capsys
    )
    assert "`reward-signal data fetch --only aime2024`" in err  # every bad dataset is reported at once
    assert "unknown dataset 'aime2030'" in err and "Known: " in err and "math500" in err


def test_missing_model_path(synth: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    err = _fails(
        ["--model", str(tmp_path / "no-model"), "--datasets", synth, "--out", str(tmp_path / "o")], capsys
    )
    assert f"--model {tmp_path / 'no-model'}: no such file or directory" in err


def test_checkpoint_without_actor_shards(
    synth: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    step = tmp_path / "checkpoints" / "global_step_4"
    (step / "actor").mkdir(parents=True)
    err = _fails(["--model", str(step), "--datasets", synth], capsys)
    assert "global_step_4: no FSDP actor shards" in err


def test_bad_flags(synth: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert "--n must be at least 1" in _fails(["--model", "x/y", "--datasets", synth, "--n", "0"], capsys)
    assert "--limit must be at least 1" in _fails(
        ["--model", "x/y", "--datasets", synth, "--limit", "0"], capsys
    )
    err = _fails(
        [
            "--model",
            str(tmp_path),
            "--datasets",
            synth,
            "--out",
            str(tmp_path / "o"),
            "--tp",
            "2",
            "--backend",
            "hf",
        ],
        capsys,
    )
    assert "neither a Hugging Face model" in err  # the model is checked before any backend is built


def test_help_shows_usage_and_examples(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["eval", "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "reward-signal eval --from-generations FILE_OR_DIR --out DIR" in out
    assert "examples:" in out and "--preset {aime-avg16,greedy,stem}" in out
