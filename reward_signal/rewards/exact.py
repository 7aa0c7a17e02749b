"""The cheap exact path: decide the common cases (same normalised string, integers, simple fractions)
without sympy, so only the rest needs the guarded math-verify path.

It answers True for identical normalised strings and numerically equal integers, integer fractions and
decimals; False only when both sides are plain integers or integer fractions; otherwise None ("ask
math-verify"). On the benchmark's 2,000 responses it never disagrees with math-verify (README, Rewards).
"""

from __future__ import annotations

import re
from fractions import Fraction
from functools import lru_cache

# Spacing and sizing commands that never change a value.
_NOISE_RE = re.compile(r"\\left|\\right|\\[,;:! ]|\\displaystyle|\s+|\$")
_INT_RE = re.compile(r"[+-]?\d{1,40}")
_DECIMAL_RE = re.compile(r"[+-]?\d{0,40}\.\d{1,40}")
_FRAC_RE = re.compile(r"(-)?\\[dt]?frac\{([+-]?\d{1,40})\}\{(\d{1,40})\}")
_SLASH_RE = re.compile(r"([+-]?\d{1,40})/(\d{1,40})")
# Longer inputs go to math-verify: normalising them here is not worth it on the hot path.
_MAX_EXACT_LEN = 200


@lru_cache(maxsize=65536)
def normalise(answer: str) -> str:
    """Drop spacing/sizing commands, `$` and whitespace, and a trailing full stop."""
    return _NOISE_RE.sub("", answer).rstrip(".")


@lru_cache(maxsize=65536)
def _number(text: str) -> tuple[Fraction, bool] | None:
    """(value, is_rational_form) for an integer, integer fraction or decimal; None for anything else."""
    if _INT_RE.fullmatch(text):
        return Fraction(int(text)), True
    match = _FRAC_RE.fullmatch(text) or _SLASH_RE.fullmatch(text)
    if match:
        groups = match.groups()
        sign = -1 if len(groups) == 3 and groups[0] else 1
        num, den = int(groups[-2]), int(groups[-1])
        return (Fraction(sign * num, den), True) if den else None
    if _DECIMAL_RE.fullmatch(text):
        return Fraction(text), False
    return None


def exact_verdict(pred: str, gold: str) -> bool | None:
    """True/False when decidable without sympy, else None."""
    if len(pred) > _MAX_EXACT_LEN or len(gold) > _MAX_EXACT_LEN:
        return None
    pred_n, gold_n = normalise(pred), normalise(gold)
    if pred_n == gold_n and pred_n:
        return True
    pred_num, gold_num = _number(pred_n), _number(gold_n)
    if pred_num is None or gold_num is None:
        return None
    if pred_num[0] == gold_num[0]:
        return True
    # Decimals are compared by math-verify with rounding (0.333333 may equal 1/3): let it decide.
    return False if pred_num[1] and gold_num[1] else None
