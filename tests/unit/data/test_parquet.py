"""read_rows/write_rows round-trip rows, schema and metadata, and never leave partial files."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from reward_signal.common.errors import DataError
from reward_signal.data.parquet import read_metadata, read_rows, read_schema, write_rows
from tests.unit.data.conftest import leftovers, make_row


def test_round_trip_keeps_rows_schema_and_metadata(tmp_path: Path) -> None:
    rows = [make_row(i) for i in range(3)]
    schema = pa.Table.from_pylist(rows).schema
    path = write_rows(tmp_path / "a.parquet", rows, {"model": "M", "size": 3}, schema=schema)
    assert read_rows(path) == rows
    assert read_schema(path) == schema
    assert read_metadata(path) == {"model": "M", "size": 3}
    assert read_rows(path, columns=["data_source"]) == [{"data_source": "train-math-test"}] * 3


def test_unfit_rows_raise_and_leave_nothing(tmp_path: Path) -> None:
    rows = [make_row(0), {**make_row(1), "extra_info": "not a struct"}]
    with pytest.raises(DataError, match="rows do not fit one parquet schema"):
        write_rows(tmp_path / "bad.parquet", rows)
    assert leftovers(tmp_path) == []


def test_missing_column_request_names_columns(tmp_path: Path) -> None:
    path = write_rows(tmp_path / "a.parquet", [make_row(0)])
    with pytest.raises(DataError, match="missing column\\(s\\) nope"):
        read_rows(path, columns=["nope"])


@pytest.mark.parametrize("content", [b"", b"not parquet at all", b"PAR1\x00\x00PAR1"])
def test_non_parquet_is_a_clear_error(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "x.parquet"
    path.write_bytes(content)
    with pytest.raises(DataError, match=r"x\.parquet: not a readable parquet file"):
        read_rows(path)


def test_truncated_parquet_is_a_clear_error(tmp_path: Path) -> None:
    path = write_rows(tmp_path / "t.parquet", [make_row(i) for i in range(50)])
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(DataError, match=r"t\.parquet: not a readable parquet file"):
        read_rows(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="no such file"):
        read_rows(tmp_path / "none.parquet")
