"""Sampling presets, the output-directory guard, and dataset resolution errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reward_signal.common.errors import ConfigError, DataError
from reward_signal.eval.meta import base_meta, claim_directory
from reward_signal.eval.problems import dataset_key, load_problems, parse_dataset_list, resolve_datasets
from reward_signal.eval.sampling import Sampling, build_sampling


def test_presets_and_explicit_flags() -> None:
    assert build_sampling("aime-avg16") == Sampling(n=16, temperature=0.6, top_p=0.95)
    assert build_sampling("greedy", max_tokens=64) == Sampling(n=1, temperature=0.0, top_p=1.0, max_tokens=64)
    assert build_sampling("aime-avg16", n=4, seed=7).as_dict()["n"] == 4


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n": 0}, "--n"),
        ({"top_p": 0.0}, "--top-p"),
        ({"temperature": 0.0}, "greedy"),
        ({"max_tokens": 0}, "--max-tokens"),
    ],
)
def test_bad_sampling_is_a_config_error(kwargs: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        build_sampling("aime-avg16", **kwargs)


def test_unknown_preset_lists_the_known_ones() -> None:
    with pytest.raises(ConfigError, match="aime-avg16, greedy"):
        build_sampling("avg64")


def test_problem_seeds_are_stable_and_distinct() -> None:
    s = Sampling(seed=0)
    assert s.problem_seed("aime2024", 3) == Sampling(seed=0).problem_seed("aime2024", 3)
    assert len({s.problem_seed("aime2024", i) for i in range(100)}) == 100
    assert s.problem_seed("aime2024", 3) != Sampling(seed=1).problem_seed("aime2024", 3)


def test_directory_guard_refuses_different_sampling_and_accepts_a_resume(tmp_path: Path) -> None:
    meta = base_meta(source="generate", weights="/m", sampling=Sampling().as_dict(), prompt_template="chat")
    meta["datasets"] = ["aime2024"]
    claim_directory(tmp_path, meta)
    created = json.loads((tmp_path / "meta.json").read_text())["created_at"]
    claim_directory(tmp_path, {**meta, "created_at": "later", "datasets": ["amc"]})  # same run: accepted
    kept = json.loads((tmp_path / "meta.json").read_text())
    assert kept["created_at"] == created and kept["datasets"] == ["aime2024", "amc"]
    other = {**meta, "sampling": Sampling(n=4).as_dict()}
    with pytest.raises(ConfigError, match=r"different run \(sampling: .*choose another --out"):
        claim_directory(tmp_path, other)


def test_unknown_dataset_name_lists_the_known_ones() -> None:
    with pytest.raises(DataError, match=r"unknown dataset 'aime2023'.*Known: .*aime2024"):
        resolve_datasets(["aime2023"])


def test_dataset_list_parsing() -> None:
    assert parse_dataset_list("aime2024, amc,aime2024,") == ["aime2024", "amc"]
    with pytest.raises(DataError, match="empty"):
        parse_dataset_list(" , ")
    assert dataset_key("/x/synth-arith.parquet") == "synth-arith"
    assert dataset_key("math500") == "math500"


def test_parquet_path_dataset_with_a_bad_row_names_file_and_row(tmp_path: Path) -> None:
    from reward_signal.data.parquet import write_rows

    good = {
        "data_source": "synth-arith",
        "prompt": [{"role": "user", "content": "1+1?"}],
        "reward_model": {"ground_truth": "2", "style": "rule"},
    }
    path = write_rows(tmp_path / "synth.parquet", [good, {**good, "prompt": []}])
    assert resolve_datasets([str(path)]) == {str(path): path}
    (tmp_path / "b").mkdir()
    twin = write_rows(tmp_path / "b" / "synth.parquet", [good])
    with pytest.raises(DataError, match="would both be filed as 'synth'"):
        resolve_datasets([str(path), str(twin)])
    with pytest.raises(DataError, match=r"synth.parquet: row 1: column 'prompt'"):
        load_problems(str(path), path)
    problems = load_problems(str(path), path, limit=1)
    assert problems[0].dataset == "synth" and problems[0].data_source == "synth-arith"
    assert problems[0].ground_truth == "2" and problems[0].messages == ({"role": "user", "content": "1+1?"},)
