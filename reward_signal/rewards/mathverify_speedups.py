"""Speed-ups for math-verify's parser and symbolic comparison that return exactly what they replace.

On answers that need sympy (bench/reward_call_pattern.py's hard mix) a worker spent ~40% of its time in
ANTLR's adaptive prediction, ~20% in sympy's string parser behind `sympy.Number("1003")`, and most of the
comparison time in `simplify` of a polynomial difference. Each speed-up below decides the same thing as
the code it stands in for; tests/unit/rewards/test_mathverify_speedups.py compares both on every parsed
answer of the grader benchmark, the seed's ground truths and generated expressions.

1. *Replayed parser decisions.* latex2sympy's ANTLR parser chooses between alternatives by looking ahead
   at token types only (the grammar's only predicates compare precedence levels), so two answers with the
   same sequence of token types take the same sequence of decisions. The first parse of a sequence records
   them; later parses replay them instead of predicting, building the ordinary parse tree from their own
   tokens, which latex2sympy's unchanged converter turns into sympy. A replay that ever disagrees with the
   parser's request falls back to a full parse.
2. *Integer literals.* A literal of ASCII digits becomes `sympy.Integer` directly; `sympy.Number(text)`
   builds the same object through sympy's expression parser.
3. *Polynomial identity.* math-verify's last resort is `simplify(a - b).is_zero`. When both sides are
   polynomials with rational coefficients and small exponents, `expand(a - b) == 0` answers that question
   exactly (a polynomial is zero iff its expansion is), at a fraction of the cost.

They are installed only on the library versions they were checked against (`VERIFIED`), and not at all
when $REWARD_SIGNAL_MATHVERIFY_SPEEDUPS is `0`; otherwise math-verify runs unchanged.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version
from typing import Any

LOG = logging.getLogger(__name__)
SWITCH_ENV = "REWARD_SIGNAL_MATHVERIFY_SPEEDUPS"
# Distribution -> the version whose internals the hooks below were read from and tested against.
VERIFIED: dict[str, str] = {
    "math-verify": "0.9.0",
    "latex2sympy2_extended": "1.11.0",
    "antlr4-python3-runtime": "4.9.3",
}
# Recorded decision sequences kept per process (token-type sequences of distinct answer shapes).
MAX_SHAPES = 4096
# Longest answer (in tokens) whose decisions are recorded: final answers are short, and a pathological
# megabyte of LaTeX should not be kept as a key.
MAX_SHAPE_TOKENS = 512
# Largest integer exponent the polynomial identity expands; beyond it math-verify's simplify decides.
MAX_EXPONENT = 32

_state: dict[str, bool] = {}
_install_lock = threading.Lock()
_decisions: dict[tuple[int, ...], tuple[tuple[int, int], ...]] = {}
_counts = {"replayed": 0, "recorded": 0, "polynomial": 0}


def enabled() -> bool:
    """Whether this process runs with the speed-ups (installing them on first call)."""
    return install()


def counts() -> dict[str, int]:
    """In this process: parses replayed from a recorded shape, parses run in full (and recorded), and
    comparisons settled by the polynomial identity (benchmarks and tests report them)."""
    return dict(_counts)


def version_mismatch() -> str | None:
    """Why the speed-ups cannot be installed here (a version differs from `VERIFIED`), or None."""
    for dist, wanted in VERIFIED.items():
        try:
            found = version(dist)
        except PackageNotFoundError:
            found = "not installed"
        if found != wanted:
            return f"{dist} is {found}, the speed-ups were checked against {wanted}"
    return None


def install() -> bool:
    """Install the speed-ups into this process once; False when switched off or on other versions."""
    if "on" in _state:
        return _state["on"]
    with _install_lock:
        if "on" not in _state:
            _state["on"] = _install()
    return _state["on"]


def _install() -> bool:
    if os.environ.get(SWITCH_ENV, "1") == "0":
        return False
    mismatch = version_mismatch()
    if mismatch is not None:
        LOG.warning("math-verify speed-ups off: %s", mismatch)
        return False
    import math_verify.grader as grader
    import math_verify.parser as parser

    parser.latex2sympy = _replaying_latex2sympy()
    grader.sympy_symbolic_eq = _with_polynomial_identity(grader.sympy_symbolic_eq)
    return True


def _replaying_latex2sympy() -> Callable[..., Any]:
    """latex2sympy with replayed parser decisions and direct integer literals (speed-ups 1 and 2)."""
    import sympy
    from antlr4 import CommonTokenStream, InputStream
    from antlr4.atn.ParserATNSimulator import ParserATNSimulator
    from latex2sympy2_extended import latex2sympy2
    from latex2sympy2_extended.antlr_parser import PSLexer, PSParser

    class ReplayMismatch(Exception):
        """A replayed decision is not the one the parser asks for (cannot happen if the premise holds)."""

    class RecordingPrediction(ParserATNSimulator):
        def __init__(self, parser: Any, record: list[tuple[int, int]]) -> None:
            super().__init__(parser, parser.atn, parser.decisionsToDFA, parser.sharedContextCache)
            self.record = record

        def adaptivePredict(self, input: Any, decision: int, outerContext: Any) -> int:  # noqa: N802, A002
            alt = super().adaptivePredict(input, decision, outerContext)
            self.record.append((decision, alt))
            return alt

    class ReplayedPrediction(ParserATNSimulator):
        def __init__(self, parser: Any, decisions: tuple[tuple[int, int], ...]) -> None:
            super().__init__(parser, parser.atn, parser.decisionsToDFA, parser.sharedContextCache)
            self.pending = iter(decisions)

        def adaptivePredict(self, input: Any, decision: int, outerContext: Any) -> int:  # noqa: N802, A002
            expected, alt = next(self.pending, (None, 0))
            if expected != decision:
                raise ReplayMismatch(decision)
            return alt

    class ShapeParser(PSParser):
        """PSParser that files its recorded decisions under the input's token types once `math` parsed."""

        shape: tuple[int, ...] | None = None
        record: list[tuple[int, int]] | None = None

        def math(self) -> Any:
            tree = super().math()
            if self.record is not None and self.shape is not None:
                if len(_decisions) >= MAX_SHAPES:
                    _decisions.clear()
                _decisions[self.shape] = tuple(self.record)
            return tree

    class Converter(latex2sympy2._Latex2Sympy):
        replay = True

        def create_parser(self, latex_str: str) -> Any:
            lexer = PSLexer(InputStream(latex_str))
            lexer.removeErrorListeners()
            lexer.addErrorListener(self.MathErrorListener(latex_str))
            tokens = CommonTokenStream(lexer)
            tokens.fill()
            shape = tuple(token.type for token in tokens.tokens)
            tokens.seek(0)
            parser = ShapeParser(tokens)
            parser.removeErrorListeners()
            parser.addErrorListener(self.MathErrorListener(latex_str))
            if len(shape) > MAX_SHAPE_TOKENS:
                return parser  # parsed as latex2sympy does, nothing recorded
            known = _decisions.get(shape) if self.replay else None
            if known is None:
                _counts["recorded"] += 1
                parser.shape, parser.record = shape, []
                parser._interp = RecordingPrediction(parser, parser.record)
            else:
                _counts["replayed"] += 1
                parser._interp = ReplayedPrediction(parser, known)
            return parser

        def parse(self, latex_str: str) -> Any:
            try:
                return super().parse(latex_str)
            except ReplayMismatch:
                LOG.warning("replayed parse of %r disagreed with the parser; parsing it in full", latex_str)
                self.replay = False
                return super().parse(latex_str)

        def parse_number(self, text: str) -> Any:
            digits = text.replace(",", "")
            if digits.isascii() and digits.isdigit():
                return sympy.Integer(int(digits))
            return super().parse_number(text)

    def latex2sympy(
        latex_str: str,
        variable_values: dict[str, Any] | None = None,
        is_real: bool | None = None,
        convert_degrees: bool = False,
        normalization_config: Any = latex2sympy2.NormalizationConfig(),  # noqa: B008 - latex2sympy's defaults
        conversion_config: Any = latex2sympy2.ConversionConfig(),  # noqa: B008
    ) -> Any:
        converter = Converter(variable_values, is_real, convert_degrees, config=conversion_config)
        if normalization_config is not None:
            latex_str = latex2sympy2.normalize_latex(latex_str, normalization_config)
        return converter.parse(latex_str)

    return latex2sympy


def _with_polynomial_identity(original: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    """math-verify's `sympy_symbolic_eq`, deciding polynomial pairs by expansion (speed-up 3)."""
    import sympy

    def polynomial(expr: Any) -> bool:
        if isinstance(expr, (sympy.Symbol, sympy.Rational)):
            return True
        if isinstance(expr, (sympy.Add, sympy.Mul)):
            return all(polynomial(arg) for arg in expr.args)
        if isinstance(expr, sympy.Pow):
            exponent = expr.exp
            return (
                isinstance(exponent, sympy.Integer)
                and 0 <= exponent <= MAX_EXPONENT
                and polynomial(expr.base)
            )
        return False

    def symbolic_eq(a: Any, b: Any) -> bool:
        if isinstance(a, sympy.Expr) and isinstance(b, sympy.Expr) and polynomial(a) and polynomial(b):
            try:
                same = sympy.expand(a - b) == 0
                _counts["polynomial"] += 1
                return same
            except Exception:  # noqa: BLE001 - as the original: anything unexpected goes to simplify
                pass
        return original(a, b)

    return symbolic_eq
