"""The multiple-choice letter grader: which letter a response chose, gold forms, and where it is used."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reward_signal.rewards import grade, grade_many, score
from reward_signal.rewards.choice import chosen_letter, gold_letter, is_choice_source
from reward_signal.rewards.records import is_validation
from reward_signal.rewards.verl_entry import compute_score_batch

TABLE = Path(__file__).resolve().parents[2] / "assets" / "rewards" / "choice_responses.jsonl"


@pytest.mark.parametrize(
    ("response", "letter"),
    [
        ("\\boxed{C}", "C"),
        ("\\boxed{(C)}", "C"),
        ("\\boxed{\\text{C}}", "C"),
        ("\\boxed{C. x = 42}", "C"),
        ("\\boxed{\\textbf{(E) }12}", "E"),
        ("The answer is C", "C"),
        ("Answer: (B)", "B"),
        ("**C**", "C"),
        ("<think>A looks wrong.</think> The answer is $\\boxed{J}$.", "J"),
        ("答案是 C", "C"),
        ("La respuesta correcta es la C.", "C"),
        ("Ответ: D", "D"),
        ("Option A is wrong. Option B is correct.", "B"),
    ],
)
def test_the_chosen_letter_is_found(response: str, letter: str) -> None:
    assert chosen_letter(response) == letter


@pytest.mark.parametrize(
    "response",
    [
        "\\boxed{A, C}",
        "The answer is A or C",
        "\\boxed{A} at first, then \\boxed{C}",
        "\\boxed{42}",
        "so the answer is a bit subtle",
        "The answer is I think C",
        "I cannot decide.",
        "<think>Option C looks promising",
        "",
    ],
)
def test_two_letters_or_none_choose_nothing(response: str) -> None:
    assert chosen_letter(response) is None


@pytest.mark.parametrize(
    ("gold", "letter"), [("C", "C"), ("(D) Alina", "D"), ("\\text{(B) }12", "B"), ("J", "J"), ("42", None)]
)
def test_gold_forms(gold: str, letter: str | None) -> None:
    assert gold_letter(gold) == letter


def test_multiple_choice_is_decided_by_the_data_source_not_the_response() -> None:
    lettered = grade("The answer is C.", "C", data_source="stem__gpqa_diamond")
    assert (lettered.correct, lettered.pred) == (True, "C")
    # The same response and gold in a math set are graded by math-verify, which finds no boxed C.
    assert not grade("The answer is C.", "C", data_source="test-math-aime24").correct
    assert is_choice_source("mmlu_sci") and is_choice_source("stem__supergpqa")
    assert not is_choice_source("scp_10240") and not is_choice_source(None)


def test_batch_and_verl_entry_use_the_letter_grader() -> None:
    responses = ["\\boxed{(B)}", "\\boxed{\\text{B}}", "Answer: (B)", "\\boxed{B, D}", "\\boxed{49}"]
    golds = ["B", "B", "B", "B", "49"]
    sources = ["stem__supergpqa"] * 4 + ["test-math-scp-very-difficult"]
    assert [g.correct for g in grade_many(responses, golds, data_sources=sources)] == [True] * 3 + [
        False,
        True,
    ]
    records = compute_score_batch(sources, responses, golds, [{"split": "test"}] * 5, reward_type="random")
    assert [r["score"] for r in records] == [1.0, 1.0, 1.0, 0.0, 1.0]
    assert score("Answer: (B)", "B", data_source="mmlu_sci")["acc"] == 1.0


@pytest.mark.parametrize(
    "source",
    [
        "stem__gpqa_diamond",
        "stem__supergpqa",
        "mmlu_sci",
        "stem__mmlu",
        "test-math-scp-difficult",
        "test-scp-x",
        "logic__arcagi",
        "logic__zebra_puzzle",
    ],
)
def test_science_and_stem_sources_are_validation_even_without_split(source: str) -> None:
    assert is_validation(source, None)
    assert is_validation(source, {"split": "train", "index": 3})


def test_science_training_source_is_not_validation() -> None:
    assert not is_validation("scp_10240", {"split": "train", "index": "14733"})


def test_labeled_table_accuracy_is_at_least_98_percent() -> None:
    """The table of real-phrasing responses (docs/science.md has the labeling rule); bench/choice_grader.py
    prints the same figure beside the seed grader's."""
    rows = [json.loads(line) for line in TABLE.read_text(encoding="utf-8").splitlines()]
    assert len(rows) >= 150
    hits = sum(
        (gold_letter(r["gold"]) == chosen_letter(r["response"]) is not None) == bool(r["label"]) for r in rows
    )
    assert hits / len(rows) >= 0.98
