"""Synthetic problems: every answer is exact (checked by an independent solver), graded 1 when boxed and 0
when perturbed, deterministic across runs and processes, and the file validates like any evaluation set."""

from __future__ import annotations

import math
import random
import re
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest

from reward_signal.common.errors import EXIT_USAGE, KitError
from reward_signal.data.corrupt import perturb_answer
from reward_signal.data.parquet import read_rows
from reward_signal.data.synth import KINDS, generate_problems, synth_rows
from reward_signal.data.validate import validate_file

PER_CELL = 10  # problems per (kind, difficulty) in the exactness tests


def _latex(text: str):  # noqa: ANN202 - a sympy expression
    from latex2sympy2_extended import latex2sympy

    return latex2sympy(text)


def _value(answer: str) -> Fraction:
    """The answer string as a number; only `n`, `\\frac{p}{q}` and `-\\frac{p}{q}` (reduced) are allowed."""
    if re.fullmatch(r"-?\d+", answer):
        return Fraction(int(answer))
    match = re.fullmatch(r"(-?)\\frac\{(\d+)\}\{(\d+)\}", answer)
    assert match, f"answer {answer!r} is neither an integer nor a \\frac"
    num, den = int(match[2]), int(match[3])
    assert den > 1 and math.gcd(num, den) == 1, f"{answer!r} is not a reduced fraction"
    return Fraction(-num if match[1] else num, den)


def _rational(expr) -> Fraction:  # noqa: ANN001 - a sympy expression
    value = expr.doit()
    assert value.is_Rational, f"{expr} did not evaluate to a rational number"
    return Fraction(int(value.p), int(value.q))


def _math(question: str) -> list[str]:
    return re.findall(r"\$([^$]+)\$", question)


def _ints(text: str) -> list[int]:
    return [int(n) for n in re.findall(r"-?\d+", text)]


def _solve(kind: str, question: str) -> Fraction:
    """An independent answer: sympy on the question's LaTeX, or the definition of the quantity asked."""
    import sympy

    formulas = _math(question)
    if kind in ("arithmetic", "fractions"):
        return _rational(_latex(formulas[0]))
    if kind == "linear":
        (solution,) = sympy.solve(_latex(formulas[1]), sympy.Symbol("x"))
        return _rational(solution)
    if kind == "polynomial":
        body = formulas[0].split("=", 1)[1]
        (point,) = _ints(formulas[1])
        return _rational(_latex(body).subs(sympy.Symbol("x"), point))
    if kind == "gcd_lcm":
        numbers = [int(f) for f in formulas]
        return Fraction(math.gcd(*numbers) if "greatest" in question else math.lcm(*numbers))
    if kind == "modular":
        if "remainder" in question:
            base, exponent, modulus = (*_ints(formulas[0]), int(formulas[1]))
            return Fraction(pow(base, exponent, modulus))
        if "0 \\le y" in question:
            modulus = _ints(formulas[1])[-1]
            base = _ints(formulas[2])[0]
            return Fraction(next(y for y in range(modulus) if base * y % modulus == 1))
        conditions = [(_ints(f)[0], _ints(f)[1]) for f in formulas[1:]]  # y ≡ r (mod m)
        return Fraction(next(y for y in range(1, 10**6) if all(y % m == r for r, m in conditions)))
    assert kind == "sequence"
    if "arithmetic" in question or "geometric" in question:
        first, second = _ints(formulas[1])[1], _ints(formulas[2])[1]
        n = _ints(formulas[-1])[-1]
        terms = [first]
        while len(terms) < n:
            terms.append(
                terms[-1] + second - first if "arithmetic" in question else terms[-1] * second // first
            )
        return Fraction(sum(terms) if "+ \\cdots +" in formulas[-1] else terms[-1])
    first = _ints(formulas[0])[1]
    rule = formulas[1].split("=", 1)[1]
    n = _ints(formulas[-1])[-1]
    value = first
    for _ in range(n - 1):
        value = int(_rational(_latex(rule.replace("a_k", "y")).subs(sympy.Symbol("y"), value)))
    return Fraction(value)


@pytest.fixture(scope="module")
def sample_problems() -> list[tuple[str, int, str, str]]:
    """(kind, difficulty, question, answer) for PER_CELL problems of every kind at every difficulty."""
    out = []
    for kind in KINDS:
        for difficulty in range(1, 6):
            for _, _, problem in generate_problems([kind], [difficulty], PER_CELL, seed=difficulty):
                out.append((kind, difficulty, problem.question, problem.answer))
    return out


def test_every_answer_is_exact_and_reduced(sample_problems: list[tuple[str, int, str, str]]) -> None:
    for kind, difficulty, question, answer in sample_problems:
        assert _value(answer) == _solve(kind, question), f"{kind} d{difficulty}: {question} -> {answer}"


