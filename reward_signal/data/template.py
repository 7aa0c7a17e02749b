"""Swap the system prompt of a dataset's `prompt` column, or drop it for base models.

The seed sets carry one fixed system prompt; studying a base model without a chat template, or a
different answer-format instruction, needs the same problems with another one. Only the system
message changes: the user turn, ground truth and every other column are kept byte for byte.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from reward_signal.common.errors import DataError


def read_system_prompt(spec: str) -> str | None:
    """`none` (no system message) or the text of a file, stripped of surrounding whitespace."""
    if spec.lower() == "none":
        return None
    path = Path(spec)
    if not path.is_file():
        raise DataError(
            f"--system-prompt {spec}: no such file (give a text file, or `none` for no system prompt)"
        )
    text = path.read_text(encoding="utf-8").strip()
    if not text:
        raise DataError(f"--system-prompt {spec}: file is empty; use `none` to drop the system prompt")
    return text


def with_system_prompt(prompt: list[dict[str, Any]], system: str | None) -> list[dict[str, Any]]:
    """The conversation without its system message(s), led by `system` when given."""
    turns = [dict(message) for message in prompt if message.get("role") != "system"]
    if system is None:
        return turns
    return [{"role": "system", "content": system}, *turns]


def retemplate(source: Path, system_spec: str, out: Path) -> int:
    """Write `out` = `source` with the new system prompt; returns the number of rows."""
    from reward_signal.data.parquet import read_metadata, read_rows, read_schema, write_rows

    system = read_system_prompt(system_spec)
    rows = read_rows(source)
    for i, row in enumerate(rows):
        if not isinstance(row.get("prompt"), list):
            raise DataError(
                f"{source}: row {i} has no prompt list; run `reward-signal data validate {source}`"
            )
        row["prompt"] = with_system_prompt(row["prompt"], system)
    metadata = {**read_metadata(source), "system_prompt": system, "template_source": str(source)}
    write_rows(out, rows, metadata, read_schema(source))
    return len(rows)
