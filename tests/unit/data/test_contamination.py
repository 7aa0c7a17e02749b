"""Contamination: normalised exact matches, n-gram overlap, boilerplate ignored; seed numbers as in README."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from reward_signal.common.errors import DataError
from reward_signal.data.contamination import find_contamination, normalise
from tests.unit.data.conftest import make_row

BOILER = "The answer can be written as $\\frac{m}{n}$, where $m$ and $n$ are relatively prime positive integers. Find $m+n$."
EVAL = [
    "Let $x$ be the largest real number such that $x^2 - 10x + 21 \\le 0$. " + BOILER,
    "A fair coin is tossed ten times. The probability that no two consecutive tosses are heads is " + BOILER,
    "A bag holds three red and five blue marbles; two are drawn without replacement. The chance both are red is "
    + BOILER,
    "Compute the number of ordered pairs of integers $(a, b)$ with $1 \\le a, b \\le 30$ such that $a^2 + b^2$ "
    "is divisible by $7$ and $a + b$ is odd, and give the count of such pairs.",
]
TRAIN = [
    # 0: eval problem 3 retyped: case, spacing, \dfrac, \left/\right and `\,` differ -> exact after normalisation
    "COMPUTE the number of ordered pairs of integers $\\left(a,b\\right)$ with $1\\le a,\\,b \\le 30$ such that "
    "$a^2+b^2$ is divisible by $7$  and $a+b$ is odd, and give the count of such pairs.",
    # 1: eval problem 1 inside a longer prompt -> flagged by overlap
    "Solve carefully. A fair coin is tossed ten times. The probability that no two consecutive tosses are heads is "
    + BOILER,
    # 2: a new problem sharing only the boilerplate -> not flagged
    "Two dice are rolled. The probability that their product is a perfect square is " + BOILER,
    # 3: unrelated
    "How many positive divisors does 2024 have?",
]


def _write(parquet_file: Callable[..., Path], texts: list[str], name: str, split: str) -> Path:
    rows = [make_row(100 + i, question=text) for i, text in enumerate(texts)]
    for row in rows:
        row["extra_info"]["split"] = split
    return parquet_file(rows, name)


def test_normalise_folds_case_spacing_and_latex() -> None:
    assert normalise("\\left( \\dfrac{1}{2} \\right)\\,X") == normalise("(\\frac{1}{2})  x")


def test_flags_exact_and_overlapping_prompts_but_not_boilerplate(parquet_file: Callable[..., Path]) -> None:
    train = _write(parquet_file, TRAIN, "train.parquet", "train")
    evals = {"bench": _write(parquet_file, EVAL, "bench.parquet", "test")}
    rows, report = find_contamination(train, evals, n=5)
    assert len(rows) == 4
    bench = report["eval"]["bench"]
    pairs = {(p["train_row"], p["eval_row"]): p for p in bench["pairs"]}
    assert set(pairs) == {(0, 3), (1, 1)}
    assert pairs[0, 3]["exact"] and pairs[0, 3]["overlap"] == 1.0
    assert not pairs[1, 1]["exact"] and pairs[1, 1]["overlap"] >= 0.9
    assert pairs[1, 1]["train_index"] == 101 and pairs[1, 1]["eval_index"] == 101
    assert (
        bench["contaminated_train_rows"],
        bench["contaminated_eval_problems"],
        bench["exact_matches"],
    ) == (2, 2, 1)
    assert report["flagged_train_rows"] == [0, 1]


def test_boilerplate_counts_when_df_filter_is_off(parquet_file: Callable[..., Path]) -> None:
    train = _write(parquet_file, TRAIN, "train.parquet", "train")
    evals = {"bench": _write(parquet_file, EVAL, "bench.parquet", "test")}
    _, report = find_contamination(train, evals, n=5, min_overlap=0.3, boilerplate_df=10**6)
    assert 2 in report["flagged_train_rows"]  # shares only the answer-format sentence


def test_bad_parameters(parquet_file: Callable[..., Path]) -> None:
    train = _write(parquet_file, TRAIN, "train.parquet", "train")
    with pytest.raises(DataError, match="--ngram must be at least 1"):
        find_contamination(train, {"t": train}, n=0)
    with pytest.raises(DataError, match="--min-overlap must be in"):
        find_contamination(train, {"t": train}, min_overlap=0)
    no_user = make_row(7)
    no_user["prompt"] = no_user["prompt"][:1]
    broken = parquet_file([make_row(6), no_user], "broken.parquet")
    with pytest.raises(DataError, match=r"broken\.parquet: row 1: prompt has no user message"):
        find_contamination(train, {"b": broken})


SEED_TRAIN = "data/old/train_novel_hybrid_8k_with_gt.parquet"
SEED_EVALS = {"aime2024": "aime2024", "aime2025": "aime2025", "math500": "math500", "amc": "amc_test"}


def test_seed_8k_against_the_benchmarks(seed_data: Path) -> None:
    """The numbers quoted in README's Data section."""
    evals = {name: seed_data / f"data/math/eval_data/{stem}.parquet" for name, stem in SEED_EVALS.items()}
    _, report = find_contamination(seed_data / SEED_TRAIN, evals)
    counts = {name: entry["contaminated_train_rows"] for name, entry in report["eval"].items()}
    assert counts == {"aime2024": 0, "aime2025": 0, "math500": 1, "amc": 0}
    [pair] = report["eval"]["math500"]["pairs"]
    # the same recurrence problem (F(z) = (z+i)/(z-i), z_0 = 1/137 + i) asked for a+b instead of z_2002
    assert (pair["train_index"], pair["eval_index"], pair["exact"], pair["overlap"]) == (
        10839,
        126,
        False,
        0.5745,
    )