def test_grader_accepts_every_answer_and_rejects_a_perturbed_one(
    sample_problems: list[tuple[str, int, str, str]],
) -> None:
    from reward_signal.rewards import grade_many

    answers = [answer for *_, answer in sample_problems]
    rng = random.Random(0)
    wrong = [perturb_answer(answer, rng) for answer in answers]
    right_grades = grade_many([f"\\boxed{{{a}}}" for a in answers], answers)
    wrong_grades = grade_many([f"\\boxed{{{w}}}" for w in wrong], answers)
    for problem, right, bad, perturbed in zip(
        sample_problems, right_grades, wrong_grades, wrong, strict=True
    ):
        assert right.correct, f"boxed ground truth scored 0: {problem}"
        assert not bad.correct, f"perturbed answer {perturbed!r} scored 1: {problem}"


def test_difficulty_grows_operand_sizes_and_operations() -> None:
    """More and larger operands mean more digits to handle, in the question and in the answer."""

    def mean_digits(kind: str, difficulty: int) -> float:
        problems = generate_problems([kind], [difficulty], 300, seed=0)
        return sum(sum(c.isdigit() for c in p.question + p.answer) for *_, p in problems) / len(problems)

    for kind in KINDS:
        digits = [mean_digits(kind, difficulty) for difficulty in range(1, 6)]
        assert digits == sorted(set(digits)), f"{kind}: {digits}"


def test_rows_validate_and_carry_the_schema(tmp_path: Path) -> None:
    from reward_signal.data.parquet import write_rows

    rows = synth_rows(KINDS, (1, 2, 3, 4, 5), 70, seed=11)
    path = write_rows(tmp_path / "synth.parquet", rows)
    assert validate_file(path) == []
    back = read_rows(path)
    assert back == rows
    assert {row["data_source"] for row in back} == {f"synth-{kind}" for kind in KINDS}
    first = back[0]
    assert [m["role"] for m in first["prompt"]] == ["system", "user"]
    assert "\\boxed{}" in first["prompt"][0]["content"]
    assert first["extra_info"] == {
        "index": 0,
        "split": "test",
        "question": first["prompt"][1]["content"],
        "kind": "arithmetic",
        "difficulty": 1,
        "seed": 11,
    }
    assert sorted({(r["extra_info"]["kind"], r["extra_info"]["difficulty"]) for r in back}) == sorted(
        (k, d) for k in KINDS for d in range(1, 6)
    )
    assert len({row["prompt"][1]["content"] for row in back}) == len(back)


def test_seed_determines_problems_and_larger_n_extends_smaller() -> None:
    small = synth_rows(KINDS, (1, 3, 5), 60, seed=5)
    large = synth_rows(KINDS, (1, 3, 5), 200, seed=5)
    assert large[:60] == small
    other = synth_rows(KINDS, (1, 3, 5), 60, seed=6)
    assert sum(a["prompt"] != b["prompt"] for a, b in zip(small, other, strict=True)) > 50


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "reward_signal", "data", *args], cwd=cwd, capture_output=True, text=True
    )


def test_cli_output_is_byte_identical_across_processes(tmp_path: Path) -> None:
    for name in ("a.parquet", "b.parquet"):
        done = _cli("synth", "--kind", "all", "--n", "3000", "--seed", "42", "--out", name, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
    assert (tmp_path / "a.parquet").read_bytes() == (tmp_path / "b.parquet").read_bytes()
    assert len(read_rows(tmp_path / "a.parquet")) == 3000


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--kind", "calculus"],
            "unknown kind 'calculus'; known kinds: arithmetic, fractions, gcd_lcm, linear",
        ),
        (["--n", "0"], "--n must be a positive number of problems; got 0"),
        (["--n", "-3"], "--n must be a positive number of problems; got -3"),
        (["--difficulty", "6"], "difficulty must be 1..5"),
        (["--difficulty", "0-2"], "difficulty must be 1..5"),
        (["--difficulty", "hard"], "difficulty must be 1..5"),
    ],
)
def test_bad_arguments_give_clear_errors(
    args: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from reward_signal.cli import main

    assert main(["data", "synth", *args, "--out", str(tmp_path / "x.parquet")]) == EXIT_USAGE
    assert message in capsys.readouterr().err
    assert not (tmp_path / "x.parquet").exists()


def test_running_out_of_distinct_problems_is_an_error_not_a_duplicate() -> None:
    with pytest.raises(KitError, match="ran out of distinct problems .* higher --difficulty"):
        generate_problems(["gcd_lcm"], [1], 5000, seed=0)


@pytest.mark.integration
def test_evaluation_reads_a_synthetic_file_like_any_dataset(tmp_path: Path) -> None:
    from reward_signal.data.parquet import write_rows
    from reward_signal.eval.problems import load_problems, resolve_datasets

    path = write_rows(tmp_path / "synth-mixed.parquet", synth_rows(KINDS, (2,), 14, seed=3))
    ((name, resolved),) = resolve_datasets([str(path)]).items()
    problems = load_problems(name, resolved)
    assert [p.dataset for p in problems] == ["synth-mixed"] * 14
    assert [p.data_source for p in problems[:7]] == [f"synth-{kind}" for kind in KINDS]
    assert [p.ground_truth for p in problems] == [r["reward_model"]["ground_truth"] for r in read_rows(path)]
