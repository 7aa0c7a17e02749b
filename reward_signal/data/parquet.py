"""VERL parquet files as lists of row dicts: one reader and one atomic writer for the whole kit.

Every command that makes a dataset goes through `write_rows`, so none can leave a half-written
file behind, and every output records how it was made in the file-level metadata.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from reward_signal.common.errors import DataError
from reward_signal.common.files import atomic_path

# Metadata keys written by Arrow/pandas themselves; not ours to report or to carry over.
_FOREIGN_METADATA = (b"ARROW:schema", b"pandas")


def _open(path: Path | str) -> pq.ParquetFile:
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    try:
        return pq.ParquetFile(path)
    except (pa.ArrowException, OSError) as exc:
        raise DataError(f"{path}: not a readable parquet file ({exc}); re-fetch or re-create it") from exc


def read_table(path: Path | str, columns: Sequence[str] | None = None) -> pa.Table:
    """The whole file (or some columns) as an Arrow table; unreadable files raise DataError naming them."""
    handle = _open(path)
    if columns is not None:
        missing = [name for name in columns if name not in handle.schema_arrow.names]
        if missing:
            raise DataError(
                f"{path}: missing column(s) {', '.join(missing)}; has {', '.join(handle.schema_arrow.names)}"
            )
    try:
        return handle.read(columns=list(columns) if columns is not None else None)
    except (pa.ArrowException, OSError) as exc:
        raise DataError(f"{path}: parquet file is damaged ({exc}); re-fetch or re-create it") from exc


def read_rows(path: Path | str, columns: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """Rows as plain dicts (lists, dicts, str, int, float, None), in file order."""
    return read_table(path, columns).to_pylist()


def row_count(path: Path | str) -> int:
    """Rows in the file, from the footer alone."""
    return _open(path).metadata.num_rows


def read_schema(path: Path | str) -> pa.Schema:
    """The file's Arrow schema without Arrow/pandas bookkeeping metadata."""
    return _open(path).schema_arrow.remove_metadata()


def read_metadata(path: Path | str) -> dict[str, Any]:
    """The file-level metadata written by `write_rows` (JSON values decoded); foreign keys are dropped."""
    raw = _open(path).schema_arrow.metadata or {}
    out: dict[str, Any] = {}
    for key, value in raw.items():
        if key in _FOREIGN_METADATA:
            continue
        text = value.decode("utf-8", errors="replace")
        try:
            out[key.decode("utf-8", errors="replace")] = json.loads(text)
        except json.JSONDecodeError:
            out[key.decode("utf-8", errors="replace")] = text
    return out


def write_rows(
    path: Path | str,
    rows: Sequence[dict[str, Any]],
    metadata: dict[str, Any] | None = None,
    schema: pa.Schema | None = None,
) -> Path:
    """Write rows atomically; `metadata` values are stored as JSON strings in the file-level metadata.

    Pass the source file's `schema` (see `read_schema`) when rows come from another file, so column
    types (int32 vs int64, map vs struct) survive the round trip exactly.
    """
    path = Path(path)
    try:
        table = pa.Table.from_pylist(
            list(rows), schema=schema.remove_metadata() if schema is not None else None
        )
    except (pa.ArrowException, TypeError, ValueError) as exc:
        raise DataError(f"cannot write {path}: rows do not fit one parquet schema ({exc})") from exc
    if metadata:
        table = table.replace_schema_metadata({key: json.dumps(value) for key, value in metadata.items()})
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp)
    return path
