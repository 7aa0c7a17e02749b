"""Tolerant JSONL reading: a malformed line is reported with its number and skipped, never fatal."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reward_signal.common.errors import DataError


@dataclass(frozen=True)
class BadLine:
    """A line that could not be used, with the reason shown to the user."""

    path: Path
    lineno: int
    reason: str

    def __str__(self) -> str:
        return f"{self.path}:{self.lineno}: {self.reason}"


def read_jsonl(
    path: Path | str, required: tuple[str, ...] = (), bad_lines: list[BadLine] | None = None
) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield (line number, object) for every valid line; collect or print the bad ones.

    A line is bad if it is not JSON, not an object, or lacks a `required` key. Bad lines go to
    `bad_lines` when given, else a warning on stderr, so long runs never die on one bad record.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    with open(path, encoding="utf-8", errors="replace") as handle:
        for lineno, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            reason = None
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                reason = f"not valid JSON ({exc.msg} at column {exc.colno})"
            else:
                if not isinstance(obj, dict):
                    reason = f"expected a JSON object, got {type(obj).__name__}"
                else:
                    missing = [key for key in required if key not in obj]
                    if missing:
                        reason = f"missing key(s) {', '.join(missing)}"
            if reason is None:
                yield lineno, obj
                continue
            bad = BadLine(path, lineno, reason)
            if bad_lines is not None:
                bad_lines.append(bad)
            else:
                print(f"warning: skipped {bad}", file=sys.stderr)
