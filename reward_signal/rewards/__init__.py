"""Math reward functions for VERL: rule-based (math-verify) and deliberately degraded rewards.

Heavy work (sympy via math-verify) runs only in the guarded worker pool; importing this package is light.
"""

from reward_signal.rewards.grading import Grade, extract_answer, grade, grade_many, same_answer
from reward_signal.rewards.records import score
from reward_signal.rewards.reward_types import REWARD_TYPES

__all__ = ["REWARD_TYPES", "Grade", "extract_answer", "grade", "grade_many", "same_answer", "score"]
