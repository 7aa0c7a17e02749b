"""Numeric science answers: values with units and scientific notation, compared within a relative tolerance.

The SCP ground truths carry units (`490 g`, `0.0267 \\, \\Omega`), scientific notation (`1 \\times 10^{-3}`,
`1.0 \\times 10^{-7} M`) and sometimes several values (`2.7 \\times 10^4, 6.8`). The seed grades them with
math-verify's exact equivalence, so `\\boxed{0.00101}` against `1 \\times 10^{-3}` and `\\boxed{49.0}` against
`49 Hz` are judged on what sympy makes of the units. The kit keeps that by default (fidelity) and offers
`rule_based`'s `rel_tol` parameter: a response math-verify rejects is also paid when its answer and the gold
are both lists of plain numbers (units stripped) that agree value by value within `rel_tol`.

Pure string parsing, no sympy: anything that is not clearly a number with an optional unit is not numeric,
and then only the exact verdict counts.
"""

from __future__ import annotations

import math
import re

_NUMBER = r"[-+−]?(?:\d+(?:\.\d*)?|\.\d+)"
_EXPONENT = r"\^\s*\{?\s*([-+−]?\d+)\s*\}?"
# 2.7 \times 10^4, 2.7 \cdot 10^{-4}, 2.7 x 10^4, 2.7e-4, 10^{-3}, \frac{3}{4}, or a plain number.
_VALUE = re.compile(
    rf"^(?:(?P<mantissa>{_NUMBER})\s*(?:\\times|\\cdot|×|\*|x)\s*10\s*{_EXPONENT}"
    rf"|(?P<enum>{_NUMBER})[eE](?P<eexp>[-+]?\d+)"
    rf"|10\s*\^\s*\{{?\s*(?P<power>[-+−]?\d+)\s*\}}?"
    rf"|\\[dt]?frac\s*\{{\s*(?P<num>{_NUMBER})\s*\}}\s*\{{\s*(?P<den>{_NUMBER})\s*\}}"
    rf"|(?P<plain>{_NUMBER}))"
)
# Layout that never changes a value: math delimiters, spacing commands, \left/\right, thousands `{,}`.
_LAYOUT = re.compile(r"\$|\\[,;:! ]|~|\\left|\\right|\\(?:q)?quad")
# A unit's exponents and subscripts (`m s^{-1}`, `cm^3`, `V_{rms}`) are not a second number.
_UNIT_INDEX = re.compile(r"[\^_]\s*\{?\s*[-+−]?\w+\s*\}?")
_SEPARATOR = re.compile(r"\s*(?:,|;|\band\b)\s*")
# What a unit never holds: arithmetic, brackets, an equation, or a leading operator (`2(qp + pq)`, `2 + 3`).
# Constants and functions are not units either (`2\pi` is not 2).
_NOT_A_UNIT = re.compile(r"[+=()\[\]]|\\(?:frac|sqrt|cdot|times|pi|ln|log|exp|sin|cos|tan)|^\s*[-*/^]")


def _number(text: str, exponent: str = "0") -> float:
    """`text` x 10^`exponent` (unicode minus allowed); inf for an exponent beyond float range, never an error."""
    return float(f"{text.replace('−', '-')}e{exponent.replace('−', '-')}")


def _clean(text: str) -> str:
    return _LAYOUT.sub(" ", text).replace("{,}", "").strip()


def parse_value(text: str) -> float | None:
    """The number a single answer states, its unit (any trailing non-numeric text) stripped; None if
    it is not a plain number with an optional unit (an expression, a formula, a chemical name)."""
    cleaned = _clean(text)
    match = _VALUE.match(cleaned)
    if match is None:
        return None
    unit = _UNIT_INDEX.sub("", cleaned[match.end() :])
    if re.search(r"\d", unit) or _NOT_A_UNIT.search(unit):
        return None  # another number or an expression follows: not a single value
    if match["mantissa"] is not None:
        value = _number(match["mantissa"], match.group(2))
    elif match["enum"] is not None:
        value = _number(match["enum"], match["eexp"])
    elif match["power"] is not None:
        value = _number("1", match["power"])
    elif match["num"] is not None:
        denominator = _number(match["den"])
        value = _number(match["num"]) / denominator if denominator else math.nan
    else:
        value = _number(match["plain"])
    return value if math.isfinite(value) else None


def parse_values(text: str) -> list[float] | None:
    """Every value of a (possibly multi-value) answer, in order; None if any part is not numeric."""
    values = [parse_value(part) for part in _SEPARATOR.split(_clean(text)) if part.strip()]
    if not values or any(value is None for value in values):
        return None
    return [value for value in values if value is not None]


def within_tolerance(pred: str | None, golds: tuple[str, ...], rel_tol: float) -> bool:
    """True when `pred` and one of `golds` are numeric answers with as many values, each within `rel_tol`
    of the gold's value (relative to the gold). `rel_tol` 0 means off: exact verdicts only."""
    if rel_tol <= 0 or pred is None:
        return False
    got = parse_values(pred)
    if got is None:
        return False
    wanted = [parse_values(gold) for gold in golds]
    return any(
        want is not None
        and len(want) == len(got)
        and all(math.isclose(g, w, rel_tol=rel_tol, abs_tol=0.0) for g, w in zip(got, want, strict=True))
        for want in wanted
    )
