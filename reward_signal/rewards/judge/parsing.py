r"""Readers of a judge's reply and the seed's "novel" format gate: pure string functions, no I/O.

Every rule is the seed reward file's (script/novel_math_gen_rm_reward_function.py at efd30c0), including
its quirks, because the study compares against runs paid exactly this way:
- the verdict patterns are tried in order and the first that matches anywhere decides (Yes 1, No 0),
  so a reply quoting the question "Is the answer correct (Yes/No)? No" early is read as that;
- "nothing found" pays 0, the same as "No";
- THINK_PRM reads everything after the *first* `final_verification>` (the seed's `re.search` with a
  lazy `(.*?)$` under DOTALL runs to the end of the text), so an opening tag's closing twin is included.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_YES_NO = r"(Yes|No)"
VERDICT_PATTERNS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        r"\*\*Verification:\s*Is the answer correct.*?\?\s*" + _YES_NO + r"\*\*",
        r"Verification:\s*Is the answer correct.*?\?\s*" + _YES_NO,
        r"Is the answer correct.*?\?\s*" + _YES_NO,
        r"\?\s*" + _YES_NO + r"\s*\*\*\s*$",
        r"\?\s*" + _YES_NO + r"\s*$",
    )
)
STEP_PATTERN = re.compile(r"Step\s+\d+:\s*(Correct|Incorrect)", re.IGNORECASE)
COT_STEP_PATTERN = re.compile(r"\*\*This step is (correct|incorrect)\.\*\*", re.IGNORECASE)
_THINK_TAIL = re.compile(r"final_verification>\s*(.*?)$", re.IGNORECASE | re.DOTALL)
_THINK_BOXED = (
    re.compile(r"\\\\boxed\{([^}]*)\}"),
    re.compile(r"\\boxed\{([^}]*)\}"),
    re.compile(r"boxed\{([^}]*)\}"),
)
_WHOLE_WORD_CORRECT = re.compile(r"\bcorrect\b")
_SEED_BOXED = (re.compile(r"\\\\boxed\{.*?\}"), re.compile(r"\\boxed\{.*?\}"))
_ANSWER_BLOCK = re.compile(r"<answer>.*?</answer>", re.DOTALL)
_TEXT_AFTER_ANSWER = re.compile(r"</answer>\s*\S")
_UP_TO_ANSWER = re.compile(r"(.*</answer>)", re.DOTALL)


@dataclass(frozen=True)
class Reading:
    """What a judge reply says: the reward it pays under one reading rule, and the parts behind it.

    `verdict` is the outcome verdict (1/0; None when no pattern matched), `step_avg` the fraction of
    steps judged correct (None without step lines), `steps` the per-step labels (1 correct, 0 incorrect).
    """

    score: float
    verdict: float | None
    step_avg: float | None
    steps: tuple[float, ...] = ()


def outcome_verdict(reply: str) -> float | None:
    """The PRM outcome: Yes 1.0 / No 0.0 from the first matching verdict pattern, None if none matches."""
    for pattern in VERDICT_PATTERNS:
        match = pattern.search(reply)
        if match:
            return 1.0 if match.group(1).lower() == "yes" else 0.0
    return None


def step_labels(reply: str, pattern: re.Pattern[str] = STEP_PATTERN) -> tuple[float, ...]:
    """Per-step labels in reply order: 1.0 for a correct step, 0.0 for an incorrect one."""
    return tuple(1.0 if label.lower() == "correct" else 0.0 for label in pattern.findall(reply))


def _mean(values: tuple[float, ...]) -> float | None:
    return sum(values) / len(values) if values else None


def read_orm(reply: str) -> Reading:
    """ORM: 1 only if the whole reply is "yes" (case-insensitive, stripped); anything else pays 0."""
    verdict = {"yes": 1.0, "no": 0.0}.get(reply.strip().lower())
    return Reading(verdict or 0.0, verdict, None)


def read_prm(reply: str) -> Reading:
    """PRM / PRM_COT_OUTCOME: the outcome verdict (nothing found pays 0)."""
    verdict = outcome_verdict(reply)
    steps = step_labels(reply)
    return Reading(verdict or 0.0, verdict, _mean(steps), steps)


def read_prm_step_avg(reply: str) -> Reading:
    """PRM_STEP_AVG: the fraction of `Step N: Correct` lines; without step lines, the outcome verdict."""
    verdict = outcome_verdict(reply)
    steps = step_labels(reply)
    average = _mean(steps)
    paid = average if average is not None else (verdict or 0.0)
    return Reading(paid, verdict, average, steps)


def _hybrid(reply: str, pattern: re.Pattern[str]) -> Reading:
    """0.4 x step average (0 without step lines, unlike PRM_STEP_AVG) + 0.6 x outcome verdict."""
    verdict = outcome_verdict(reply)
    steps = step_labels(reply, pattern)
    average = _mean(steps)
    return Reading(0.4 * (average or 0.0) + 0.6 * (verdict or 0.0), verdict, average, steps)


def read_prm_hybrid(reply: str) -> Reading:
    """PRM_HYBRID_STEP_AVG_FORMAT's reading: steps are `Step N: Correct|Incorrect` lines."""
    return _hybrid(reply, STEP_PATTERN)


def read_prm_cot_hybrid(reply: str) -> Reading:
    """PRM_COT_HYBRID_STEP_AVG_FORMAT's reading: steps are `**This step is correct.**` sentences."""
    return _hybrid(reply, COT_STEP_PATTERN)


def read_step_rewards(reply: str) -> Reading:
    """PRM_STEP_LEVEL_ADVANTAGE: per-step rewards; an unparseable reply is one incorrect step, `[0.0]`."""
    steps = step_labels(reply) or (0.0,)
    verdict = outcome_verdict(reply)
    return Reading(sum(steps) / len(steps), verdict, sum(steps) / len(steps), steps)


def read_think_prm(reply: str) -> Reading:
    """THINK_PRM_OUTCOME: the text after `final_verification>` (inside a boxed{} if any) says correct.

    "correct" as a whole word, or "yes" / "1.0" anywhere, pays 1; otherwise 0. Without the tag the PRM
    verdict patterns decide.
    """
    tail = _THINK_TAIL.search(reply)
    if tail is None:
        return read_prm(reply)
    inner = tail.group(1).strip().lower()
    for pattern in _THINK_BOXED:
        boxed = pattern.search(inner)
        if boxed:
            inner = boxed.group(1).strip().lower()
            break
    verdict = float(bool(_WHOLE_WORD_CORRECT.search(inner)) or "1.0" in inner or "yes" in inner)
    return Reading(verdict, verdict, None)


def cut_after_answer(solution: str) -> str:
    """The solution up to its last `</answer>` (stripped), or unchanged without one: what gated judges see."""
    match = _UP_TO_ANSWER.search(solution)
    return match.group(1).strip() if match else solution


def novel_format_ok(solution: str) -> bool:
    r"""The seed's "novel" format check: one \boxed{}, one <answer>...</answer>, nothing after </answer>."""
    boxes = sum(len(pattern.findall(solution)) for pattern in _SEED_BOXED)
    return (
        boxes == 1
        and len(_ANSWER_BLOCK.findall(solution)) == 1
        and _TEXT_AFTER_ANSWER.search(solution) is None
    )
