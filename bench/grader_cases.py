"""The labeled grader benchmark: responses with a gold answer and the verdict a careful human gives.

Written for this kit, family by family. The *kinds* of cases follow what public graders' test suites
check (named in each family's `source`; their code and data are not copied), plus our datasets' own
quirks. Each case has a stable id; `split` is "heldout" for about half of them (by a hash of the id), and
the answer rules were tuned only on the "dev" half. Labels: 1 when the response's final answer is the
gold answer (same value, same set, same equation set, same choice), 0 otherwise, including hedged,
truncated and unanswered responses.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass

MV = "huggingface/Math-Verify tests/test_all.py"
LIGHTEVAL = "huggingface/lighteval tests/unit/metrics/test_extractive_match.py"
QWEN = "QwenLM/Qwen2.5-Math evaluation/grader.py (math_equal cases)"
NEMO = "NVIDIA/NeMo-Skills math grader tests"
RLLM = "agentica-project/rllm math reward tests"
VERL = "volcengine/verl utils/reward_score (math, math_verify scorers)"
ISSUE = "reward-signal issue 17 (measured failures)"
OURS = "reward-signal seed datasets (8K training set, MATH-500)"


@dataclass(frozen=True)
class Case:
    id: str
    family: str
    gold: str
    response: str
    label: int
    source: str
    split: str


def _split(case_id: str) -> str:
    return "heldout" if int(hashlib.sha256(case_id.encode()).hexdigest(), 16) % 2 else "dev"


def _wrap(answer: str, style: int) -> str:
    """The same final answer in two response shapes: a plain solution, and a thinking model's."""
    if style == 0:
        return f"We work through the problem carefully.\nTherefore the answer is $\\boxed{{{answer}}}$."
    return f"<think>Let me compute this step by step and check it.</think>\nThe final answer is \\boxed{{{answer}}}"


def _boxed_family(
    family: str, source: str, rows: list[tuple[str, str, int]]
) -> list[tuple[str, str, str, int, str]]:
    """Each (gold, boxed answer, label) in both response shapes."""
    return [
        (family, gold, _wrap(answer, style), label, source)
        for gold, answer, label in rows
        for style in (0, 1)
    ]


EQUIVALENT_FORMS = [
    ("\\frac{1}{2}", "0.5", 1),
    ("\\frac{1}{2}", "\\dfrac{1}{2}", 1),
    ("\\frac{1}{2}", "1/2", 1),
    ("\\frac{1}{2}", "\\frac{2}{4}", 1),
    ("\\frac{1}{3}", "0.3", 0),
    ("\\frac{1}{3}", "\\frac{1}{4}", 0),
    ("2\\sqrt{2}", "\\sqrt{8}", 1),
    ("2\\sqrt{2}", "2.83", 0),
    ("\\sqrt{3}", "3^{1/2}", 1),
    ("\\frac{\\sqrt{3}}{2}", "\\frac{1}{2}\\sqrt{3}", 1),
    ("\\frac{\\sqrt{3}}{2}", "\\frac{\\sqrt{2}}{2}", 0),
    ("x^2+2x+1", "(x+1)^2", 1),
    ("x^2+2x+1", "(x-1)^2", 0),
    ("(x-1)(x+2)", "x^2+x-2", 1),
    ("(x-1)(x+2)", "x^2-x-2", 0),
    ("\\frac{x+1}{x-1}", "\\frac{-x-1}{1-x}", 1),
    ("3\\pi", "3 \\pi", 1),
    ("\\frac{\\pi}{6}", "\\frac{1}{6}\\pi", 1),
    ("\\frac{\\pi}{6}", "30", 0),
    ("1.5", "\\frac{3}{2}", 1),
    ("1.5", "1\\frac{1}{2}", 1),
    ("-\\frac{3}{4}", "-0.75", 1),
    ("-\\frac{3}{4}", "0.75", 0),
    ("1000", "10^3", 1),
    ("1000", "1,000", 1),
    ("1000000", "1{,}000{,}000", 1),
    ("2^{10}", "1024", 1),
    ("2^{10}", "1023", 0),
    ("\\binom{8}{3}", "56", 1),
    ("5!", "120", 1),
    ("\\log_2 8", "3", 1),
    ("e^{0}", "1", 1),
    ("3+4i", "4i+3", 1),
    ("3+4i", "3-4i", 0),
    ("\\infty", "\\infty", 1),
    ("-\\infty", "\\infty", 0),
    ("\\{1,2,3\\}", "\\{3,2,1\\}", 1),
    ("\\{1,2,3\\}", "\\{1,2\\}", 0),
    ("(1,2)", "(1,2)", 1),
    ("(1,2)", "(2,1)", 0),
    ("\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}", "\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}", 1),
    ("\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}", "\\begin{pmatrix} 2 \\\\ 1 \\end{pmatrix}", 0),
    ("12\\%", "12", 1),
    ("45^\\circ", "45", 1),
    ("45^\\circ", "\\frac{\\pi}{4}", 1),
    ("90^\\circ", "90", 1),
    ("\\text{Evelyn}", "\\text{Evelyn}", 1),
    ("\\text{Evelyn}", "\\text{Bob}", 0),
    ("6k", "6k", 1),
    ("\\frac{n(n+1)}{2}", "\\frac{n^2+n}{2}", 1),
    ("\\frac{n(n+1)}{2}", "\\frac{n^2-n}{2}", 0),
    ("0", "0", 1),
    ("0", "-0", 1),
    ("7", "7.0", 1),
    ("7", "7.5", 0),
    ("2", "\\sqrt{4}", 1),
    ("\\frac{5}{2}", "2.5", 1),
    ("\\frac{5}{2}", "2", 0),
]

