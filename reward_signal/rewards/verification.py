"""The sympy work (math-verify parsing and equivalence). Runs only inside pool worker processes.

math-verify's own timeouts use `signal.alarm`, which fails outside a main thread; here they are
switched off and the pool enforces the bound by killing the worker instead (see `pool.py`).
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any

from reward_signal.rewards import mathverify_speedups

# math-verify warns once per process that its signal timeout is off: that is deliberate here.
logging.getLogger("math_verify").setLevel(logging.ERROR)


def _configs() -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    from math_verify.parser import ExprExtractionConfig, LatexExtractionConfig

    mathverify_speedups.install()  # before any parse or comparison in this process; once
    return (LatexExtractionConfig(),), (ExprExtractionConfig(), LatexExtractionConfig())


def _parse(text: str, configs: tuple[Any, ...]) -> list[Any]:
    from math_verify.parser import parse

    return parse(text, configs, parsing_timeout=None)  # type: ignore[arg-type]


@lru_cache(maxsize=16384)
def parse_gold(gold: str) -> list[Any]:
    """Gold answers are parsed once per worker process and cached: they repeat across a group and epochs."""
    latex_only, _ = _configs()
    return _parse("\\boxed{" + gold + "}", latex_only)


@lru_cache(maxsize=16384)
def _parse_boxed(boxed: str) -> list[Any]:
    # Same configs as verl's own math_verify scorer, so verdicts agree (LaTeX-only misses some forms).
    return _parse("\\boxed{" + boxed + "}", _configs()[1])


def parse_pred(boxed: str | None, region: str) -> list[Any]:
    """The boxed answer when there is one (cached: a group's responses often agree), else math-verify's
    own extraction of a final expression from the answer region."""
    if boxed is not None:
        return _parse_boxed(boxed)
    return _parse(region, _configs()[1])


def _equivalent(gold: list[Any], pred: list[Any]) -> bool:
    from math_verify.grader import verify

    if not (gold and pred):
        return False
    return bool(verify(gold, pred, timeout_seconds=None)) or _same_solution_set(gold[0], pred[0])


def _real_set(expr: Any) -> Any:
    """The set of reals an inequality, an `x \\in` statement or an interval stands for, else None.

    `-2 \\le x \\le 7`, `x \\in [-2, 7]` and `[-2, 7]` all give Interval(-2, 7); `0 < f(x) < 1` is read in
    its one unknown f(x); `x \\le -1 \\text{ or } x \\ge 1` (parsed as a set of two inequalities) is their union.
    """
    import sympy
    from sympy.core.function import AppliedUndef
    from sympy.core.relational import Relational

    if isinstance(expr, (sympy.Interval, sympy.Union)):
        return expr
    if isinstance(expr, sympy.Eq) and isinstance(expr.rhs, (sympy.Interval, sympy.Union)):
        return expr.rhs
    if isinstance(expr, sympy.FiniteSet) and expr.args and all(isinstance(a, Relational) for a in expr.args):
        expr = sympy.Or(*expr.args)
    if not isinstance(expr, (sympy.And, sympy.Or, Relational)) or isinstance(expr, (sympy.Eq, sympy.Ne)):
        return None
    unknowns = expr.atoms(AppliedUndef) or expr.free_symbols
    if len(unknowns) != 1:
        return None
    unknown = next(iter(unknowns))
    simple = _bounds_set(expr, unknown)
    if simple is not None:
        return simple
    variable = sympy.Symbol("v", real=True)
    try:
        return expr.subs(unknown, variable).as_set()
    except (NotImplementedError, TypeError, ValueError):
        return None


def _bounds_set(expr: Any, unknown: Any) -> Any:
    """The set for And/Or of `unknown <op> number` comparisons, built directly (sympy's `as_set` takes
    ~0.2 s each); None for anything else, which then goes to `as_set`."""
    import sympy

    if isinstance(expr, (sympy.And, sympy.Or)):
        parts = [_bounds_set(arg, unknown) for arg in expr.args]
        if any(part is None for part in parts):
            return None
        return sympy.Intersection(*parts) if isinstance(expr, sympy.And) else sympy.Union(*parts)
    flipped = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}
    op = getattr(expr, "rel_op", None)
    if op not in flipped:
        return None
    if expr.lhs == unknown and expr.rhs.is_number:
        bound = expr.rhs
    elif expr.rhs == unknown and expr.lhs.is_number:
        bound, op = expr.lhs, flipped[op]
    else:
        return None
    if not bound.is_real:
        return None
    return {
        "<": sympy.Interval.open(-sympy.oo, bound),
        "<=": sympy.Interval(-sympy.oo, bound),
        ">": sympy.Interval.open(bound, sympy.oo),
        ">=": sympy.Interval(bound, sympy.oo),
    }[op]


def _same_solution_set(gold: Any, pred: Any) -> bool:
    """An inequality and an interval (or two inequalities) that describe the same set of reals.

    Applies only when at least one side is an inequality, so numbers and number sets keep math-verify's
    verdict (`6.28` is still not `2\\pi`).
    """
    import sympy
    from sympy.core.relational import Relational

    def inequality(expr: Any) -> bool:
        return isinstance(expr, (sympy.And, sympy.Or, Relational, sympy.FiniteSet, sympy.Eq))

    if not (inequality(gold) or inequality(pred)):
        return False
    first, second = _real_set(gold), _real_set(pred)
    return first is not None and second is not None and first == second


def verify_answer(boxed: str | None, region: str, golds: tuple[str, ...]) -> tuple[bool, str | None]:
    """(correct against any accepted gold answer, extracted prediction as text)."""
    pred = parse_pred(boxed, region)
    text = boxed if boxed is not None else (str(pred[-1]) if pred else None)
    return any(_equivalent(parse_gold(gold), pred) for gold in golds), text


def fallback_answer(region: str) -> str | None:
    """math-verify's extraction of a final expression from an unboxed response, as text."""
    pred = parse_pred(None, region)
    return str(pred[-1]) if pred else None


def same_answer_worker(first: str, second: str) -> bool:
    """math-verify equivalence of two extracted answers (both treated as LaTeX)."""
    return _equivalent(parse_gold(first), parse_gold(second))
