"""Corrupted-label training sets: replace the ground truth of a fraction of rows with a wrong answer.

Label noise (the reference answer is wrong, consistently, for a prompt) is a different perturbation
from reward noise (the score is flipped at random per sample); a kit studying reward quality needs
both. Every replacement is checked with the kit's own rule-based grader, so a "corrupted" label never
still verifies as the original answer. The original is kept in `extra_info.label_original` and
`extra_info.label_corrupted` marks the row, so reports can split accuracy by clean and corrupted rows.
"""

from __future__ import annotations

import itertools
import json
import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa

from reward_signal.common.errors import EXIT_USAGE, DataError, KitError
from reward_signal.common.ground_truth import ground_truth_answers, is_answer_list
from reward_signal.data.parquet import read_metadata, read_rows, read_schema, write_rows

MODES = ("wrong", "shuffle")
FLAG_FIELD, ORIGINAL_FIELD = "label_corrupted", "label_original"
# Proposals per row before the row is given up (its place goes to the next row in the seeded order).
MAX_ATTEMPTS = 5
# A check that takes longer (towers of exponents) counts as unverified: each retry round waits this long at most.
GRADE_TIMEOUT = 3.0

_NUMBER_RE = re.compile(r"\d+(?:\.\d+)?")
_CHOICE_NOISE_RE = re.compile(r"\\text(?:bf|rm)?|\\mathrm|\\mathbf|[{}()\s$]")
_CHOICES = "ABCDE"


@dataclass(frozen=True)
class CorruptionReport:
    """What `corrupt_labels` did: which rows changed, and which rows it could not corrupt."""

    corrupted: tuple[int, ...]
    given_up: tuple[int, ...]


def check_arguments(fraction: float, mode: str) -> None:
    """Reject a fraction outside 0..1 or an unknown mode with a message naming the valid values."""
    if not 0.0 <= fraction <= 1.0:
        raise KitError(
            f"--fraction must be between 0 and 1 (share of rows to corrupt); got {fraction}",
            exit_code=EXIT_USAGE,
        )
    if mode not in MODES:
        raise KitError(f"unknown --mode {mode!r}; known modes: {', '.join(MODES)}", exit_code=EXIT_USAGE)


# --- proposing a wrong answer -----------------------------------------------------------------------