NUMERIC_STRICTNESS = [
    ("2\\pi", "6.28", 0),
    ("2\\pi", "2\\pi", 1),
    ("\\pi", "3.14", 0),
    ("\\pi", "3.14159", 0),
    ("\\sqrt{2}", "1.414", 0),
    ("\\sqrt{2}", "1.41", 0),
    ("e", "2.718", 0),
    ("\\frac{1}{3}", "0.333", 0),
    ("\\frac{2}{3}", "0.67", 0),
    ("100", "99.99", 0),
    ("100", "100.01", 0),
    ("1024", "1000", 0),
    ("3", "3.001", 0),
    ("12", "12.0", 1),
    ("0.25", "\\frac{1}{4}", 1),
    ("0.25", "25\\%", 1),
    ("\\ln 2", "0.693", 0),
    ("10\\sqrt{3}", "17.32", 0),
    ("5", "-5", 0),
    ("-5", "5", 0),
    ("1", "1.0", 1),
    ("4", "4\\%", 0),
    ("50", "5", 0),
]

INTERVALS = [
    ("[-2,7]", "x \\in [-2,7]", 1),
    ("[-2,7]", "[-2, 7]", 1),
    ("[-2,7]", "-2 \\le x \\le 7", 1),
    ("[-2,7]", "-2 \\leq x \\leq 7", 1),
    ("[-2,7]", "-2 < x \\le 7", 0),
    ("[-2,7]", "(-2,7)", 0),
    ("x \\in [-2,7]", "-2 \\le x \\le 7", 1),
    ("x \\in [-2,7]", "[-2,7]", 1),
    ("(0,1)", "0<f(x)<1", 1),
    ("(0,1)", "0<x<1", 1),
    ("(0,1)", "0 \\le x < 1", 0),
    ("(0,1]", "0 < x \\le 1", 1),
    ("(0,1]", "(0,1)", 0),
    ("(-\\infty,-1]\\cup[1,\\infty)", "x \\le -1 \\text{ or } x \\ge 1", 1),
    ("(-\\infty,-1]\\cup[1,\\infty)", "(-\\infty,-1] \\cup [1,+\\infty)", 1),
    ("(-\\infty,-1]\\cup[1,\\infty)", "x < -1 \\text{ or } x > 1", 0),
    ("(-\\infty,-1]\\cup[1,\\infty)", "[-1,1]", 0),
    ("(5,\\infty)", "x>5", 1),
    ("(5,\\infty)", "x \\ge 5", 0),
    ("(5,\\infty)", "(5, +\\infty)", 1),
    ("(-\\infty, 3)", "x<3", 1),
    ("(-\\infty, 3)", "x \\le 3", 0),
    ("[2,\\infty)", "y \\geq 2", 1),
    ("[2,\\infty)", "[2, \\infty)", 1),
    ("(-3,2)", "-3<x<2", 1),
    ("(-3,2)", "-2<x<3", 0),
    ("(-\\infty,-2)\\cup(3,\\infty)", "x<-2 \\text{ or } x>3", 1),
    ("(-\\infty,-2)\\cup(3,\\infty)", "(-\\infty,-2)\\cup(3,\\infty)", 1),
    ("(-\\infty,-2)\\cup(3,\\infty)", "(-2,3)", 0),
    ("[1,4)", "1 \\le x < 4", 1),
    ("[1,4)", "1 \\le x \\le 4", 0),
    ("x>5", "(5,\\infty)", 1),
    ("-1 \\le x \\le 1", "[-1,1]", 1),
    ("-1 \\le x \\le 1", "(-1,1)", 0),
]

