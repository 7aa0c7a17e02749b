"""Find the final answer in a response: pure string scanning, no sympy, safe on any input size.

The final answer is the last `\\boxed{...}` (or `\\fbox{...}`) after the last `</think>`. A response
whose `<think>` is never closed was cut off mid-thought, so it has no answer region at all.
"""

from __future__ import annotations

import re

_BOX_RE = re.compile(r"\\(?:boxed|fbox)\s*\{")
THINK_OPEN = "<think>"
THINK_CLOSE = "</think>"


def answer_region(solution_str: str) -> str | None:
    """Text that may hold the final answer, or None when the thinking was never closed (truncated)."""
    close = solution_str.rfind(THINK_CLOSE)
    if close >= 0:
        return solution_str[close + len(THINK_CLOSE) :]
    if THINK_OPEN in solution_str:
        return None
    return solution_str


_BRACE_RE = re.compile(r"[{}]")


def _closing_braces(text: str) -> dict[int, int]:
    """Map each `{` position to its matching `}` position in one linear pass (unclosed ones are absent)."""
    closing: dict[int, int] = {}
    stack: list[int] = []
    for match in _BRACE_RE.finditer(text):
        if match.group() == "{":
            stack.append(match.start())
        elif stack:
            closing[stack.pop()] = match.start()
    return closing


def boxed_spans(region: str) -> list[tuple[int, int, str]]:
    """(start, end, content) of every complete `\\boxed{}`/`\\fbox{}` in `region`, in order (unclosed ones skipped).

    Linear in the length of `region`, so unbalanced braces or a huge response cannot make it crawl.
    """
    starts = [(match.start(), match.end() - 1) for match in _BOX_RE.finditer(region)]
    if not starts:
        return []
    closing = _closing_braces(region)
    return [
        (at, closing[brace] + 1, region[brace + 1 : closing[brace]])
        for at, brace in starts
        if brace in closing
    ]


def boxed_answers(region: str) -> list[str]:
    """Contents of every complete boxed answer in `region`, in order."""
    return [content for _, _, content in boxed_spans(region)]


def last_boxed(solution_str: str) -> str | None:
    """Content of the last complete boxed answer after the last `</think>`, stripped; None if none."""
    region = answer_region(solution_str)
    answers = boxed_answers(region) if region is not None else []
    return answers[-1].strip() if answers else None


def format_ok(solution_str: str) -> bool:
    """The seed's format check: thinking (if any) is closed and exactly one complete boxed answer follows it."""
    region = answer_region(solution_str)
    return region is not None and len(boxed_answers(region)) == 1
