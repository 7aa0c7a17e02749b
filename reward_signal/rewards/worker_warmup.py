"""Warm math-verify's LaTeX parser once in the forkserver, so every pool worker starts fast.

latex2sympy's ANTLR parser builds its prediction cache (DFA) lazily: a cold process takes ~50 ms per
answer, a warm one ~7-16 ms. The warm-up also installs the math-verify speed-ups and records the parser
decisions of these common answer shapes (`mathverify_speedups.py`). Workers are forked from the
forkserver, which preloads this module, so they inherit both, including replacements for workers killed
on a timeout. Importing this module runs the warm-up: it is meant to be preloaded by `pool.py` only.
"""

from __future__ import annotations

from reward_signal.rewards.verification import verify_answer

# Typical shapes of final answers in competition math (hand-written; not taken from any dataset).
WARMUP_ANSWERS = (
    "\\frac{3}{4}",
    "-\\frac{\\sqrt{3}}{2}",
    "\\dfrac{1+\\sqrt{5}}{2}",
    "2\\sqrt{2}",
    "\\sqrt[3]{7}",
    "3\\pi",
    "\\frac{\\pi}{6}",
    "12\\%",
    "45^\\circ",
    "0.125",
    "1.5\\times 10^{3}",
    "2^{10}-1",
    "\\binom{8}{3}",
    "5!",
    "\\log_2 5",
    "\\ln 3",
    "e^{2}",
    "\\sin 30^\\circ",
    "\\cos\\frac{\\pi}{3}",
    "\\tan x",
    "x^2+2x+1",
    "(x-1)(x+2)",
    "\\frac{x+1}{x-1}",
    "y=2x+3",
    "a_n=2n-1",
    "f(x)=x^{3}",
    "(2, -3)",
    "\\left( 3, \\frac{\\pi}{2} \\right)",
    "[1, 3]",
    "(-\\infty, -2) \\cup (1, \\infty)",
    "[0, 1)",
    "\\{1, 2, 3\\}",
    "x \\in (0, 1]",
    "x>5",
    "-2 \\le x \\le 7",
    "\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}",
    "\\text{Evelyn}",
    "\\textbf{(C)}",
    "\\mathrm{B}",
    "D",
    "6k",
    "n(n+1)/2",
    "\\overline{AB}",
    "\\angle ABC",
    "|x-1|",
    "\\infty",
    "\\emptyset",
    "\\sum_{k=1}^{n} k",
    "\\int_0^1 x\\,dx",
    "\\lfloor x \\rfloor",
    "i",
    "3+4i",
    "1,2,3",
    "\\pm 2",
    "\\frac{a}{b}",
)


def warm() -> None:
    """Parse and compare each answer with itself and with an integer (covers both grammars' paths)."""
    for answer in WARMUP_ANSWERS:
        verify_answer(answer, answer, (answer,))
        verify_answer(None, f"The answer is {answer}", ("7",))


warm()