EQUATIONS = [
    ("2x+4y-3=0", "y=-\\frac{1}{2}x+\\frac{3}{4}", 1),
    ("y=-\\frac{1}{2}x+\\frac{3}{4}", "2x+4y-3=0", 1),
    ("2x+4y-3=0", "y=-\\frac{1}{2}x+\\frac{1}{4}", 0),
    ("\\frac{x^2}{4}+\\frac{y^2}{3}=1", "\\frac{x^2}{16}+\\frac{y^2}{12}=\\frac14", 1),
    ("\\frac{x^2}{4}+\\frac{y^2}{3}=1", "3x^2+4y^2=12", 1),
    ("\\frac{x^2}{4}+\\frac{y^2}{3}=1", "\\frac{x^2}{3}+\\frac{y^2}{4}=1", 0),
    ("34x+45y-20z+100=0", "-34x-45y+20z-100=0", 1),
    ("34x+45y-20z+100=0", "34x+45y-20z-100=0", 0),
    ("y=2x+3", "2x-y+3=0", 1),
    ("y=2x+3", "y=3x+2", 0),
    ("x^2+y^2=25", "y^2+x^2=25", 1),
    ("x^2+y^2=25", "x^2+y^2=5", 0),
    ("(x-1)^2+(y+2)^2=4", "x^2-2x+y^2+4y+1=0", 1),
    ("(x-1)^2+(y+2)^2=4", "x^2-2x+y^2+4y-1=0", 0),
    ("y^2=8x", "y^2-8x=0", 1),
    ("y^2=8x", "x^2=8y", 0),
    ("x+y+z=1", "2x+2y+2z=2", 1),
    ("x-2y+z=0", "-x+2y-z=0", 1),
    ("x-2y+z=0", "x+2y+z=0", 0),
    ("y=x^2-4x+3", "y=(x-1)(x-3)", 1),
    ("y=x^2-4x+3", "y=(x+1)(x+3)", 0),
    ("a_n=2n-1", "a_n=2n-1", 1),
    ("a_n=2n-1", "a_n=2n+1", 0),
    ("f(x)=x^{3}", "f(x)=x^3", 1),
    ("k=45", "45", 1),
    ("45", "k=45", 1),
    ("k=45", "k=44", 0),
]

LABELS_REORDERED = [
    ("a_3 = 2, a_{37} = 19", "a_{37} = 19, a_3 = 2", 1),
    ("a_3 = 2, a_{37} = 19", "a_{37} = 2, a_3 = 19", 0),
    ("x=1, y=2", "y=2, x=1", 1),
    ("x=1, y=2", "x=2, y=1", 0),
    ("m=3, n=-1", "n=-1, m=3", 1),
    ("p=2, q=5", "q=5, p=2", 1),
    ("p=2, q=5", "p=5, q=2", 0),
    ("a=4, b=\\frac{1}{2}", "b=0.5, a=4", 1),
]

CHOICES = [
    ("E", "\\textbf{(E) }12", 1),
    ("E", "\\textbf{(D) }10", 0),
    ("E", "(E)", 1),
    ("E", "E", 1),
    ("E", "\\text{(E)}", 1),
    ("B", "\\text{B}", 1),
    ("B", "\\mathrm{(B)}\\ 7", 1),
    ("B", "(C)", 0),
    ("C", "\\textbf{(C)}", 1),
    ("C", "\\textbf{(A)}", 0),
    ("(A)", "A", 1),
    ("(A)", "\\textbf{(A)}\\ 2", 1),
    ("(A)", "B", 0),
    ("\\textbf{(D)}", "D", 1),
    ("\\textbf{(D)}", "(D) 42", 1),
    ("\\textbf{(D)}", "(E) 42", 0),
    ("D", "\\mathbf{D}", 1),
    ("A", "\\textbf{(A) } \\frac{1}{2}", 1),
    ("A", "\\textbf{(B) } \\frac{1}{2}", 0),
    ("C", "C", 1),
]


