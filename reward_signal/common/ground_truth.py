"""The two ground-truth formats of the seed data, read the same way by the grader, the validator and
the label corruptor: training sets store a JSON list string of accepted answers (`["1156"]`), evaluation
sets one plain LaTeX string. Only a JSON list *of strings* is a list: `[1, 3]` or `[-2,7]` is an interval."""

from __future__ import annotations

import json
from functools import lru_cache


def _answer_list(ground_truth: str) -> list[str] | None:
    text = ground_truth.strip()
    if not text.startswith("["):
        return None
    try:
        parsed = json.loads(text)
    except ValueError:
        return None
    if isinstance(parsed, list) and all(isinstance(item, str) for item in parsed):
        return parsed
    return None


def is_answer_list(ground_truth: str) -> bool:
    """True for the training sets' JSON-list format (so rewritten labels keep the source's format)."""
    return _answer_list(ground_truth) is not None


@lru_cache(maxsize=65536)
def ground_truth_answers(ground_truth: str) -> tuple[str, ...]:
    """Accepted answers, stripped; an empty JSON list gives none (the validator reports it)."""
    items = _answer_list(ground_truth)
    if items is None:
        return (ground_truth.strip(),)
    return tuple(item.strip() for item in items)
