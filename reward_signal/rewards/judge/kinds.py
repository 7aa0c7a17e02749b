"""The judge reward types: the seed's name, the prompt the judge gets, its token budget and the reading rule.

The prompts are the seed's, character for character (script/novel_math_gen_rm_reward_function.py at
efd30c0); the payload around them (temperature 0, top_p 0.95) lives in `client`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from reward_signal.rewards.judge import parsing

ORM_PROMPT = "Problem: {question}\n\nSolution: {solution}\n\nIs the answer correct (Yes/No)?"
PRM_PROMPT = "Problem: {question}\n\nStudent Solution: {solution}\n\nLet's verify step by step."
MAX_TOKENS = 4096
THINK_MAX_TOKENS = 8192


@dataclass(frozen=True)
class JudgeKind:
    """One judge reward type. `gated`: the seed's novel format check runs first on the solution cut after
    `</answer>`; a failing response pays 0 and is never sent, a passing one is sent cut."""

    name: str
    seed_name: str
    template: str
    read: Callable[[str], parsing.Reading]
    definition: str
    gated: bool = False
    max_tokens: int = MAX_TOKENS

    def prompt(self, question: str, solution: str) -> str:
        return self.template.format(question=question, solution=solution)


_VERDICT = "1 if the judge's final verdict (the seed's five `Is the answer correct ...? Yes` patterns) is Yes, else 0"
_GATE = "0 without a call unless the solution cut after </answer> passes the novel format check; then "
_HYBRID = "0.4 x the fraction of {steps} judged correct + 0.6 x the verdict (PRM prompt)"
JUDGE_KINDS: dict[str, JudgeKind] = {
    kind.name: kind
    for kind in (
        JudgeKind(
            "judge_orm", "ORM", ORM_PROMPT, parsing.read_orm, "1 if the whole reply is 'yes' (ORM prompt)"
        ),
        JudgeKind("judge_prm", "PRM", PRM_PROMPT, parsing.read_prm, _VERDICT + " (PRM prompt)"),
        JudgeKind(
            "judge_prm_cot", "PRM_COT_OUTCOME", PRM_PROMPT, parsing.read_prm, _VERDICT + " (PRM prompt)"
        ),
        JudgeKind(
            "judge_prm_step_avg",
            "PRM_STEP_AVG",
            PRM_PROMPT,
            parsing.read_prm_step_avg,
            "fraction of `Step N: Correct` among `Step N: Correct|Incorrect` lines; without any, the verdict",
        ),
        JudgeKind(
            "judge_think_prm",
            "THINK_PRM_OUTCOME",
            PRM_PROMPT,
            parsing.read_think_prm,
            "1 if the text after `final_verification>` (inside boxed{} if any) says correct/yes/1.0; without "
            "the tag, the verdict (8192 tokens)",
            max_tokens=THINK_MAX_TOKENS,
        ),
        JudgeKind(
            "judge_prm_format",
            "PRM_OUTCOME_FORMAT",
            PRM_PROMPT,
            parsing.read_prm,
            _GATE + _VERDICT,
            gated=True,
        ),
        JudgeKind(
            "judge_prm_cot_format",
            "PRM_COT_OUTCOME_FORMAT",
            PRM_PROMPT,
            parsing.read_prm,
            _GATE + _VERDICT,
            gated=True,
        ),
        JudgeKind(
            "judge_prm_hybrid_format",
            "PRM_HYBRID_STEP_AVG_FORMAT",
            PRM_PROMPT,
            parsing.read_prm_hybrid,
            _GATE + _HYBRID.format(steps="`Step N:` lines"),
            gated=True,
        ),
        JudgeKind(
            "judge_prm_cot_hybrid_format",
            "PRM_COT_HYBRID_STEP_AVG_FORMAT",
            PRM_PROMPT,
            parsing.read_prm_cot_hybrid,
            _GATE + _HYBRID.format(steps="`**This step is correct.**` sentences"),
            gated=True,
        ),
    )
}
