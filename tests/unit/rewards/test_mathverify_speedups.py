"""The math-verify speed-ups return exactly what the code they replace returns.

Each corpus is parsed and compared twice, in fresh interpreters: once with the speed-ups
($REWARD_SIGNAL_MATHVERIFY_SPEEDUPS=1, the default) and once without (=0). Every parsed object
(`sympy.srepr`) and every verdict must be identical, and the run with speed-ups must really have used them.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from reward_signal.common.ground_truth import ground_truth_answers
from reward_signal.rewards import extraction, mathverify_speedups
from tests.conftest import REPO_ROOT

# Parses each (gold, answer) pair as the grader does and prints parsed objects, verdicts and counters.
PROBE = """
import json, sys
import sympy
from reward_signal.rewards import mathverify_speedups, verification

def shown(parsed):
    return [sympy.srepr(x) if isinstance(x, (sympy.Basic, sympy.MatrixBase)) else repr(x) for x in parsed]

pairs = json.load(open(sys.argv[1]))
rows = []
for gold, answer in pairs:
    parsed_gold = verification.parse_gold(gold)
    parsed_answer = verification.parse_pred(answer, "")
    rows.append([shown(parsed_gold), shown(parsed_answer), verification._equivalent(parsed_gold, parsed_answer)])
print(json.dumps({"rows": rows, "on": mathverify_speedups.enabled(), "counts": mathverify_speedups.counts()}))
"""


def _probe(pairs: list[tuple[str, str]], tmp_path: Path, speedups: bool) -> dict:
    source = tmp_path / "pairs.json"
    source.write_text(json.dumps(pairs), encoding="utf-8")
    env = {**os.environ, mathverify_speedups.SWITCH_ENV: "1" if speedups else "0"}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(source)],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO_ROOT,
        check=False,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _assert_identical(pairs: list[tuple[str, str]], tmp_path: Path) -> dict[str, int]:
    fast, plain = _probe(pairs, tmp_path, True), _probe(pairs, tmp_path, False)
    assert fast["on"] and not plain["on"]
    for (gold, answer), with_, without in zip(pairs, fast["rows"], plain["rows"], strict=True):
        assert with_ == without, f"gold {gold!r}, answer {answer!r}"
    return fast["counts"]


def _generated_pairs(n: int, seed: int) -> list[tuple[str, str]]:
    """Answers of the shapes a grader meets, right and wrong, with random numbers: polynomials, factored
    forms, fractions, radicals, decimals, intervals, inequalities, equations, tuples, sets, percentages."""
    rng = random.Random(seed)
    makers = (
        lambda a, b: (f"x^2+{a + b}x+{a * b}", f"(x+{a})(x+{b})"),
        lambda a, b: (f"x^2-{2 * a}x+{a * a}", f"(x+{a})^2"),
        lambda a, b: (f"{a}x^3-{b}x", f"x({a}x^2-{b})"),
        lambda a, b: (f"\\frac{{{a}}}{{{b}}}", f"\\dfrac{{{2 * a}}}{{{2 * b}}}"),
        lambda a, b: (f"{a}\\sqrt{{{b}}}", f"\\sqrt{{{a * a * b}}}"),
        lambda a, b: (f"{a}.{b}", f"{a}.{b}0"),
        lambda a, b: (f"[-{a},{b}]", f"-{a} \\le x \\le {b}"),
        lambda a, b: (f"(-\\infty,{a})\\cup({b},\\infty)", f"x<{a} \\text{{ or }} x>{b}"),
        lambda a, b: (f"{a}x-y+{b}=0", f"y={a}x+{b}"),
        lambda a, b: (f"({a}, -{b})", f"\\left({a},-{b}\\right)"),
        lambda a, b: (f"\\{{{a}, {b}\\}}", f"{b}, {a}"),
        lambda a, b: (f"{a}\\%", f"\\frac{{{a}}}{{100}}"),
        lambda a, b: (f"\\frac{{{a}\\pi}}{{{b}}}", f"{a}\\pi/{b}"),
        lambda a, b: (f"x^{{{a % 40}}}+{b}", f"{b}+x^{{{a % 40}}}"),
        lambda a, b: (f"{a}^{{{b % 7}}}", f"{a ** (b % 7)}"),
        lambda a, b: (f"{a},{b:03d}", f"{a}{b:03d}"),
    )
    pairs = []
    for i in range(n):
        a, b = rng.randint(1, 999), rng.randint(1, 999)
        gold, answer = makers[i % len(makers)](a, b)
        if rng.random() < 0.3:  # a wrong answer of the same shape
            answer = answer.replace(str(a), str(a + 1), 1)
        pairs.append((gold, answer))
    return pairs


def test_generated_answers_parse_and_compare_identically(tmp_path: Path) -> None:
    counts = _assert_identical(_generated_pairs(480, seed=17), tmp_path)
    assert counts["replayed"] > 300 and counts["polynomial"] > 20  # the speed-ups really ran


def test_grader_benchmark_answers_parse_and_compare_identically(tmp_path: Path) -> None:
    sys.path.insert(0, str(REPO_ROOT / "bench"))
    from grader_cases import all_cases

    pairs = []
    for case in all_cases():
        answer = extraction.last_boxed(case.response)
        if answer is not None:
            pairs.extend((gold, answer) for gold in ground_truth_answers(case.gold))
    assert len(pairs) > 300
    counts = _assert_identical(pairs, tmp_path)
    assert counts["replayed"] > 0


def test_seed_ground_truths_parse_identically(seed_data: Path, tmp_path: Path) -> None:
    """Every 8th ground truth of the 8K training set and all of the math evaluation sets, each compared
    with itself and with the next one (a different answer)."""
    files = sorted((seed_data / "data" / "math" / "eval_data").glob("*.parquet"))
    golds = []
    for path in [seed_data / "data" / "old" / "train_novel_hybrid_8k_with_gt.parquet", *files]:
        rows = pq.read_table(path, columns=["reward_model"]).column("reward_model").to_pylist()
        step = 8 if "8k" in path.name else 1
        for row in rows[::step]:
            golds.extend(ground_truth_answers(row["ground_truth"]))
    pairs = [(gold, gold) for gold in golds] + list(zip(golds, golds[1:], strict=False))[::4]
    counts = _assert_identical(pairs, tmp_path)
    assert counts["replayed"] > len(golds) // 4


def test_replay_that_disagrees_falls_back_to_a_full_parse(caplog: pytest.LogCaptureFixture) -> None:
    """A recorded decision sequence that does not fit (it cannot happen unless the premise breaks) is
    noticed at the first wrong decision, and the answer is parsed in full instead."""
    if not mathverify_speedups.enabled():
        pytest.fail(f"speed-ups not installed: {mathverify_speedups.version_mismatch()}")
    import math_verify.parser

    from reward_signal.rewards import verification

    answer, latex_only = "\\boxed{(x+3)^2+\\frac{7}{9}}", verification._configs()[0]
    expected = verification._parse(answer, latex_only)
    for shape, decisions in list(mathverify_speedups._decisions.items()):
        mathverify_speedups._decisions[shape] = tuple((decision + 1, alt) for decision, alt in decisions)
    math_verify.parser.parse_latex_cached.cache_clear()
    math_verify.parser.extract_latex.cache_clear()
    assert [str(x) for x in verification._parse(answer, latex_only)] == [str(x) for x in expected]
    assert "disagreed with the parser" in caplog.text


def test_versions_in_the_image_are_the_checked_ones() -> None:
    """The image's lock holds exactly the versions the speed-ups were checked against, so it runs them."""
    lock = (REPO_ROOT / "docker" / "requirements.lock").read_text(encoding="utf-8")
    for dist, wanted in mathverify_speedups.VERIFIED.items():
        names = {dist, dist.replace("_", "-"), dist.replace("-", "_")}
        assert any(f"\n{name}=={wanted} " in lock for name in names), f"{dist}=={wanted} not in the lock"


def test_other_versions_leave_math_verify_unchanged() -> None:
    script = (
        "from reward_signal.rewards import mathverify_speedups as s\n"
        "s.VERIFIED['math-verify'] = '0.0.1'\n"
        "import math_verify.parser as p\n"
        "before = p.latex2sympy\n"
        "print(s.install(), p.latex2sympy is before)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO_ROOT, check=True
    )
    assert done.stdout.split() == ["False", "True"]
    assert "math-verify is 0.9.0, the speed-ups were checked against 0.0.1" in done.stderr


def test_long_answers_are_parsed_in_full_and_not_kept(tmp_path: Path) -> None:
    """A pathological answer is parsed as latex2sympy parses it, and its shape is not stored."""
    long_sum = "+".join(str(k) for k in range(1, 400))
    pairs = [(str(sum(range(1, 400))), long_sum), ("x^2+1", "+".join(["x^2"] + ["1"] * 300 + ["-300"]))]
    counts = _assert_identical(pairs, tmp_path)
    assert counts["recorded"] + counts["replayed"] == 2  # the two short golds; the long answers bypass it
