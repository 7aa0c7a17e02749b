"""Water-filling subsets: the rule on hand-made groups, bad inputs, and the published seed subsets."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import pytest

from reward_signal.common.errors import DataError, KitError
from reward_signal.data.parquet import read_metadata, read_rows
from reward_signal.data.subsets import build_subsets, group_by_difficulty, upsample, water_fill
from reward_signal.data.validate import validate_file
from tests.unit.data.conftest import leftovers, make_row

MODEL = "Tiny-1B"


def _rows(levels: list[float | None]) -> list[dict]:
    return [make_row(i, difficulty={MODEL: level, "Other-7B": 8.0}) for i, level in enumerate(levels)]


def _indexes(rows: list[dict]) -> list[int]:
    return [row["extra_info"]["index"] for row in rows]


# difficulty 1: rows 0,3,5,6,7 · difficulty 2: row 1 · difficulty 3: rows 2,4,8 · the rest are unusable
LEVELS = [1, 2, 3.0, 1, 3, 1, 1, 1, 3, 0, 16, math.nan, None, 2.5]


def test_only_integer_difficulties_1_to_15_are_kept() -> None:
    groups = group_by_difficulty(_rows(LEVELS), MODEL)
    assert {level: _indexes(rows) for level, rows in groups.items() if rows} == {
        1: [0, 3, 5, 6, 7],
        2: [1],
        3: [2, 4, 8],
    }


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        # round 1: floor(4/3)=1 each -> 0,1,2; round 2: floor(1/2)=0 -> one row to the lowest active level
        (4, [0, 1, 2, 3]),
        # round 1 capped by the smallest group (1 row) -> 0,1,2; round 2: floor(4/2)=2 each from levels 1 and 3
        (7, [0, 1, 2, 3, 5, 4, 8]),
        # as above, then level 3 is empty and level 1 takes the last row
        (8, [0, 1, 2, 3, 5, 4, 8, 6]),
        (9, [0, 1, 2, 3, 5, 4, 8, 6, 7]),
    ],
)
def test_water_filling_order(size: int, expected: list[int]) -> None:
    subset = water_fill(group_by_difficulty(_rows(LEVELS), MODEL), size)
    assert _indexes(subset.rows) == expected
    assert sum(subset.per_difficulty.values()) == size


def test_upsample_repeats_the_block() -> None:
    subset = water_fill(group_by_difficulty(_rows(LEVELS), MODEL), 3)
    assert _indexes(upsample(subset, 8)) == [0, 1, 2, 0, 1, 2, 0, 1]


def test_build_writes_valid_files_with_metadata(tmp_path: Path, parquet_file: Callable[..., Path]) -> None:
    source = parquet_file(_rows(LEVELS), "source.parquet")
    written = build_subsets(source, MODEL, [2, 8], tmp_path / "out", prefix="tiny", upsample_to=4)
    assert [p.name for _, paths in written for p in paths] == [
        "tiny_2.parquet",
        "tiny_2_upsample.parquet",
        "tiny_8.parquet",
    ]
    for _, paths in written:
        for path in paths:
            assert validate_file(path) == []
    meta = read_metadata(tmp_path / "out" / "tiny_2_upsample.parquet")
    assert (meta["model"], meta["size"], meta["upsampled_to"], meta["per_difficulty"]) == (
        MODEL,
        2,
        4,
        {"1": 1, "2": 1},
    )
    assert len(read_rows(tmp_path / "out" / "tiny_2_upsample.parquet")) == 4


def test_unknown_model_lists_models_present(tmp_path: Path, parquet_file: Callable[..., Path]) -> None:
    source = parquet_file(_rows(LEVELS), "source.parquet")
    with pytest.raises(DataError, match=r"no difficulty for model 'Qwen'.*models present: Other-7B, Tiny-1B"):
        build_subsets(source, "Qwen", [2], tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_size_larger_than_available_names_how_many_exist(
    tmp_path: Path, parquet_file: Callable[..., Path]
) -> None:
    source = parquet_file(_rows(LEVELS), "source.parquet")
    with pytest.raises(DataError, match=r"size\(s\) 10, 64 exceed the 9 rows .* choose sizes up to 9"):
        build_subsets(source, MODEL, [2, 10, 64], tmp_path / "out")
    assert not (tmp_path / "out").exists()  # checked before anything is written


def test_source_without_difficulty_column(tmp_path: Path, parquet_file: Callable[..., Path]) -> None:
    source = parquet_file([make_row(i) for i in range(3)], "plain.parquet")
    with pytest.raises(DataError, match="no 'difficulty' column.*math8k-difficulty"):
        build_subsets(source, MODEL, [2], tmp_path / "out")


def test_unwritable_output_directory(tmp_path: Path, parquet_file: Callable[..., Path]) -> None:
    source = parquet_file(_rows(LEVELS), "source.parquet")
    blocker = tmp_path / "blocker"
    blocker.write_text("")
    with pytest.raises(KitError, match="cannot create output directory"):
        build_subsets(source, MODEL, [2], blocker / "out")
    assert leftovers(tmp_path) == ["blocker", "source.parquet"]


SEED_8K = (
    "difficulty_estimation/datasets_with_difficulty/train_novel_hybrid_8k_with_gt_with_difficulty.parquet"
)


@pytest.mark.parametrize(
    ("model", "folder", "prefix", "sizes"),
    [
        ("Qwen2.5-Math-1.5B", "qwen-1-5b", "qwen_sky_math", [8, 16, 32, 64, 128, 512, 1024, 2048]),
        # The Llama subsets of 512+ were built from an older annotation (seed README); 8..128 follow the rule.
        ("Llama-3.2-3B-Instruct", "llama-3b", "llama_sky_math", [8, 16, 32, 64, 128]),
    ],
)
def test_reproduces_published_subsets_row_for_row(
    tmp_path: Path, seed_data: Path, model: str, folder: str, prefix: str, sizes: list[int]
) -> None:
    build_subsets(seed_data / SEED_8K, model, sizes, tmp_path, prefix=prefix, upsample_to=64)
    for size in sizes:
        name = f"{prefix}_{size}_upsample.parquet" if size < 64 else f"{prefix}_{size}.parquet"
        published = read_rows(seed_data / "data/math/train" / folder / name, columns=["extra_info"])
        ours = read_rows(tmp_path / name, columns=["extra_info"])
        assert _indexes(ours) == _indexes(published), name
    assert validate_file(tmp_path / f"{prefix}_{sizes[-1]}.parquet") == []
