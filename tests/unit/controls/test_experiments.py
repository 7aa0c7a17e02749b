"""The shipped control experiments: every file they read is a manifest dataset or is written by a
command in their header, and those commands produce files the launcher's data check accepts."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from reward_signal.cli import build_parser, main
from reward_signal.data.manifest import load_manifest
from reward_signal.data.parquet import read_rows
from reward_signal.data.validate import validate_file
from reward_signal.launch.experiment import EXPERIMENTS_DIR, load_experiment

CONTROLS = sorted(EXPERIMENTS_DIR.glob("controls-*.yaml"))
MODES = ("MODE1", "MODE2", "MODE3")


def header_commands(path: Path) -> list[list[str]]:
    """`reward-signal data ...` commands listed in the file's opening comment, as argv lists."""
    commands = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        text = line.lstrip("# ")
        if text.startswith("reward-signal data "):
            commands.append(shlex.split(text)[1:])
    return commands


def _option(argv: list[str], name: str) -> list[str]:
    """Values following `name` up to the next option."""
    if name not in argv:
        return []
    values = []
    for item in argv[argv.index(name) + 1 :]:
        if item.startswith("--"):
            break
        values.append(item)
    return values


def test_the_controls_are_shipped() -> None:
    stems = {path.stem for path in CONTROLS}
    assert {
        "controls-qwen25-math-1.5b-rlvr-clean",
        "controls-qwen25-math-1.5b-rlvr-wrong50",
        "controls-qwen25-math-1.5b-rlvr-shuffle50",
        "controls-qwen25-math-1.5b-random-synth",
    } <= stems


@pytest.mark.parametrize("path", CONTROLS, ids=lambda p: p.stem)
def test_every_data_file_is_fetched_or_generated_by_a_header_command(path: Path) -> None:
    manifest = set(load_manifest().names)
    commands = header_commands(path)
    parser = build_parser()
    for argv in commands:
        parser.parse_args(argv)  # a typo in a documented command fails here (SystemExit)
    fetched = {name for argv in commands if argv[1] == "fetch" for name in _option(argv, "--only")}
    generated = {
        out for argv in commands if argv[1] in ("synth", "corrupt-labels") for out in _option(argv, "--out")
    }
    for mode in MODES:
        exp = load_experiment(path, mode)
        for ref in [*exp.data.train, *exp.data.val]:
            assert ref in (fetched if ref in manifest else generated), (
                f"{path.name} ({mode}): nothing makes {ref}"
            )
        assert "data/controls/synth-" in " ".join(exp.data.val), "validation must include a synthetic set"
    debug, production = (load_experiment(path, mode).data for mode in ("MODE1", "MODE2"))
    assert {*debug.train, *debug.val} <= {*production.train, *production.val}
    sources = {src for argv in commands if argv[1] == "corrupt-labels" for src in _option(argv, "--source")}
    assert sources <= fetched


def test_rule_based_arms_differ_only_in_training_labels() -> None:
    arms = {
        name: load_experiment(f"controls-qwen25-math-1.5b-rlvr-{name}", "MODE2")
        for name in ("clean", "wrong50", "shuffle50")
    }
    comparable = {
        name: exp.model_dump(exclude={"name": True, "description": True, "data": {"train"}})
        for name, exp in arms.items()
    }
    assert comparable["clean"] == comparable["wrong50"] == comparable["shuffle50"]
    assert arms["wrong50"].data.train == ["data/controls/qwen-math-1.5b-2048-wrong50-s0.parquet"]
    random_arm = load_experiment("controls-qwen25-math-1.5b-random-synth", "MODE2")
    assert (random_arm.reward.type, random_arm.data.val) == ("random", arms["clean"].data.val)


def test_synth_header_commands_satisfy_the_launchers_data_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from reward_signal.launch.train import data_file

    monkeypatch.chdir(tmp_path)  # the header says: run from the repository root; paths are relative
    synth = {
        shlex.join(argv): argv for path in CONTROLS for argv in header_commands(path) if argv[1] == "synth"
    }
    assert synth
    for argv in synth.values():
        assert main(argv) == 0
        out = _option(argv, "--out")[0]
        assert validate_file(out) == []
        assert data_file(out, must_exist=True) == (tmp_path / out).resolve()


@pytest.mark.slow
@pytest.mark.integration
def test_header_commands_then_the_launchers_data_check_pass_end_to_end(
    seed_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Run every header command (on a 64-row stand-in for the fetched training subset, to keep it quick),
    then `prepare` each control with the data check on, as `reward-signal train` would."""
    import pyarrow.parquet as pq

    from reward_signal.launch.train import prepare

    data_dir = tmp_path / "data-dir"
    monkeypatch.setenv("REWARD_SIGNAL_DATA_DIR", str(data_dir))
    monkeypatch.chdir(tmp_path)
    manifest = load_manifest()
    commands = {shlex.join(argv): argv for path in CONTROLS for argv in header_commands(path)}
    for argv in commands.values():
        if argv[1] != "fetch":
            continue
        for name in _option(argv, "--only"):  # what `data fetch --mirror <seed>` would put in place
            relative = manifest.get(name).path
            (data_dir / relative).parent.mkdir(parents=True, exist_ok=True)
            table = pq.read_table(seed_data / relative)
            pq.write_table(table.slice(0, 64) if table.num_rows > 500 else table, data_dir / relative)
    for argv in commands.values():
        if argv[1] != "fetch":
            assert main(argv) == 0, shlex.join(argv)
    for path in CONTROLS:  # MODE2 reads every file MODE1 reads (see the test above)
        plan = prepare(path, "MODE2", env={}, runs_root=tmp_path / "runs")
        assert all(file.is_file() for file in [*plan.train_files, *plan.val_files])
    corrupted = read_rows(tmp_path / "data/controls/qwen-math-1.5b-2048-wrong50-s0.parquet")
    assert sum(row["extra_info"]["label_corrupted"] for row in corrupted) == 32
