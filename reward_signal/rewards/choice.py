"""Multiple-choice grading: find the one option letter a response chose and compare it with the gold letter.

The seed grades GPQA, MMLU and SuperGPQA answers with math-verify, which parses `\\boxed{C}` as the
symbol C and therefore misreads `\\boxed{(C)}` with a following option text, `\\boxed{\\text{C}}` next to
a stray symbol, or an unboxed "The answer is C". Here the letter itself is the answer:

- the gold is an option letter (`C`, `(D) Alina`, `\\text{(B) }12`);
- the response's answer is its last `\\boxed{}` after the thinking, read as a letter (`C`, `(C)`,
  `\\text{C}`, `C. x = 42`, `\\textbf{(E) }12`, `Option C`); without a box, the last answer statement
  ("The answer is C", "Answer: (B)", "**C**", "答案是 C", "La respuesta es (B)", ...);
- a response that names two letters as its answer (`\\boxed{A, C}`, "A or C", two boxes with different
  letters) or none has chosen nothing and scores 0.

Whether a sample is multiple choice is decided by its data: a data source of a multiple-choice benchmark
(`CHOICE_SOURCES`) whose ground truth is a letter. Never by what the response looks like.
Pure string functions: no sympy, no worker pool, linear in the response length.
"""

from __future__ import annotations

import re

from reward_signal.rewards.extraction import answer_region, boxed_answers

# Option letters used by the benchmarks: four for GPQA and MMLU, up to ten (A-J) for SuperGPQA.
LETTERS = "ABCDEFGHIJ"
# data_source substrings of the multiple-choice benchmarks (the seed's STEM validation patterns).
CHOICE_SOURCES = ("stem__gpqa", "stem__supergpqa", "mmlu_sci", "stem__mmlu")

_L = f"[{LETTERS}]"
# LaTeX text wrappers whose argument is kept: \text{(B) }12 -> (B) 12.
_WRAPPER = re.compile(r"\\(?:text|textbf|textit|mathrm|mathbf|mathit|operatorname|mbox)\s*\{([^{}]*)\}")
_NOISE = re.compile(r"[$*_`]|\\[()\[\]]|\\[,;!]|\\quad")
# SuperGPQA's option I is also the pronoun: "the answer is I think C" names no option I.
_NOT_PRONOUN = (
    r"(?!(?<=I)(?:\s*['’](?:m|d|ll|ve)\b|\s+(?:think|believe|guess|am|was|would|will|can|could|must|need|"
    r"should|have|had|feel|know|suspect|recall|mean|chose|choose|go|pick|select)\b))"
)
# A letter standing alone (upper case only: "the answer is a bit" names no option), optionally in
# () or [], not part of a word or a number.
_LONE = rf"(?<![A-Za-z0-9\\])[(\[]?(?P<letter>{_L})[)\]]?(?![A-Za-z0-9]){_NOT_PRONOUN}"
# What makes a second letter part of the same answer: "A, C", "A or C", "(A) and (C)", "A/C", "A 或 C".
_ALSO = re.compile(
    rf"\s*(?:[,/&+;]|(?i:\b(?:and|or|y|o|e|et|ou|und|oder|и|или)\b)|和|或|及)\s*[(\[]?{_L}[)\]]?(?![A-Za-z0-9])"
)
# The answer itself: a leading letter, optionally after a word such as "Option".
_LEADING = re.compile(
    rf"\s*(?:(?i:option|choice|answer|opci[oó]n|réponse|antwort|ответ)\s*[:：]?\s*|选项|選項)?{_LONE}"
)
# Phrases that introduce the chosen answer, in the languages models answer in. Bare "option"/"choice"
# are not among them: an unboxed analysis names every option in turn.
_KEYWORDS = (
    r"answer|correct option|correct choice|best option|best choice|respuesta|opci[oó]n correcta|réponse|"
    r"bonne option|antwort|richtige option|risposta|resposta|ответ|правильный вариант|"
    r"答案|答|選項|选项|정답|답|回答|解答|正解|go with|choose|select|pick|opt for|wähle|elijo|je choisis"
)
_FILLER = (
    r"is|would be|should be|must be|final|correct|correcta|correcte|correta|corretta|richtige|lautet|"
    r"es|est|ist|è|é|la|el|le|die|der|il|a|o|option|choice|opci[oó]n|l'option|вариант"
)
_STATEMENT = re.compile(
    rf"(?i:{_KEYWORDS})(?:\s*(?:[:：=]|(?i:\b(?:{_FILLER})\b)|是|为|為|는|은|は|が))*\s*{_LONE}"
)
# "Option B is correct", "(B) is the correct answer": the letter first, then the verdict.
_VERDICT = re.compile(
    rf"{_LONE}\s*(?i:is\s+(?:the\s+)?(?:correct|right|best)\b|est\s+(?:la\s+)?(?:bonne|correcte)|"
    rf"es\s+(?:la\s+)?correcta|ist\s+richtig)"
)


def is_choice_source(data_source: str | None) -> bool:
    """True for the data sources of the multiple-choice benchmarks (substring match, as the seed's list)."""
    source = str(data_source or "").lower()
    return any(pattern in source for pattern in CHOICE_SOURCES)


def _plain(text: str) -> str:
    """The text with LaTeX text wrappers unwrapped and markup that never carries the answer removed."""
    previous = None
    while previous != text:  # nested wrappers: \text{\textbf{C}}
        previous, text = text, _WRAPPER.sub(r"\1", text)
    return _NOISE.sub("", text).replace("{", "").replace("}", "").strip()


def _single(text: str, match: re.Match[str] | None) -> str | None:
    """The matched letter, unless a second letter follows as part of the same answer ("A or C")."""
    if match is None or _ALSO.match(text, match.end()):
        return None
    return match.group("letter")


def letter_of(answer: str) -> str | None:
    """The option letter an answer string states (`C`, `(C)`, `C. x = 42`, `\\text{(B) }12`, `Option C`),
    or None when it states none or offers two letters (`A, C`, `A or C`)."""
    text = _plain(answer)
    return _single(text, _LEADING.match(text))


def gold_letter(ground_truth: str) -> str | None:
    """The gold option letter of a multiple-choice ground truth (`C`, `(D) Alina`, `\\text{(B) }12`), else None."""
    return letter_of(ground_truth.strip())


def chosen_letter(response: str) -> str | None:
    """The single option letter a response chose, or None (no answer, two letters, or truncated thinking).

    The boxed answers after the thinking decide when there are any: those that state a letter must all
    state the same one. Without a box, the last answer statement in the text does; a response that is nothing but a
    letter (`C`, `(C)`, `**C**`) counts too.
    """
    region = answer_region(response)
    if region is None:
        return None
    boxes = boxed_answers(region)
    if boxes:
        letters = {letter for letter in map(letter_of, boxes) if letter is not None}
        return letters.pop() if len(letters) == 1 else None
    text = _plain(region)
    statements = [*_STATEMENT.finditer(text), *_VERDICT.finditer(text)]
    if statements:
        return _single(text, max(statements, key=lambda match: match.start("letter")))
    if len(text) <= 6:  # the whole answer is a letter: "C", "(C).", "**C**"
        return _single(text, _LEADING.fullmatch(text.rstrip(".")))
    return None


def choice_correct(response: str, gold: str) -> tuple[bool, str | None]:
    """(the response chose the gold letter, the letter it chose); `gold` is a letter from `gold_letter`."""
    chosen = chosen_letter(response)
    return chosen is not None and chosen == gold, chosen
