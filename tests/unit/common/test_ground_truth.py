"""Both ground-truth formats of the seed data, and the interval that only looks like a list."""

import pytest

from reward_signal.common.ground_truth import ground_truth_answers, is_answer_list


@pytest.mark.parametrize(
    ("truth", "answers", "is_list"),
    [
        ('["1156"]', ("1156",), True),
        ('["2", " \\\\frac{1}{2} "]', ("2", "\\frac{1}{2}"), True),
        ("[1, 3]", ("[1, 3]",), False),
        ("[-2,7]", ("[-2,7]",), False),
        ("\\left( 3, \\frac{\\pi}{2} \\right)", ("\\left( 3, \\frac{\\pi}{2} \\right)",), False),
        (" 90^\\circ ", ("90^\\circ",), False),
        ("[broken", ("[broken",), False),
        ("[]", (), True),
    ],
)
def test_ground_truth_formats(truth: str, answers: tuple[str, ...], is_list: bool) -> None:
    assert ground_truth_answers(truth) == answers
    assert is_answer_list(truth) is is_list
