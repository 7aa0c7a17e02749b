"""Procedurally generated math problems with exact answers: a benchmark no model can have memorised.

Each seed yields fresh problems, so accuracy on them measures reasoning rather than recall of a
contaminated test set. Every generator is a pure function of a `random.Random` and a difficulty
(1..5: more operations, larger operands); answers are integers or reduced fractions in LaTeX.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from reward_signal.common.errors import EXIT_USAGE, KitError

SYSTEM_PROMPT = (
    "You are a careful mathematical assistant. Reason through the problem step by step before "
    "answering, and write your final answer inside \\boxed{}."
)
DIFFICULTIES = range(1, 6)
# Regenerations allowed per row before a (kind, difficulty) is declared too small for --n distinct problems.
_MAX_ATTEMPTS = 200


@dataclass(frozen=True)
class SynthProblem:
    """A question (Markdown with $LaTeX$) and its exact answer (LaTeX the rule-based grader parses)."""

    question: str
    answer: str


Generator = Callable[[random.Random, int], SynthProblem]


def latex_number(value: Fraction | int) -> str:
    """`7`, `-3`, `\\frac{5}{12}`, `-\\frac{5}{12}`: always reduced (Fraction normalises)."""
    value = Fraction(value)
    if value.denominator == 1:
        return str(value.numerator)
    sign = "-" if value < 0 else ""
    return f"{sign}\\frac{{{abs(value.numerator)}}}{{{value.denominator}}}"


def _join_terms(terms: Sequence[tuple[int, str]]) -> str:
    """Render `coefficient * body` terms as `3x^{2} - x + 5` (zero terms dropped, unit coefficients hidden)."""
    out = ""
    for coefficient, body in terms:
        if coefficient == 0:
            continue
        magnitude = abs(coefficient)
        text = body if body and magnitude == 1 else f"{magnitude}{body}"
        if not out:
            out = f"-{text}" if coefficient < 0 else text
        else:
            out += f" - {text}" if coefficient < 0 else f" + {text}"
    return out or "0"


def _nonzero(rng: random.Random, bound: int) -> int:
    """A uniform integer in [-bound, bound] other than 0."""
    return rng.choice((-1, 1)) * rng.randint(1, bound)


# --- arithmetic and fractions: random expression trees ---------------------------------------------

_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2}
_LATEX_OP = {"+": "+", "-": "-", "*": "\\times", "/": "\\div"}
_ATOM = 3
_VALUE_LIMIT = 10**7  # keep products human-sized: a larger product falls back to + or -


@dataclass(frozen=True)
class _Expr:
    latex: str
    value: Fraction
    precedence: int


def _apply(op: str, left: Fraction, right: Fraction) -> Fraction:
    if op == "+":
        return left + right
    if op == "-":
        return left - right
    if op == "*":
        return left * right
    return left / right


def _combine(op: str, left: _Expr, right: _Expr) -> _Expr:
    """Join two subexpressions, adding only the parentheses the precedence rules require."""
    precedence = _PRECEDENCE[op]
    left_text = left.latex if left.precedence >= precedence else f"\\left({left.latex}\\right)"
    wrap_right = right.precedence < precedence or (right.precedence == precedence and op in "-/")
    right_text = f"\\left({right.latex}\\right)" if wrap_right else right.latex
    return _Expr(f"{left_text} {_LATEX_OP[op]} {right_text}", _apply(op, left.value, right.value), precedence)


def _random_expression(
    rng: random.Random, n_ops: int, ops: str, leaf: Callable[[random.Random], _Expr]
) -> _Expr:
    """A random binary tree with `n_ops` operators; impossible or huge operations fall back to + or -."""
    if n_ops == 0:
        return leaf(rng)
    left_ops = rng.randint(0, n_ops - 1)
    left = _random_expression(rng, left_ops, ops, leaf)
    right = _random_expression(rng, n_ops - 1 - left_ops, ops, leaf)
    op = rng.choice(ops)
    if (op == "/" and right.value == 0) or (op == "*" and abs(left.value * right.value) > _VALUE_LIMIT):
        op = rng.choice("+-")
    return _combine(op, left, right)


def arithmetic(rng: random.Random, difficulty: int) -> SynthProblem:
    """Integer expression with difficulty+1 operators (+, -, and from difficulty 2 on, x)."""
    bound = (9, 20, 50, 100, 500)[difficulty - 1]
    ops = "+-" if difficulty == 1 else "+-*"

    def leaf(r: random.Random) -> _Expr:
        value = r.randint(1, bound)
        return _Expr(str(value), Fraction(value), _ATOM)

    expr = _random_expression(rng, difficulty + 1, ops, leaf)
    return SynthProblem(f"Compute ${expr.latex}$.", latex_number(expr.value))


def fractions(rng: random.Random, difficulty: int) -> SynthProblem:
    """Expression over difficulty+1 fractions; x from difficulty 2, division from 3; answer in lowest terms."""
    max_denominator = (6, 8, 10, 12, 16)[difficulty - 1]
    ops = ("+-", "+-*", "+-*/", "+-*/", "+-*/")[difficulty - 1]

    def leaf(r: random.Random) -> _Expr:
        denominator = r.randint(2, max_denominator)
        value = Fraction(r.randint(1, 2 * denominator - 1), denominator)
        return _Expr(latex_number(value), value, _ATOM)

    expr = _random_expression(rng, difficulty, ops, leaf)
    question = f"Compute ${expr.latex}$. Give the result as an integer or a fraction in lowest terms."
    return SynthProblem(question, latex_number(expr.value))


# --- linear equations -------------------------------------------------------------------------------


def _linear_side(
    rng: random.Random, n_terms: int, coef_bound: int, const_bound: int, grouped: bool
) -> tuple[list[tuple[int, str]], int, int]:
    """Terms of one side as (render parts, x coefficient, constant); constants come last."""
    parts: list[tuple[int, str]] = []
    x_coef = constant = 0
    for _ in range(n_terms):
        choice = rng.random()
        if grouped and choice < 0.5:
            k, m = rng.choice((-1, 1)) * rng.randint(2, coef_bound), _nonzero(rng, const_bound)
            parts.append((k, f"\\left(x {'+' if m > 0 else '-'} {abs(m)}\\right)"))
            x_coef, constant = x_coef + k, constant + k * m
        else:
            k = _nonzero(rng, coef_bound)
            parts.append((k, "x"))
            x_coef += k
    return parts, x_coef, constant


def linear(rng: random.Random, difficulty: int) -> SynthProblem:
    """`... = ...` linear in x with x on both sides from difficulty 2, brackets from 3; integer solution up to 3."""
    coef_bound = (5, 9, 12, 15, 20)[difficulty - 1]
    const_bound = (10, 20, 30, 50, 100)[difficulty - 1]
    n_left, n_right = ((1, 0), (1, 1), (2, 1), (2, 2), (3, 2))[difficulty - 1]
    grouped = difficulty >= 3
    while True:
        left, a_left, c_left = _linear_side(rng, n_left, coef_bound, const_bound, grouped)
        right, a_right, c_right = _linear_side(rng, n_right, coef_bound, const_bound, grouped)
        if a_left != a_right:
            break
    left.append((_nonzero(rng, const_bound), ""))
    c_left += left[-1][0]
    if difficulty <= 3:  # choose the solution, then the right-hand constant that makes it so
        solution = Fraction(rng.randint(-const_bound, const_bound))
        last = solution * (a_left - a_right) + c_left - c_right
    else:
        last = Fraction(_nonzero(rng, const_bound))
        solution = (c_right + last - c_left) / (a_left - a_right)
    right.append((int(last), ""))
    question = f"Solve for $x$: ${_join_terms(left)} = {_join_terms(right)}$."
    return SynthProblem(question, latex_number(solution))


# --- modular arithmetic -----------------------------------------------------------------------------


def _coprime_moduli(rng: random.Random, count: int, bound: int) -> list[int]:
    moduli: list[int] = []
    while len(moduli) < count:
        m = rng.randint(3, bound)
        if all(math.gcd(m, other) == 1 for other in moduli):
            moduli.append(m)
    return moduli


def modular(rng: random.Random, difficulty: int) -> SynthProblem:
    """Remainders of powers; modular inverses from difficulty 3; Chinese remainder systems from 4."""
    variants = ("power", "power", "power|inverse", "power|inverse|crt", "power|inverse|crt")[difficulty - 1]
    variant = rng.choice(variants.split("|"))
    modulus_bound = (20, 30, 100, 500, 1000)[difficulty - 1]
    if variant == "power":
        base = rng.randint(2, (20, 50, 100, 1000, 10_000)[difficulty - 1])
        exponent = rng.randint(2, (10, 20, 100, 1000, 10_000)[difficulty - 1])
        modulus = rng.randint(3, modulus_bound)
        question = f"Find the remainder when ${base}^{{{exponent}}}$ is divided by ${modulus}$."
        return SynthProblem(question, str(pow(base, exponent, modulus)))
    if variant == "inverse":
        modulus = rng.randint(5, modulus_bound)
        base = rng.choice([a for a in range(2, modulus) if math.gcd(a, modulus) == 1])
        question = (
            f"Find the integer $y$ with $0 \\le y < {modulus}$ such that "
            f"${base}y \\equiv 1 \\pmod{{{modulus}}}$."
        )
        return SynthProblem(question, str(pow(base, -1, modulus)))
    moduli = _coprime_moduli(rng, 2 if difficulty == 4 else 3, (20, 40)[difficulty - 4])
    remainders = [rng.randint(0, m - 1) for m in moduli]
    product = math.prod(moduli)
    residue = (
        sum(r * (product // m) * pow(product // m, -1, m) for m, r in zip(moduli, remainders, strict=True))
        % product
    )
    answer = residue or product  # the smallest *positive* solution
    conditions = ", ".join(f"$y \\equiv {r} \\pmod{{{m}}}$" for m, r in zip(moduli, remainders, strict=True))
    question = f"Find the smallest positive integer $y$ such that {conditions}."
    return SynthProblem(question, str(answer))


# --- gcd and lcm ------------------------------------------------------------------------------------


def gcd_lcm(rng: random.Random, difficulty: int) -> SynthProblem:
    """gcd of 2..4 numbers sharing a planted factor, or lcm of 2..4 numbers; sizes grow with difficulty."""
    count = (2, 2, 3, 3, 4)[difficulty - 1]
    if rng.random() < 0.5:
        factor = rng.randint(2, (12, 30, 60, 120, 300)[difficulty - 1])
        numbers = [factor * rng.randint(1, (10, 20, 30, 50, 80)[difficulty - 1]) for _ in range(count)]
        name, answer = "greatest common divisor", math.gcd(*numbers)
    else:
        numbers = [rng.randint(2, (12, 30, 60, 100, 150)[difficulty - 1]) for _ in range(count)]
        name, answer = "least common multiple", math.lcm(*numbers)
    listed = ", ".join(f"${n}$" for n in numbers[:-1]) + f" and ${numbers[-1]}$"
    return SynthProblem(f"Find the {name} of {listed}.", str(answer))


# --- sequences --------------------------------------------------------------------------------------


def sequence(rng: random.Random, difficulty: int) -> SynthProblem:
    """Arithmetic terms and sums; geometric terms from difficulty 3; affine recurrences from 4."""
    variants = ("term", "term|sum", "term|sum|geometric", "sum|geometric|recurrence", "geometric|recurrence")
    variant = rng.choice(variants[difficulty - 1].split("|"))
    start = _nonzero(rng, (10, 20, 50, 100, 200)[difficulty - 1])
    if variant in ("term", "sum"):
        step = _nonzero(rng, (5, 12, 25, 50, 100)[difficulty - 1])
        n = rng.randint(5, (20, 50, 100, 200, 500)[difficulty - 1])
        intro = f"The sequence $a_1, a_2, a_3, \\ldots$ is arithmetic with $a_1 = {start}$ and $a_2 = {start + step}$."
        if variant == "term":
            return SynthProblem(f"{intro} Find $a_{{{n}}}$.", str(start + (n - 1) * step))
        total = n * start + step * n * (n - 1) // 2
        return SynthProblem(f"{intro} Find $a_1 + a_2 + \\cdots + a_{{{n}}}$.", str(total))
    if variant == "geometric":
        ratio = rng.choice((2, 3, 4, -2, -3))
        n = rng.randint(4, (8, 8, 9, 10, 12)[difficulty - 1])
        intro = f"The sequence $a_1, a_2, a_3, \\ldots$ is geometric with $a_1 = {start}$ and $a_2 = {start * ratio}$."
        return SynthProblem(f"{intro} Find $a_{{{n}}}$.", str(start * ratio ** (n - 1)))
    multiplier = rng.choice((2, 3, -2)) if difficulty == 4 else rng.choice((2, 3, 4, -2, -3))
    shift = _nonzero(rng, 10 * difficulty)
    n = rng.randint(4, 6 + difficulty)
    value = start
    for _ in range(n - 1):
        value = multiplier * value + shift
    rule = _join_terms([(multiplier, "a_k"), (shift, "")])
    question = (
        f"A sequence satisfies $a_1 = {start}$ and $a_{{k+1}} = {rule}$ for $k \\ge 1$. Find $a_{{{n}}}$."
    )
    return SynthProblem(question, str(value))


# --- polynomials ------------------------------------------------------------------------------------


def polynomial(rng: random.Random, difficulty: int) -> SynthProblem:
    """Evaluate a polynomial of degree `difficulty` at an integer point."""
    coef_bound = (9, 9, 12, 15, 20)[difficulty - 1]
    coefficients = [_nonzero(rng, coef_bound)] + [
        rng.randint(-coef_bound, coef_bound) for _ in range(difficulty)
    ]  # highest degree first, leading coefficient nonzero
    point = _nonzero(rng, (6, 6, 7, 8, 9)[difficulty - 1])
    terms = [
        (c, "" if power == 0 else "x" if power == 1 else f"x^{{{power}}}")
        for c, power in zip(coefficients, range(difficulty, -1, -1), strict=True)
    ]
    value = sum(c * point**power for c, power in zip(coefficients, range(difficulty, -1, -1), strict=True))
    question = f"Let $f(x) = {_join_terms(terms)}$. Find $f({point})$."
    return SynthProblem(question, str(value))


GENERATORS: dict[str, Generator] = {
    "arithmetic": arithmetic,
    "fractions": fractions,
    "gcd_lcm": gcd_lcm,
    "linear": linear,
    "modular": modular,
    "polynomial": polynomial,
    "sequence": sequence,
}
KINDS: tuple[str, ...] = tuple(GENERATORS)


def parse_kinds(text: str) -> tuple[str, ...]:
    """`arithmetic,linear` or `all` -> kind names; an unknown name lists the known ones."""
    names = (
        KINDS if text.strip() == "all" else tuple(name.strip() for name in text.split(",") if name.strip())
    )
    unknown = [name for name in names if name not in GENERATORS]
    if unknown or not names:
        raise KitError(
            f"unknown kind {', '.join(map(repr, unknown)) or repr(text)}; known kinds: {', '.join(KINDS)} (or 'all')",
            exit_code=EXIT_USAGE,
        )
    return names


def parse_difficulties(text: str) -> tuple[int, ...]:
    """`3`, `1,3,5` or `1-5` -> difficulties, each within 1..5."""
    try:
        if "-" in text:
            low, high = (int(part) for part in text.split("-", 1))
            values = tuple(range(low, high + 1))
        else:
            values = tuple(int(part) for part in text.split(","))
    except ValueError:
        values = ()
    if not values or any(value not in DIFFICULTIES for value in values):
        raise KitError(
            f"difficulty must be 1..5, a list like 1,3,5 or a range like 1-5; got {text!r}",
            exit_code=EXIT_USAGE,
        )
    return values


def generate_problems(
    kinds: Sequence[str], difficulties: Sequence[int], n: int, seed: int
) -> list[tuple[str, int, SynthProblem]]:
    """`n` distinct (kind, difficulty, problem) triples, cycling kinds fastest, then difficulties.

    One `random.Random(seed)` stream drives everything, so the output is identical across runs and
    processes, and a larger `n` extends a smaller one's list without changing it.
    """
    if n <= 0:
        raise KitError(f"--n must be a positive number of problems; got {n}", exit_code=EXIT_USAGE)
    parse_kinds(",".join(kinds))
    parse_difficulties(",".join(map(str, difficulties)))
    rng = random.Random(seed)
    seen: set[str] = set()
    out: list[tuple[str, int, SynthProblem]] = []
    for index in range(n):
        kind = kinds[index % len(kinds)]
        difficulty = difficulties[(index // len(kinds)) % len(difficulties)]
        for _ in range(_MAX_ATTEMPTS):
            problem = GENERATORS[kind](rng, difficulty)
            if problem.question not in seen:
                break
        else:
            raise KitError(
                f"kind {kind!r} at difficulty {difficulty} ran out of distinct problems after {index} rows; "
                "ask for fewer (--n) or a higher --difficulty",
                exit_code=EXIT_USAGE,
            )
        seen.add(problem.question)
        out.append((kind, difficulty, problem))
    return out


def to_row(index: int, kind: str, difficulty: int, seed: int, problem: SynthProblem) -> dict[str, Any]:
    """One VERL evaluation row, in the schema and prompt style of the other evaluation sets."""
    return {
        "data_source": f"synth-{kind}",
        "prompt": [
            {"content": SYSTEM_PROMPT, "role": "system"},
            {"content": problem.question, "role": "user"},
        ],
        "ability": "math",
        "reward_model": {"ground_truth": problem.answer, "style": "rule"},
        "extra_info": {
            "index": index,
            "split": "test",
            "question": problem.question,
            "kind": kind,
            "difficulty": difficulty,
            "seed": seed,
        },
    }


def synth_rows(kinds: Sequence[str], difficulties: Sequence[int], n: int, seed: int) -> list[dict[str, Any]]:
    """The rows `reward-signal data synth` writes."""
    problems = generate_problems(kinds, difficulties, n, seed)
    return [
        to_row(i, kind, difficulty, seed, problem) for i, (kind, difficulty, problem) in enumerate(problems)
    ]
