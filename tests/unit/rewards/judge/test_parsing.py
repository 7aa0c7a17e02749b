"""Every reading rule of the seed's judges, on literal replies (malformed, empty and truncated included)."""

from __future__ import annotations

import json

import pytest

from reward_signal.rewards.judge import parsing
from reward_signal.rewards.judge.kinds import JUDGE_KINDS, ORM_PROMPT, PRM_PROMPT
from tests.conftest import ASSETS

CASES = json.loads((ASSETS / "rewards" / "judge_replies.json").read_text())["cases"]


@pytest.mark.parametrize(("reader", "reply", "score", "verdict", "step_avg"), CASES)
def test_reader(reader: str, reply: str, score: float, verdict: float | None, step_avg: float | None) -> None:
    reading = getattr(parsing, reader)(reply)
    assert reading.score == pytest.approx(score)
    assert reading.verdict == verdict
    assert reading.step_avg == (None if step_avg is None else pytest.approx(step_avg))


def test_every_reader_is_covered_by_the_table() -> None:
    assert {kind.read.__name__ for kind in JUDGE_KINDS.values()} <= {case[0] for case in CASES}


def test_step_rewards_for_step_level_advantage() -> None:
    reply = "Step 1: Correct\nStep 2: Incorrect\nStep 3: Correct\n**Verification: Is the answer correct (Yes/No)? No**"
    assert parsing.read_step_rewards(reply).steps == (1.0, 0.0, 1.0)
    assert parsing.read_step_rewards("garbled").steps == (0.0,)
    assert parsing.read_step_rewards("").steps == (0.0,)


GOOD = "<think>work</think> The answer is <answer>\\boxed{42}</answer>"


@pytest.mark.parametrize(
    ("solution", "ok"),
    [
        (GOOD, True),
        (GOOD + "\n\n", True),
        (GOOD + " trailing words", False),
        ("<answer>42</answer>", False),  # no box
        ("\\boxed{41} then <answer>\\boxed{42}</answer>", False),  # two boxes
        ("\\boxed{42}", False),  # no answer block
        ("<answer>\\boxed{42}</answer><answer>again</answer>", False),
        ("<answer>\\boxed{42}", False),  # unclosed answer block (truncated)
        ("<answer>\\boxed{\\frac{1}{2}}</answer>", True),
    ],
)
def test_novel_format_check(solution: str, ok: bool) -> None:
    assert parsing.novel_format_ok(solution) is ok


def test_cut_after_answer_keeps_text_up_to_the_last_closing_tag() -> None:
    assert parsing.cut_after_answer(GOOD + " trailing words") == GOOD
    assert parsing.cut_after_answer("  no tags  ") == "  no tags  "
    # The seed's greedy match cuts after the last </answer>, so a repeated block stays and fails the gate.
    twice = "<answer>\\boxed{1}</answer> and <answer>2</answer> tail"
    assert parsing.cut_after_answer(twice) == "<answer>\\boxed{1}</answer> and <answer>2</answer>"
    assert not parsing.novel_format_ok(parsing.cut_after_answer(twice))


def test_prompts_are_the_seeds() -> None:
    assert (
        ORM_PROMPT.format(question="Q?", solution="S.")
        == "Problem: Q?\n\nSolution: S.\n\nIs the answer correct (Yes/No)?"
    )
    assert (
        PRM_PROMPT.format(question="Q?", solution="S.")
        == "Problem: Q?\n\nStudent Solution: S.\n\nLet's verify step by step."
    )
    assert {k.seed_name: k.max_tokens for k in JUDGE_KINDS.values()}["THINK_PRM_OUTCOME"] == 8192
    assert {k.max_tokens for k in JUDGE_KINDS.values() if k.seed_name != "THINK_PRM_OUTCOME"} == {4096}
    gated = {k.seed_name for k in JUDGE_KINDS.values() if k.gated}
    assert gated == {
        "PRM_OUTCOME_FORMAT",
        "PRM_COT_OUTCOME_FORMAT",
        "PRM_HYBRID_STEP_AVG_FORMAT",
        "PRM_COT_HYBRID_STEP_AVG_FORMAT",
    }