def _multibox() -> list[tuple[str, str, str, int, str]]:
    """Several boxes for a multi-part gold, and hedging between boxed candidates."""
    rows = [
        ("1,-2", "The integers are \\boxed{-2} and \\boxed{1}.", 1),
        ("1,-2", "The roots are $\\boxed{1}$ and $\\boxed{-2}$.", 1),
        ("1,-2", "The roots are \\boxed{1} and \\boxed{2}.", 0),
        ("1,-2", "Solving, $x = \\boxed{1}$ or $x = \\boxed{-2}$.", 1),
        ("(2,3)", "So $\\boxed{x=2}$ and $\\boxed{y=3}$.", 1),
        ("(2,3)", "So $\\boxed{x=3}$ and $\\boxed{y=2}$.", 0),
        ("(2,3)", "So $\\boxed{y=3}$ and $\\boxed{x=2}$.", 0),
        ("45, 2", "We find $\\boxed{k = 45}$ and $\\boxed{n = 2}$.", 1),
        ("45, 2", "We find $\\boxed{k = 45}$ and $\\boxed{n = 3}$.", 0),
        ("3, 5", "The two roots are \\boxed{3} and \\boxed{5}.", 1),
        ("3, 5", "The two roots are \\boxed{5} and \\boxed{3}.", 1),
        ("3, 5", "The two roots are \\boxed{3} and \\boxed{4}.", 0),
        ("-1, 4", "Hence $x_1=\\boxed{-1}$, $x_2=\\boxed{4}$.", 1),
        ("-1, 4", "Hence $x_1=\\boxed{-1}$, $x_2=\\boxed{-4}$.", 0),
        ("\\frac{1}{2}, 2", "The solutions are $\\boxed{\\frac12}$ and $\\boxed{2}$.", 1),
        ("\\frac{1}{2}, 2", "The solutions are $\\boxed{0.5}$ and $\\boxed{2}$.", 1),
        ("(1, -1)", "The point is $\\boxed{x=1}$, $\\boxed{y=-1}$.", 1),
        ("(1, -1)", "The point is $\\boxed{x=-1}$, $\\boxed{y=1}$.", 0),
        ("2, 3, 4", "The sides are \\boxed{2}, \\boxed{3} and \\boxed{4}.", 1),
        ("2, 3, 4", "The sides are \\boxed{2}, \\boxed{3} and \\boxed{5}.", 0),
        ("7", "We first get \\boxed{5}; correcting the sign, the final answer is \\boxed{7}.", 1),
        ("7", "Step one gives \\boxed{12}. The final answer is \\boxed{7}.", 1),
        ("7", "The final answer is \\boxed{7}. As a check, \\boxed{7}.", 1),
        ("3", "The answer is \\boxed{3} or \\boxed{5}.", 0),
        ("5", "The answer is \\boxed{3} or \\boxed{5}.", 0),
        ("5", "It is either \\boxed{5} or \\boxed{6}, probably.", 0),
        ("6", "It is either \\boxed{5} or \\boxed{6}, probably.", 0),
        ("12", "Maybe \\boxed{10}, but perhaps \\boxed{12}.", 0),
        ("1,-2", "The root is \\boxed{1} or maybe \\boxed{-2} or \\boxed{3}.", 0),
        ("2", "Possibly \\boxed{2}, alternatively \\boxed{4}.", 0),
        ("4", "Possibly \\boxed{2}, alternatively \\boxed{4}.", 0),
        ("\\frac{1}{2}", "It could be \\boxed{\\frac{1}{2}} or \\boxed{\\frac{1}{3}}.", 0),
    ]
    return [
        ("multi_box", gold, response, label, ISSUE if i < 20 else LIGHTEVAL)
        for i, (gold, response, label) in enumerate(rows)
    ]


def _truncated() -> list[tuple[str, str, str, int, str]]:
    """Responses cut off at the length limit, and finished responses without a box."""
    rows = [
        ("42", "We multiply 6 by 7 to get 42 and then we", 0),
        ("42", "First, 6 times 7 is 42, so the number of apples in each", 0),
        ("12", "The total is 12 when we count the corners, but we still need to subtract the", 0),
        ("5", "Setting x = 5 in the equation gives the value of", 0),
        ("9", "So far we have 9 cases; now consider the case where", 0),
        ("100", "Summing the first 100 terms we get a value that", 0),
        ("3", "<think>Let me try x = 3. Then the left side is", 0),
        ("3", "<think>The answer is 3.</think>\nSo we need to check whether x = 3 satisfies the", 0),
        ("8", "The cube has 8 vertices, and each vertex is adjacent to", 0),
        ("2", "Dividing by 2 we see that the remaining quantity is", 0),
        ("42", "Therefore the answer is 42.", 1),
        ("42", "The final answer is $42$.", 1),
        ("42", "The answer is 42", 1),
        ("\\frac{1}{2}", "So the probability is $\\frac{1}{2}$.", 1),
        ("7", "Hence $x = 7$.", 1),
        ("7", "Hence $x = 8$.", 0),
        ("16", "The area is $16$ square units, as required. We are", 0),
        ("25", "So $5^2 = 25$ and we still need to add the", 0),
        ("6", "<think>Counting gives 6 ways. Let me double check by listing the", 0),
        ("6", "<think>Counting gives 6 ways.</think>\nThere are $6$ ways.", 1),
    ]
    return [
        ("truncated", gold, response, label, MV if i < 10 else QWEN)
        for i, (gold, response, label) in enumerate(rows)
    ]


