"""The `stem` evaluation suite: its datasets, its benchmark lines, and letter grading of its answers."""

from __future__ import annotations

from reward_signal.data.manifest import load_manifest
from reward_signal.eval.sampling import build_sampling
from reward_signal.eval.scoring import grade_problems
from reward_signal.eval.suites import SUITES, pool_groups
from reward_signal.report.metric_keys import benchmark_name

# The data_source of each science validation set (VERL names its validation metrics by it).
VALIDATION_SOURCES = [
    "stem__gpqa_diamond",
    "mmlu_sci",
    "stem__supergpqa",
    "test-math-scp-difficult",
    "test-math-scp-medium",
    "test-math-scp-very-difficult",
]


def test_stem_suite_is_the_five_choice_sets_and_three_scp_tests_evaluated_greedily() -> None:
    suite = SUITES["stem"]
    entries = {entry.name: entry for entry in load_manifest().datasets}
    assert all(entries[name].role == "eval" for name in suite.datasets)
    assert len(suite.datasets) == 8
    assert sum(entries[name].path.startswith("data/scp/eval_data/") for name in suite.datasets) == 5
    sampling = build_sampling("stem")
    assert (sampling.n, sampling.temperature) == (1, 0.0)


def test_benchmark_lines_carry_the_validation_names() -> None:
    """Eval lines and training validation curves meet under the same name in the report."""
    suite = SUITES["stem"]
    lines = list(pool_groups({name: [name] for name in suite.datasets}, suite.groups))
    assert lines == [benchmark_name(source) for source in VALIDATION_SOURCES]


def test_pooling_keeps_order_and_every_problem() -> None:
    pooled = pool_groups({"a": [1], "x1": [2, 3], "b": [4], "x2": [5]}, {"x": ("x1", "x2")})
    assert pooled == {"a": [1], "x": [2, 3, 5], "b": [4]}
    assert pool_groups({"a": [1]}, {}) == {"a": [1]}


def test_choice_answers_are_graded_by_letter_in_evaluation() -> None:
    def record(source: str, response: str, gold: str) -> list[dict]:
        return [{"data_source": source, "response": response, "ground_truth": gold}]

    problems = [
        record("stem__supergpqa", "Answer: (H)", "H"),
        record("mmlu_sci", "\\boxed{\\text{B}}", "C"),
        record("test-math-scp-very-difficult", "\\boxed{49 Hz}", "49 Hz"),
    ]
    grade_problems(problems)
    assert [(p[0]["pred"], p[0]["score"]) for p in problems] == [("H", 1.0), ("B", 0.0), ("49 Hz", 1.0)]


def test_stem_preset_answers_in_the_seeds_validation_length_unless_told_otherwise() -> None:
    assert build_sampling("stem").max_tokens == 2048
    assert build_sampling("stem", max_tokens=512).max_tokens == 512
    assert build_sampling("aime-avg16").max_tokens == 8192
