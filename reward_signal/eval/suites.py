"""Named evaluation suites: which datasets a preset evaluates and which of them form one benchmark line.

A suite's lines carry the names the report gives the same sets in training validation
(`report.metric_keys.benchmark_name`), so eval results and validation curves line up: VERL pools
validation metrics by data_source, so MMLU-sci's college and high-school files form one `mmlu-sci` line
(data_source `mmlu_sci`) and SuperGPQA's in- and out-of-domain files one `supergpqa` line.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Suite:
    """`datasets`: manifest names, in report order; `groups`: line name -> the datasets pooled into it."""

    datasets: tuple[str, ...]
    groups: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


# The science domain's held-out sets: the five STEM multiple-choice sets (graded by option letter) and the
# three SCP tests, each prompted with the dataset's own messages, as the seed's validation did.
SUITES: dict[str, Suite] = {
    "stem": Suite(
        datasets=(
            "gpqa-diamond",
            "mmlu-sci-college",
            "mmlu-sci-high-school",
            "supergpqa-in-domain",
            "supergpqa-out-domain",
            "scp-test-difficult-1",
            "scp-test-medium-2-8",
            "scp-test-very-difficult-0",
        ),
        groups={
            "mmlu-sci": ("mmlu-sci-college", "mmlu-sci-high-school"),
            "supergpqa": ("supergpqa-in-domain", "supergpqa-out-domain"),
        },
    ),
}


def pool_groups(
    per_dataset: Mapping[str, Sequence[T]], groups: Mapping[str, Sequence[str]]
) -> dict[str, list[T]]:
    """Per-dataset problem lists with each group's members pooled into one line, named by the group and
    placed where its first present member was; datasets in no group are kept as they are."""
    owner = {member: name for name, members in groups.items() for member in members}
    pooled: dict[str, list[T]] = {}
    for dataset, problems in per_dataset.items():
        pooled.setdefault(owner.get(dataset, dataset), []).extend(problems)
    return pooled
