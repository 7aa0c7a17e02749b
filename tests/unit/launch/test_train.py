from __future__ import annotations

from pathlib import Path

import pytest

from reward_signal.common.errors import ConfigError
from reward_signal.data.parquet import write_rows
from reward_signal.launch.train import data_file, data_problems, distinct_prompts, seed_reward_type


def row(i: int, question: str, truth: str = "2") -> dict:
    return {
        "data_source": "t",
        "prompt": [{"role": "user", "content": question}],
        "reward_model": {"ground_truth": truth, "style": "rule"},
        "extra_info": {"index": i, "split": "train"},
    }


@pytest.mark.parametrize(
    ("seed", "kit"),
    [
        ("RULE_BASED", "rule_based"),
        ("RANDOM_REWARD", "random_format_gated"),
        ("random", "random"),
        ("format", "format"),
    ],
)
def test_seed_reward_type_spellings(seed: str, kit: str) -> None:
    assert seed_reward_type(seed) == kit


def test_distinct_prompts_count_upsampled_rows_once(tmp_path: Path) -> None:
    path = write_rows(tmp_path / "t.parquet", [row(i, f"q{i % 2}") for i in range(6)])
    assert distinct_prompts([path]) == 2


def test_data_problems_name_file_and_row_and_cap_the_list(tmp_path: Path) -> None:
    good = write_rows(tmp_path / "good.parquet", [row(0, "q")])
    bad = write_rows(tmp_path / "bad.parquet", [row(i, "q", truth="") for i in range(7)])
    problems = data_problems([good, bad], limit=2)
    assert (
        problems[0]
        == f"{bad}: row 0, reward_model.ground_truth: is empty; every row needs the reference answer"
    )
    assert len(problems) == 2 and "(and 5 more; run `reward-signal data validate" in problems[1]


def test_data_file_resolution(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REWARD_SIGNAL_DATA_DIR", str(tmp_path))
    assert data_file("aime2024", must_exist=False) == tmp_path / "data/math/eval_data/aime2024.parquet"
    with pytest.raises(ConfigError, match="reward-signal data fetch --only aime2024"):
        data_file("aime2024", must_exist=True)
    with pytest.raises(ConfigError, match="unknown dataset 'aime2042'"):
        data_file("aime2042", must_exist=False)
    # a manifest name with a dot is a name, not a path with a `.5b-2048` suffix (--no-data-check)
    qwen = data_file("qwen-math-1.5b-2048", must_exist=False)
    assert qwen.parent.parent == tmp_path / "data/math/train" and qwen.suffix == ".parquet"
    assert data_file("some/file.parquet", must_exist=False) == Path("some/file.parquet").resolve()


def test_config_files_and_missing_files(tmp_path: Path) -> None:
    from reward_signal.launch.train import config_files

    config = {"data": {"train_files": "/a.parquet", "val_files": ["/b.parquet", "/c.parquet"]}}
    assert config_files(config, "train_files") == [Path("/a.parquet")]
    assert config_files(config, "val_files") == [Path("/b.parquet"), Path("/c.parquet")]
    assert data_problems([tmp_path / "absent.parquet"]) == [f"{tmp_path / 'absent.parquet'}: no such file"]


def test_a_missing_generated_file_names_the_command_that_makes_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The controls experiments read files made by `data synth`; their header says how."""
    from reward_signal.launch.experiment import experiment_path

    monkeypatch.chdir(tmp_path)
    shipped = experiment_path("controls-qwen25-math-1.5b-random-synth")
    synth = "data/controls/synth-all-350-s2026.parquet"
    with pytest.raises(ConfigError) as failure:
        data_file(synth, must_exist=True, experiment_file=shipped)
    assert str(failure.value).endswith(
        f"make it first, as {shipped} says: reward-signal data synth --kind all --difficulty 1-5 --n 350 "
        f"--seed 2026 --out {synth}"
    )
    with pytest.raises(ConfigError) as failure:  # a file no header makes: the plain error
        data_file("data/controls/other.parquet", must_exist=True, experiment_file=shipped)
    assert "make it first" not in str(failure.value)
