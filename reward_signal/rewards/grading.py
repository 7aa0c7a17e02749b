"""Rule-based grading: extract the final answer, settle easy cases exactly, send the rest to the guarded pool."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass

from reward_signal.common.ground_truth import ground_truth_answers
from reward_signal.rewards import answer_rules, choice, extraction, verification
from reward_signal.rewards.exact import exact_verdict, normalise
from reward_signal.rewards.pool import Outcome, get_pool, reset_pool

DEFAULT_TIMEOUT = 5.0


@dataclass(frozen=True)
class Grade:
    """Verdict on one response. `timed_out` means the bound was hit (scored incorrect)."""

    correct: bool
    pred: str | None
    timed_out: bool
    format_ok: bool


def _exact(pred: str, golds: tuple[str, ...]) -> bool | None:
    """True if any gold matches exactly, False if every gold is decidably different, else None."""
    verdicts = [_lettered_verdict(pred, gold) for gold in golds]
    if any(verdicts):
        return True
    return False if all(v is False for v in verdicts) else None


def _lettered_verdict(pred: str, gold: str) -> bool | None:
    """A math set's lettered gold (`E`, `(E)`) against the letter an answer states (`\\textbf{(E) }12`,
    read by choice.py); other golds, or answers stating no letter, go to the exact path."""
    if answer_rules.is_bare_letter(gold):
        answered = choice.letter_of(pred)
        if answered is not None:
            return answered == choice.letter_of(gold)
    return exact_verdict(pred, gold)


def final_answer(region: str, golds: tuple[str, ...]) -> tuple[str | None, bool]:
    """(the answer to grade, hedged) from the boxed answers of the answer region.

    One distinct box: that box. As many distinct boxes as a gold answer has parts: the boxes combined
    into one answer. More distinct boxes than that with a hedging word between two of them: hedged (no
    answer is paid). Otherwise the last box, as math-verify takes it.
    """
    spans = extraction.boxed_spans(region)
    if not spans:
        return None, False
    seen: dict[str, tuple[int, int, str]] = {}
    for start, end, content in spans:
        seen.setdefault(normalise(content), (start, end, content.strip()))
    distinct = list(seen.values())
    last = spans[-1][2].strip()
    if len(distinct) < 2:
        return last, False
    parts = max(len(answer_rules.gold_parts(gold)) for gold in golds)
    combined = answer_rules.combined_answer([content for _, _, content in distinct], golds)
    if combined is not None:
        return combined, False
    if len(distinct) > parts and answer_rules.hedged(region, [(a, b) for a, b, _ in distinct]):
        return None, True
    return last, False


def _fast_grade(
    solution_str: str, golds: tuple[str, ...], truncated: bool = False
) -> tuple[Grade | None, str | None, str]:
    """A Grade decided without sympy (or None), plus the answer and answer region for the slow path."""
    ok = extraction.format_ok(solution_str)
    region = extraction.answer_region(solution_str)
    if region is None:  # thinking never closed: truncated, no answer
        return Grade(False, None, False, ok), None, ""
    boxed, hedging = final_answer(region, golds)
    if hedging:
        return Grade(False, None, False, ok), None, region
    if boxed is not None:
        verdict = _exact(boxed, golds)
        if verdict is not None:
            return Grade(verdict, boxed, False, ok), boxed, region
    elif not region.strip() or truncated or answer_rules.stops_mid_sentence(region):
        # No box, and the response hit the length limit or stops mid-sentence: its last number is not an answer.
        return Grade(False, None, False, ok), None, region
    return None, boxed, region


class _VerdictMemo:
    """Settled sympy verdicts for (boxed answer, golds): responses to one prompt often share an answer.

    Timeouts and failures are not remembered, so a sample that overran once is tried again next time.
    """

    def __init__(self, capacity: int = 65536) -> None:
        self._items: dict[tuple[str, tuple[str, ...]], tuple[bool, str | None]] = {}
        self._capacity = capacity
        self._lock = threading.Lock()
        self.hits = 0  # verdicts served from memory (benchmarks report them)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def get(self, boxed: str | None, golds: tuple[str, ...]) -> tuple[bool, str | None] | None:
        found = None if boxed is None else self._items.get((boxed, golds))
        if found is not None:
            with self._lock:
                self.hits += 1
        return found

    def put(self, boxed: str | None, golds: tuple[str, ...], outcome: Outcome) -> tuple[bool, str | None]:
        if outcome.value is None:
            return False, boxed
        if boxed is not None:
            with self._lock:
                if len(self._items) >= self._capacity:
                    self._items.clear()
                self._items[(boxed, golds)] = outcome.value
        return outcome.value


_MEMO = _VerdictMemo()


def remembered_verdicts() -> int:
    """How many verdicts so far came from the memo instead of sympy (benchmarks report it)."""
    return _MEMO.hits


def start_cold() -> None:
    """Forget remembered verdicts and restart the workers (benchmarks compare cold starts this way)."""
    _MEMO.clear()
    reset_pool()


def _known(
    solution_str: str, golds: tuple[str, ...], truncated: bool = False
) -> tuple[Grade | None, str | None, str]:
    """The fast verdict or a remembered one (or None), plus what the slow path needs."""
    fast, boxed, region = _fast_grade(solution_str, golds, truncated)
    if fast is None:
        known = _MEMO.get(boxed, golds)
        if known is not None:
            fast = Grade(known[0], known[1], False, extraction.format_ok(solution_str))
    return fast, boxed, region


def _settled(solution_str: str, golds: tuple[str, ...], boxed: str | None, outcome: Outcome) -> Grade:
    correct, pred = _MEMO.put(boxed, golds, outcome)
    return Grade(bool(correct), pred, outcome.timed_out, extraction.format_ok(solution_str))


def _choice_grade(solution_str: str, ground_truth: str, data_source: str | None) -> Grade | None:
    """A multiple-choice benchmark's sample graded by its option letter (see choice.py); None otherwise."""
    gold = choice.gold_letter(ground_truth) if choice.is_choice_source(data_source) else None
    if gold is None:
        return None
    correct, chosen = choice.choice_correct(solution_str, gold)
    return Grade(correct, chosen, False, extraction.format_ok(solution_str))


