"""Metric-key lookup: VERL's validation key layout and the eval summary's mean@n name."""

from __future__ import annotations

import pytest

from reward_signal.report.metric_keys import eval_mean_key, parse_validation_key


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("val-core/HuggingFaceH4/MATH-500/acc/mean@16", ("math500", "acc", 16)),
        ("val-core/test-math-aime24/acc/mean@32", ("aime2024", "acc", 32)),
        ("val-aux/test-amc/reward/mean@4", ("amc", "reward", 4)),
        ("val-aux/my-own-source/format_ok/mean@2", ("my-own-source", "format_ok", 2)),
        ("val-core/test-amc/acc/best@16/mean", None),
        ("val-aux/test-amc/acc/std@16", None),
        ("critic/score/mean", None),
        ("val-aux/num_turns/mean", None),
    ],
)
def test_parse_validation_key(key: str, expected: tuple[str, str, int] | None) -> None:
    assert parse_validation_key(key) == expected


def test_eval_mean_key_picks_the_largest_n() -> None:
    metrics = {"mean@n:n=4": 0.1, "mean@n:n=16": 0.2, "mean@n:n=16:ci95": [0, 1], "pass@k:k=1&n=16": 0.2}
    assert eval_mean_key(metrics) == "mean@n:n=16"
    assert eval_mean_key({"pass@k:k=1&n=16": 0.2}) is None