def _perturb_number(token: str, rng: random.Random) -> str:
    """A nearby different non-negative number with the same decimal places (never turning into 0)."""
    whole, _, decimals = token.partition(".")
    value = int(whole + decimals)
    spread = max(2, value // 5)
    delta = rng.choice((-1, 1)) * (1 if rng.random() < 0.5 else rng.randint(2, spread))
    new = value + delta if value + delta > 0 else value + abs(delta)
    text = str(new).rjust(len(decimals) + 1, "0")
    return f"{text[: -len(decimals)]}.{text[-len(decimals) :]}" if decimals else text


def perturb_answer(answer: str, rng: random.Random) -> str:
    """A plausible wrong answer: one number nudged, another multiple-choice letter, or `... + 1`."""
    numbers = list(_NUMBER_RE.finditer(answer))
    if numbers:
        match = rng.choice(numbers)
        return answer[: match.start()] + _perturb_number(match.group(), rng) + answer[match.end() :]
    letter = _CHOICE_NOISE_RE.sub("", answer)
    if len(letter) == 1 and letter in _CHOICES:
        position = answer.rindex(letter)
        other = rng.choice([choice for choice in _CHOICES if choice != letter])
        return answer[:position] + other + answer[position + 1 :]
    return f"{answer.strip()} + 1"


def _encode_like(source_truth: str, answer: str) -> str:
    """`answer` in the source's format: a JSON list string for training sets, plain LaTeX for eval sets."""
    if is_answer_list(source_truth):
        return json.dumps([answer], ensure_ascii=False)
    return answer


def _wrong_proposer(truths: Sequence[str], seed: int) -> Callable[[int, int], str | None]:
    def propose(row: int, attempt: int) -> str | None:
        rng = random.Random(f"{seed}:wrong:{row}:{attempt}")
        answers = ground_truth_answers(truths[row])
        return _encode_like(truths[row], perturb_answer(rng.choice(answers), rng))

    return propose


def _shuffle_proposer(truths: Sequence[str], seed: int) -> Callable[[int, int], str | None]:
    def propose(row: int, attempt: int) -> str | None:
        if len(truths) < 2:
            return None
        rng = random.Random(f"{seed}:shuffle:{row}:{attempt}")
        donor = rng.randrange(len(truths) - 1)
        donor += donor >= row  # any row but this one
        return truths[donor] if truths[donor].strip() != truths[row].strip() else None

    return propose


# --- verifying it is wrong --------------------------------------------------------------------------


def _boxed(answer: str) -> str:
    return "\\boxed{" + answer + "}"


def verified_different(
    originals: Sequence[str], candidates: Sequence[str], progress: bool = False
) -> list[bool]:
    """True where the grader rejects the candidate for the original AND every original answer for the candidate.

    A timed-out check counts as not verified, so the caller proposes something else.
    """
    from reward_signal.rewards import grade_many

    solutions: list[str] = []
    truths: list[str] = []
    owners: list[int] = []
    for i, (original, candidate) in enumerate(zip(originals, candidates, strict=True)):
        for answer in ground_truth_answers(candidate):
            solutions.append(_boxed(answer))
            truths.append(original)
            owners.append(i)
        for answer in ground_truth_answers(original):
            solutions.append(_boxed(answer))
            truths.append(candidate)
            owners.append(i)
    ok = [True] * len(originals)
    for owner, grade in zip(
        owners, grade_many(solutions, truths, timeout=GRADE_TIMEOUT, progress=progress), strict=True
    ):
        if grade.correct or grade.timed_out:
            ok[owner] = False
    return ok


def choose_corruptions(
    truths: Sequence[str], fraction: float, mode: str, seed: int, progress: bool = False
) -> tuple[dict[int, str], CorruptionReport]:
    """New ground truths for round(fraction * rows) rows, each verified different from the original.

    Rows are taken in a seeded random order; a row that gets no verified proposal in MAX_ATTEMPTS
    tries is given up and the next row in that order takes its place, so the count is exact
    whenever enough rows can be corrupted. Proposals depend only on (seed, row, attempt).
    """
    check_arguments(fraction, mode)
    target = int(fraction * len(truths) + 0.5)  # half rounds up
    order = random.Random(f"{seed}:order").sample(range(len(truths)), len(truths))
    propose = (_wrong_proposer if mode == "wrong" else _shuffle_proposer)(truths, seed)
    chosen: dict[int, str] = {}
    given_up: list[int] = []
    attempts: dict[int, int] = {}
    queue = iter(order)
    active = list(itertools.islice(queue, target))
    while active:
        proposals = {row: propose(row, attempts.get(row, 0)) for row in active}
        checked = {row: candidate for row, candidate in proposals.items() if candidate is not None}
        verdicts = (
            verified_different([truths[r] for r in checked], list(checked.values()), progress)
            if checked
            else []
        )
        passed = {row for row, ok in zip(checked, verdicts, strict=True) if ok}
        next_active = []
        for row in active:
            if row in passed:
                chosen[row] = checked[row]
                continue
            attempts[row] = attempts.get(row, 0) + 1
            if attempts[row] < MAX_ATTEMPTS:
                next_active.append(row)
                continue
            given_up.append(row)
            replacement = next(queue, None)
            if replacement is not None:
                next_active.append(replacement)
        active = next_active
    return chosen, CorruptionReport(tuple(sorted(chosen)), tuple(sorted(given_up)))


# --- rows and files ---------------------------------------------------------------------------------


def labelled_schema(schema: pa.Schema) -> pa.Schema:
    """The source schema with `label_corrupted` and `label_original` added to the `extra_info` struct."""
    added = [pa.field(FLAG_FIELD, pa.bool_()), pa.field(ORIGINAL_FIELD, pa.string())]
    index = schema.get_field_index("extra_info")
    if index < 0:
        return schema.append(pa.field("extra_info", pa.struct(added)))
    field = schema.field(index)
    if not pa.types.is_struct(field.type):
        raise DataError(f"extra_info has type {field.type}, expected a struct; validate the source first")
    names = {child.name for child in field.type}
    if FLAG_FIELD in names or ORIGINAL_FIELD in names:
        raise DataError(
            "source rows already carry label_corrupted/label_original: corrupt the clean source instead"
        )
    return schema.set(index, field.with_type(pa.struct([*field.type, *added])))


def corrupt_rows(rows: Sequence[dict[str, Any]], replacements: dict[int, str]) -> list[dict[str, Any]]:
    """Copies of `rows` with the new ground truths applied and every row's label flag and original recorded."""
    out = []
    for i, row in enumerate(rows):
        truth = row["reward_model"]["ground_truth"]
        extra = dict(row.get("extra_info") or {})
        extra[FLAG_FIELD] = i in replacements
        extra[ORIGINAL_FIELD] = truth
        out.append(
            {
                **row,
                "reward_model": {**row["reward_model"], "ground_truth": replacements.get(i, truth)},
                "extra_info": extra,
            }
        )
    return out


def corrupt_file(
    source: Path, out: Path, fraction: float, mode: str, seed: int, progress: bool = False
) -> CorruptionReport:
    """Write `out`: `source` with a fraction of labels corrupted. Fraction 0 writes the rows unchanged."""
    check_arguments(fraction, mode)
    rows = read_rows(source)
    schema = read_schema(source)
    try:
        truths = [row["reward_model"]["ground_truth"] for row in rows]
    except (KeyError, TypeError) as exc:
        raise DataError(
            f"{source}: every row needs reward_model.ground_truth; run `reward-signal data validate`"
        ) from exc
    metadata = read_metadata(source)
    if fraction == 0:
        report = CorruptionReport((), ())
        out_rows = rows
    else:
        schema = labelled_schema(schema)  # refuses an already-corrupted source before any grading
        replacements, report = choose_corruptions(truths, fraction, mode, seed, progress)
        out_rows = corrupt_rows(rows, replacements)
    metadata["label_corruption"] = {
        "source": str(source),
        "fraction": fraction,
        "mode": mode,
        "seed": seed,
        "corrupted_rows": len(report.corrupted),
        "given_up_rows": list(report.given_up),
    }
    write_rows(out, out_rows, metadata=metadata, schema=schema)
    return report
