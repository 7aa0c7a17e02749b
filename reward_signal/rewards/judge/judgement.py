"""A judge's decision on one sample and the numbers the reward record logs for it (no I/O)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Judgement:
    """What the judge decided for one sample (score is what the reward type pays)."""

    score: float = 0.0
    verdict: float | None = None
    step_avg: float | None = None
    steps: int = 0
    called: bool = False
    cached: bool = False
    failed: bool = False
    latency: float = 0.0

    def fields(self) -> dict[str, float]:
        """The record's judge numbers; absent parts are 0 with `judge_parsed` telling them apart."""
        return {
            "judge_verdict": float(self.verdict or 0.0),
            "judge_parsed": float(self.verdict is not None),
            "judge_step_avg": float(self.step_avg or 0.0),
            "judge_steps": float(self.steps),
            "judge_called": float(self.called),
            "judge_cached": float(self.cached),
            "judge_failed": float(self.failed),
            "judge_latency": float(self.latency),
        }


NOT_ASKED = Judgement()