def grade(
    solution_str: str,
    ground_truth: str,
    timeout: float = DEFAULT_TIMEOUT,
    data_source: str | None = None,
    *,
    truncated: bool = False,
) -> Grade:
    """Rule-based verdict (math-verify and the answer rules, or the option letter for a multiple-choice
    `data_source`); the sympy work gets `timeout` seconds once it starts in a worker (then it is killed).
    `truncated`: the response hit the length limit (only a boxed answer counts)."""
    lettered = _choice_grade(solution_str, ground_truth, data_source)
    if lettered is not None:
        return lettered
    golds = ground_truth_answers(ground_truth)
    known, boxed, region = _known(solution_str, golds, truncated)
    if known is not None:
        return known
    outcome = get_pool().run(verification.verify_answer, (boxed, region, golds), timeout)
    return _settled(solution_str, golds, boxed, outcome)


def grade_many(
    solutions: list[str],
    ground_truths: list[str],
    timeout: float = DEFAULT_TIMEOUT,
    progress: bool = False,
    data_sources: Sequence[str | None] | None = None,
    truncated: Sequence[bool] | None = None,
) -> list[Grade]:
    """Grade a batch in parallel over the reused pool: exact and multiple-choice cases in-process, the rest
    in workers. `data_sources` (one per solution) marks the multiple-choice benchmarks' samples;
    `truncated[i]` says response i hit the length limit (then only a boxed answer counts)."""
    if len(solutions) != len(ground_truths):
        raise ValueError(f"{len(solutions)} solutions but {len(ground_truths)} ground truths")
    sources = list(data_sources) if data_sources is not None else [None] * len(solutions)
    cut = list(truncated) if truncated is not None else [False] * len(solutions)
    grades: list[Grade | None] = []
    pending: list[int] = []
    work: list[tuple[str | None, str, tuple[str, ...]]] = []
    rows = zip(solutions, ground_truths, sources, cut, strict=True)
    for index, (solution, truth, source, cut_off) in enumerate(rows):
        lettered = _choice_grade(solution, truth, source)
        if lettered is not None:
            grades.append(lettered)
            continue
        golds = ground_truth_answers(truth)
        known, boxed, region = _known(solution, golds, cut_off)
        grades.append(known)
        if known is None:
            pending.append(index)
            work.append((boxed, region, golds))
    bar = _progress(len(solutions), progress)
    bar.update(len(solutions) - len(pending))
    outcomes = get_pool().run_many(verification.verify_answer, work, timeout, on_done=lambda: bar.update(1))
    bar.close()
    for index, args, outcome in zip(pending, work, outcomes, strict=True):
        grades[index] = _settled(solutions[index], args[2], args[0], outcome)
    return [g for g in grades if g is not None]


def _progress(total: int, enabled: bool):  # noqa: ANN202 - tqdm is imported lazily
    from tqdm import tqdm

    return tqdm(total=total, disable=not enabled, desc="grading", unit="sample")


def extract_answer(solution_str: str, timeout: float = DEFAULT_TIMEOUT) -> str | None:
    """Last boxed answer after the last `</think>`; without one, math-verify's extraction (guarded)."""
    region = extraction.answer_region(solution_str)
    if region is None:
        return None
    boxed = extraction.last_boxed(solution_str)
    if boxed is not None or not region.strip() or answer_rules.stops_mid_sentence(region):
        return boxed
    return get_pool().run(verification.fallback_answer, (region,), timeout).value


def same_answer(first: str, second: str, timeout: float = DEFAULT_TIMEOUT) -> bool:
    """math-verify equivalence of two extracted answers; identical strings and exact cases skip sympy."""
    if normalise(first) == normalise(second):
        return True
    verdict = exact_verdict(first, second)
    if verdict is not None:
        return verdict
    return bool(get_pool().run(verification.same_answer_worker, (first, second), timeout).value)
