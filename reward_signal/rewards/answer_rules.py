"""The answer rules beyond math-verify's own equivalence that need no sympy: which text is the final answer.

Each rule is documented in docs/rewards.md ("Answer rules") and exercised family by family by the labeled
benchmark (bench/grader_cases.jsonl). None of them loosens numeric equivalence: they only decide *what*
is compared (several boxes, a lettered choice) or that there is nothing to compare (hedging, truncation).
"""

from __future__ import annotations

import re

# Words that, between two boxed answers, mean the response is choosing between candidates.
_HEDGE_RE = re.compile(r"\b(?:or|either|maybe|perhaps|possibly|alternatively|otherwise|unless)\b", re.I)
# A boxed part that names what it answers: `x = 2`, `k=45`, `a_{37} = 19` (label dropped when combining).
_LABEL_RE = re.compile(r"^\s*[A-Za-z](?:_\{?\w+\}?)?(?:\([a-z]\))?\s*=\s*(?=\S)")
_OPEN, _CLOSE = "([{", ")]}"
# A gold answer that is only an option letter: `E`, `(E)`, `\textbf{(E)}` (A-E, the competition sets').
_BARE_LETTER_RE = re.compile(r"^\s*(?:\\(?:textbf|text|mathrm|mathbf)\s*\{\s*)?\(?\s*[A-E]\s*\)?\s*\}?\s*$")
# What can end a finished answer: a digit, punctuation, a closing bracket or `$`, or a LaTeX command
# (`90^\circ`, `\pi`). A response ending in a plain word was cut off mid-sentence.
_FINISHED_END_RE = re.compile(r"(?:[\d.!?)\]}$*|]|\\[A-Za-z]+)\s*$")


def top_level_parts(text: str) -> list[str]:
    """Split at commas outside brackets: `1,-2` has two parts, `(1,2)` one, `\\{1, 2\\}` one."""
    parts, depth, start = [], 0, 0
    for i, char in enumerate(text):
        if char in _OPEN:
            depth += 1
        elif char in _CLOSE:
            depth = max(0, depth - 1)
        elif char == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return [p.strip() for p in parts if p.strip()]


def gold_parts(gold: str) -> list[str]:
    """A gold answer's parts: `1,-2` and `(2, 3)` have two, `[-2, 7]` (an interval) two as well."""
    return _inner_parts(gold)[0]


def _inner_parts(gold: str) -> tuple[list[str], str, str]:
    """A gold answer's parts and the brackets around them: `(2, 3)` gives (['2', '3'], '(', ')')."""
    text = gold.strip()
    # Not `[`: an interval `[-2, 7]` is not the list of its end points.
    for left, right in (("\\left(", "\\right)"), ("(", ")"), ("\\{", "\\}")):
        if text.startswith(left) and text.endswith(right):
            inner = text[len(left) : len(text) - len(right)]
            if len(top_level_parts(inner)) > 1 and top_level_parts(text) == [text]:
                return top_level_parts(inner), left, right
    return top_level_parts(text), "", ""


def _unlabelled(part: str) -> str:
    return _LABEL_RE.sub("", part, count=1)


def hedged(region: str, spans: list[tuple[int, int]]) -> bool:
    """Two different boxed answers with a hedging word between them: the response did not commit."""
    return any(
        _HEDGE_RE.search(region[end:start]) for (_, end), (start, _) in zip(spans, spans[1:], strict=False)
    )


def combined_answer(boxes: list[str], golds: tuple[str, ...]) -> str | None:
    """One answer made of several boxes when a gold answer has exactly that many parts, else None.

    `\\boxed{-2}` and `\\boxed{1}` for gold `1,-2` give `-2, 1` (math-verify compares such lists as sets);
    `\\boxed{x=2}`, `\\boxed{y=3}` for gold `(2,3)` give `(2,3)`: labels are dropped only when every box
    has one, and the gold's brackets are kept, so an ordered pair stays ordered.
    """
    for gold in golds:
        parts, left, right = _inner_parts(gold)
        if len(parts) == len(boxes) > 1:
            labelled = all(_LABEL_RE.match(box) for box in boxes) and not any(
                _LABEL_RE.match(p) for p in parts
            )
            items = [_unlabelled(box) if labelled else box for box in boxes]
            return left + ", ".join(items) + right  # ", ": `1,000` reads as a thousand
    return None


def is_bare_letter(gold: str) -> bool:
    """A math set's gold that is just an option letter (choice.py reads the letter on both sides)."""
    return bool(_BARE_LETTER_RE.match(gold))


def stops_mid_sentence(region: str) -> bool:
    """The text ends in a plain word, not in a number, a formula or punctuation: it was cut off while writing."""
    tail = region.rstrip()
    return bool(tail) and not _FINISHED_END_RE.search(tail)
