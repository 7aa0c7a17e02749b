"""Swap the system prompt of a dataset's `prompt` column (or drop it), and give rows the problem text.

The seed sets carry one fixed system prompt; studying a base model without a chat template, or a
different answer-format instruction, needs the same problems with another one. Only the system
message changes: the user turn, ground truth and every other column are kept byte for byte.

The generative judges read the problem from `extra_info.question`, as the seed's reward function does.
The seed's science sets carry it (the user message's text), its math sets do not: `add_question` copies
the user message there, the same way, so the 8K set can be trained with a judge reward.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from reward_signal.common.errors import DataError

QUESTION_KEY = "question"  # what reward_signal/rewards/judge/scoring.py reads


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


def user_question(prompt: list[dict[str, Any]]) -> str | None:
    """The text of the conversation's last user message (the problem), or None without one."""
    asked = [m.get("content") for m in prompt if m.get("role") == "user"]
    return asked[-1] if asked and isinstance(asked[-1], str) and asked[-1].strip() else None


def _with_question_field(schema: Any) -> Any:
    """`schema` with a string `question` in the `extra_info` struct (added, or the struct created)."""
    import pyarrow as pa

    question = pa.field(QUESTION_KEY, pa.string())
    if "extra_info" not in schema.names:
        return schema.append(pa.field("extra_info", pa.struct([question])))
    index = schema.get_field_index("extra_info")
    kind = schema.field(index).type
    if not pa.types.is_struct(kind):
        raise DataError(f"extra_info is {kind}, not a struct: cannot add extra_info.{QUESTION_KEY}")
    if kind.get_field_index(QUESTION_KEY) >= 0:
        return schema
    return schema.set(index, pa.field("extra_info", pa.struct([*kind, question])))


def retemplate(source: Path, system_spec: str | None, out: Path, add_question: bool = False) -> int:
    """Write `out` = `source` with the new system prompt (None: keep it) and, with `add_question`,
    `extra_info.question` filled from the user message where it is missing; returns the number of rows."""
    from reward_signal.data.parquet import read_metadata, read_rows, read_schema, write_rows

    if system_spec is None and not add_question:
        raise DataError("nothing to change: give --system-prompt FILE|none, --add-question, or both")
    system = read_system_prompt(system_spec) if system_spec is not None else None
    rows = read_rows(source)
    for i, row in enumerate(rows):
        if not isinstance(row.get("prompt"), list):
            raise DataError(
                f"{source}: row {i} has no prompt list; run `reward-signal data validate {source}`"
            )
        if add_question:
            extra = dict(row.get("extra_info") or {})
            if not (isinstance(extra.get(QUESTION_KEY), str) and extra[QUESTION_KEY].strip()):
                extra[QUESTION_KEY] = user_question(row["prompt"])
                if extra[QUESTION_KEY] is None:
                    raise DataError(f"{source}: row {i} has no user message to take the question from")
            row["extra_info"] = extra
        if system_spec is not None:
            row["prompt"] = with_system_prompt(row["prompt"], system)
    metadata = {**read_metadata(source), "template_source": str(source)}
    if system_spec is not None:
        metadata["system_prompt"] = system
    if add_question:
        metadata["question_from"] = "the last user message of prompt"
    schema = read_schema(source)
    write_rows(out, rows, metadata, _with_question_field(schema) if add_question else schema)
    return len(rows)
