"""Find training prompts that overlap evaluation problems: shared word n-grams plus exact matches.

Text is normalised first (case, whitespace, LaTeX spacing and sizing commands, `\\dfrac`/`\\tfrac`,
`$` and braces folded) so the same problem typed twice still matches. N-grams found in several
different problems (answer-format boilerplate such as "where m and n are relatively prime positive
integers", or Asymptote drawing preambles) say nothing about leakage and are ignored. A training
prompt is flagged against an eval problem when they are identical after normalisation, or when the
share of the eval problem's non-boilerplate n-grams that also occur in the prompt reaches `min_overlap`.
Each side is hashed once and looked up in a dictionary, so the 8K set against all four benchmarks
takes a few seconds.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from reward_signal.common.errors import DataError

DEFAULT_NGRAM = 13
DEFAULT_MIN_OVERLAP = 0.5
DEFAULT_BOILERPLATE_DF = 3  # an n-gram in this many different problems is boilerplate

_SPACING = re.compile(r"\\(?:[,;:! ]|q?quad\b|left\b|right\b|displaystyle\b|[bB]igg?[lr]?\b)|~")
_FRAC_VARIANTS = re.compile(r"\\[dt]frac\b")
_TOKEN = re.compile(r"\\[a-z]+|[a-z0-9]+|[^\sa-z0-9{}$\\]")


def normalise(text: str) -> list[str]:
    """Tokens of `text` with case, whitespace and LaTeX spacing folded."""
    text = _FRAC_VARIANTS.sub(r"\\frac", _SPACING.sub(" ", text.lower()))
    return _TOKEN.findall(text)


def ngram_hashes(tokens: Sequence[str], n: int) -> set[int]:
    """Hashes of the distinct word n-grams; a text shorter than n counts as one n-gram."""
    if len(tokens) < n:
        return {hash(" ".join(tokens))} if tokens else set()
    return {hash(" ".join(tokens[i : i + n])) for i in range(len(tokens) - n + 1)}


def problem_text(row: dict[str, Any], row_number: int) -> str:
    """The problem as the model sees it: the last user message of `prompt`."""
    prompt = row.get("prompt") or []
    users = [m.get("content") or "" for m in prompt if isinstance(m, dict) and m.get("role") == "user"]
    if not users:
        raise DataError(
            f"row {row_number}: prompt has no user message; run `reward-signal data validate` on the file"
        )
    return users[-1]


@dataclass
class Corpus:
    """Normalised texts of one file, their n-gram hashes, and in how many distinct texts each n-gram occurs."""

    keys: list[str]
    grams: list[set[int]]
    document_frequency: Counter[int]

    @classmethod
    def of(cls, rows: Sequence[dict[str, Any]], n: int, source: Path) -> Corpus:
        if n < 1:
            raise DataError(f"--ngram must be at least 1, got {n}")
        tokens = [normalise(problem_text(row, f"{source}: row {i}")) for i, row in enumerate(rows)]
        keys = [" ".join(t) for t in tokens]
        grams = [ngram_hashes(t, n) for t in tokens]
        frequency: Counter[int] = Counter()
        first_of_text = {key: i for i, key in reversed(list(enumerate(keys)))}
        for i in first_of_text.values():  # duplicates of one text count once
            frequency.update(grams[i])
        return cls(keys, grams, frequency)


@dataclass(frozen=True)
class Overlap:
    """One training row that shares text with one eval problem."""

    train_row: int
    train_index: int | None
    eval_row: int
    eval_index: int | None
    shared_ngrams: int
    overlap: float  # shared / the eval problem's non-boilerplate n-grams (1.0 = all of it appears)
    exact: bool  # identical after normalisation


@dataclass
class EvalReport:
    """Overlaps of the training file with one eval file."""

    path: str
    rows: int
    pairs: list[Overlap]

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "rows": self.rows,
            "contaminated_train_rows": len({pair.train_row for pair in self.pairs}),
            "contaminated_eval_problems": len({pair.eval_row for pair in self.pairs}),
            "exact_matches": sum(pair.exact for pair in self.pairs),
            "pairs": [asdict(pair) for pair in sorted(self.pairs, key=lambda p: (-p.overlap, p.train_row))],
        }


def _index(row: dict[str, Any]) -> int | None:
    info = row.get("extra_info")
    return info.get("index") if isinstance(info, dict) else None


def compare(
    train_rows: Sequence[dict[str, Any]],
    train: Corpus,
    eval_rows: Sequence[dict[str, Any]],
    evaluation: Corpus,
    eval_path: str,
    min_overlap: float = DEFAULT_MIN_OVERLAP,
    boilerplate_df: int = DEFAULT_BOILERPLATE_DF,
) -> EvalReport:
    """Pairs (train row, eval problem) that are identical or overlap by at least `min_overlap`."""
    postings: dict[int, list[int]] = {}
    informative = [0] * len(evaluation.grams)
    for j, grams in enumerate(evaluation.grams):
        for gram in grams:
            if train.document_frequency[gram] + evaluation.document_frequency[gram] < boilerplate_df:
                postings.setdefault(gram, []).append(j)
                informative[j] += 1
    exact_keys = {key: j for j, key in enumerate(evaluation.keys) if key}
    pairs = []
    for i, grams in enumerate(train.grams):
        hits = Counter(j for gram in grams if gram in postings for j in postings[gram])
        exact = exact_keys.get(train.keys[i])
        if exact is not None:
            hits.setdefault(exact, 0)
        for j, shared in hits.items():
            overlap = 1.0 if j == exact else round(shared / informative[j], 4)
            if overlap >= min_overlap:
                pairs.append(
                    Overlap(i, _index(train_rows[i]), j, _index(eval_rows[j]), shared, overlap, j == exact)
                )
    return EvalReport(eval_path, len(eval_rows), pairs)


def find_contamination(
    train: Path,
    evals: Mapping[str, Path],
    n: int = DEFAULT_NGRAM,
    min_overlap: float = DEFAULT_MIN_OVERLAP,
    boilerplate_df: int = DEFAULT_BOILERPLATE_DF,
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The training rows and the JSON report (per eval set, keyed like `evals`: counts and flagged pairs)."""
    from reward_signal.data.parquet import read_rows

    if not 0 < min_overlap <= 1:
        raise DataError(f"--min-overlap must be in (0, 1], got {min_overlap}")
    train_rows = read_rows(train)
    train_corpus = Corpus.of(train_rows, n, train)
    reports = {}
    for name, path in evals.items():
        eval_rows = read_rows(path, columns=["prompt", "extra_info"])
        evaluation = Corpus.of(eval_rows, n, path)
        report = compare(
            train_rows, train_corpus, eval_rows, evaluation, str(path), min_overlap, boilerplate_df
        )
        reports[name] = report.to_json()
    flagged = sorted({pair["train_row"] for report in reports.values() for pair in report["pairs"]})
    summary = {
        "train": str(train),
        "train_rows": len(train_rows),
        "ngram": n,
        "min_overlap": min_overlap,
        "boilerplate_df": boilerplate_df,
        "contaminated_train_rows": len(flagged),
        "flagged_train_rows": flagged,
        "eval": reports,
    }
    return train_rows, summary