def _dataset_quirks() -> list[tuple[str, str, str, int, str]]:
    """Our data's formats: JSON-list golds, thinking tags, answers boxed only while thinking."""
    rows = [
        ('["1156"]', "The count is \\boxed{1156}.", 1),
        ('["1156"]', "The count is \\boxed{1,156}.", 1),
        ('["1156"]', "The count is \\boxed{1165}.", 0),
        ('["\\\\frac{3}{4}", "0.75"]', "So \\boxed{0.75}.", 1),
        ('["\\\\frac{3}{4}", "0.75"]', "So \\boxed{\\frac34}.", 1),
        ('["\\\\frac{3}{4}", "0.75"]', "So \\boxed{\\frac43}.", 0),
        ('["18"]', "<think>I get \\boxed{18}</think>\nThe answer is \\boxed{18}.", 1),
        ('["18"]', "<think>I get \\boxed{18}, let me verify that the", 0),
        ('["18"]', "<think>I get \\boxed{18}</think>\nOn reflection the answer is \\boxed{17}.", 0),
        ('["18"]', "<think>\\boxed{18}</think>", 0),
        ("[-2,7]", "The range is \\boxed{[-2,7]}.", 1),
        ("[-2,7]", "The range is \\boxed{-2,7}.", 0),
        ("[1, 3]", "So $x \\in \\boxed{[1,3]}$.", 1),
        (
            "\\left( 3, \\frac{\\pi}{2} \\right)",
            "In polar form \\boxed{\\left(3, \\frac{\\pi}{2}\\right)}.",
            1,
        ),
        ("\\left( 3, \\frac{\\pi}{2} \\right)", "In polar form \\boxed{(3, \\frac{\\pi}{4})}.", 0),
        ("90^\\circ", "The angle is \\boxed{90^{\\circ}}.", 1),
        ("90^\\circ", "The angle is \\boxed{\\frac{\\pi}{2}}.", 1),
        ("90^\\circ", "The angle is \\boxed{45^\\circ}.", 0),
        ("\\text{Evelyn}", "The winner is \\boxed{\\text{Evelyn}}.", 1),
        ("\\text{Evelyn}", "The winner is \\boxed{Evelyn}.", 1),
        ('["-\\\\frac{1}{2}"]', "\\boxed{-\\frac{1}{2}}", 1),
        ('["-\\\\frac{1}{2}"]', "\\boxed{\\frac{1}{2}}", 0),
        ('["2"]', "\\fbox{2}", 1),
        ('["2"]', "The answer is $\\boxed{\\textbf{2}}$", 1),
        ('["10"]', "\\boxed{10\\text{ cm}}", 1),
        ('["10"]', "\\boxed{10\\,\\text{units}}", 1),
        ('["10"]', "\\boxed{100\\text{ cm}}", 0),
        ('["5"]', "", 0),
        ('["5"]', "<think></think>", 0),
        ('["5"]', "\\boxed{}", 0),
    ]
    return [
        ("dataset_quirks", gold, response, label, OURS if i < 20 else VERL)
        for i, (gold, response, label) in enumerate(rows)
    ]


def all_cases() -> list[Case]:
    """Every labeled case, in a fixed order, with its split."""
    raw = (
        _boxed_family("equivalent_forms", MV, EQUIVALENT_FORMS)
        + _boxed_family("numeric_strictness", QWEN, NUMERIC_STRICTNESS)
        + _boxed_family("intervals", MV, INTERVALS)
        + _boxed_family("equations", NEMO, EQUATIONS)
        + _boxed_family("labels_reordered", RLLM, LABELS_REORDERED)
        + _boxed_family("choices", LIGHTEVAL, CHOICES)
        + _multibox()
        + _truncated()
        + _dataset_quirks()
    )
    cases, counts = [], {}
    for family, gold, response, label, source in raw:
        counts[family] = counts.get(family, 0) + 1
        case_id = f"{family}-{counts[family]:03d}"
        cases.append(Case(case_id, family, gold, response, label, source, _split(case_id)))
    return cases


def as_dicts() -> list[dict]:
    return [asdict(case) for case in all_cases()]
