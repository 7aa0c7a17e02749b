"""`reward-signal reward judge-audit`: how far a judge agrees with the rule-based grader and with labels.

Each labeled response is judged exactly as in training (same client, prompt, gate and reading rule); the
judge "accepts" a response when its reward is at least `threshold`. The report gives, against both the
rule-based grader (`acc`) and the labels, the confusion matrix, Cohen's kappa and the false-positive rate
(the judge accepts a wrong response: the reward-hacking risk), plus the request latency percentiles.
Responses the judge could not be asked (it stayed down) are counted and left out of the agreement.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from reward_signal.common.errors import ConfigError, DataError
from reward_signal.common.jsonl import BadLine, read_jsonl
from reward_signal.rewards.judge.client import JudgeSettings
from reward_signal.rewards.judge.kinds import JUDGE_KINDS

REQUIRED = ("solution_str", "ground_truth")
AUDIT_SOURCE = "judge-audit"  # never a validation source, so every row reaches the judge
PERCENTILES = (50, 90, 99)


@dataclass(frozen=True)
class Agreement:
    """Judge decisions against a reference (1 = correct): counts and the statistics derived from them."""

    true_pos: int
    false_pos: int
    false_neg: int
    true_neg: int

    @classmethod
    def of(cls, judge: Sequence[bool], reference: Sequence[bool]) -> Agreement:
        pairs = list(zip(judge, reference, strict=True))
        return cls(
            sum(j and r for j, r in pairs),
            sum(j and not r for j, r in pairs),
            sum(r and not j for j, r in pairs),
            sum(not j and not r for j, r in pairs),
        )

    @property
    def total(self) -> int:
        return self.true_pos + self.false_pos + self.false_neg + self.true_neg

    @property
    def accuracy(self) -> float:
        return (self.true_pos + self.true_neg) / self.total if self.total else math.nan

    @property
    def kappa(self) -> float:
        """Cohen's kappa: agreement beyond chance (1 perfect, 0 chance; NaN when chance agreement is 1)."""
        if not self.total:
            return math.nan
        judge_yes = (self.true_pos + self.false_pos) / self.total
        ref_yes = (self.true_pos + self.false_neg) / self.total
        chance = judge_yes * ref_yes + (1 - judge_yes) * (1 - ref_yes)
        return (self.accuracy - chance) / (1 - chance) if chance < 1 else math.nan

    @property
    def false_positive_rate(self) -> float:
        """Share of wrong responses the judge accepts."""
        wrong = self.false_pos + self.true_neg
        return self.false_pos / wrong if wrong else math.nan

    @property
    def false_negative_rate(self) -> float:
        right = self.true_pos + self.false_neg
        return self.false_neg / right if right else math.nan

    def summary(self) -> dict[str, float | int]:
        return {
            **asdict(self),
            "accuracy": self.accuracy,
            "kappa": self.kappa,
            "false_positive_rate": self.false_positive_rate,
            "false_negative_rate": self.false_negative_rate,
        }


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile by linear interpolation between order statistics (NaN when empty)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass
class AuditReport:
    """The audit's findings; `render` prints them, `as_dict` is what --out writes."""

    path: str
    reward_type: str
    endpoint: str
    threshold: float
    judged: int = 0
    failed: int = 0
    gated_out: int = 0
    unparsed: int = 0
    requests: int = 0
    vs_rule: Agreement | None = None
    vs_labels: Agreement | None = None
    latency: dict[str, float] = field(default_factory=dict)
    bad_lines: list[BadLine] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "input": self.path,
            "reward_type": self.reward_type,
            "endpoint": self.endpoint,
            "threshold": self.threshold,
            "judged": self.judged,
            "failed": self.failed,
            "gated_out": self.gated_out,
            "unparsed": self.unparsed,
            "requests": self.requests,
            "vs_rule_based": self.vs_rule.summary() if self.vs_rule else None,
            "vs_labels": self.vs_labels.summary() if self.vs_labels else None,
            "latency_seconds": self.latency,
            "skipped_lines": [str(bad) for bad in self.bad_lines],
        }

    def render(self) -> str:
        lines = [
            f"judge audit of {self.path}: {self.reward_type} at {self.endpoint} (accepts when reward >= {self.threshold})",
            f"  judged {self.judged}   failed {self.failed}   gated out (paid 0, not sent) {self.gated_out}   "
            f"verdict not found {self.unparsed}   HTTP requests {self.requests}",
        ]
        for name, agreement in (("rule-based grader", self.vs_rule), ("labels", self.vs_labels)):
            if agreement is None:
                lines.append(f"  vs {name}: no labels in the input (add a 0/1 'label' per line)")
                continue
            a = agreement
            lines += [
                f"  vs {name} ({a.total} responses):",
                "                     reference correct   reference wrong",
                f"    judge accepts    {a.true_pos:>17}   {a.false_pos:>15}",
                f"    judge rejects    {a.false_neg:>17}   {a.true_neg:>15}",
                f"    accuracy {a.accuracy:.3f}   Cohen's kappa {a.kappa:.3f}   "
                f"false-positive rate {a.false_positive_rate:.3f}   false-negative rate {a.false_negative_rate:.3f}",
            ]
        if self.latency:
            shown = "   ".join(f"{key} {value * 1000:.0f} ms" for key, value in self.latency.items())
            lines.append(f"  latency per judged request: {shown}")
        if self.bad_lines:
            lines.append(f"  skipped {len(self.bad_lines)} line(s):")
            lines += [f"    {bad}" for bad in self.bad_lines]
        return "\n".join(lines)


def _label(row: dict[str, Any]) -> bool | None:
    value = row.get("label")
    if value is None:
        return None
    if isinstance(value, bool) or value in (0, 1):
        return bool(value)
    raise ValueError(f"label must be 0/1 or true/false, got {value!r}")


def _audit_row(row: dict[str, Any]) -> tuple[dict[str, Any], bool | None]:
    """The row as the judge path needs it (question into extra_info, training split) and its label."""
    for key in REQUIRED:
        if not isinstance(row[key], str):
            raise ValueError(f"{key} must be a string, got {type(row[key]).__name__}")
    extra = row.get("extra_info") or {}
    if not isinstance(extra, dict):
        raise ValueError(f"extra_info must be an object, got {type(extra).__name__}")
    extra = {k: v for k, v in extra.items() if k != "split"} | {"split": "audit"}
    if "question" in row:
        extra["question"] = row["question"]
    if not isinstance(extra.get("question"), str):
        raise ValueError("no problem text: add 'question' (or extra_info.question) to the line")
    return extra, _label(row)


def run_audit(
    path: str | Path,
    reward_type: str,
    settings_for: Callable[[], JudgeSettings],
    threshold: float = 0.5,
    timeout: float = 5.0,
) -> AuditReport:
    """Judge every valid line of `path` (JSONL: solution_str, ground_truth, question, optional label)."""
    from reward_signal.rewards.judge.scoring import judged_batch

    if reward_type not in JUDGE_KINDS:
        raise ConfigError(
            f"judge-audit needs a judge reward type, got {reward_type!r}: one of {', '.join(JUDGE_KINDS)}"
        )
    settings = settings_for()
    report = AuditReport(str(path), reward_type, settings.url, threshold)
    rows: list[tuple[str, str, str, dict[str, Any]]] = []
    labels: list[bool | None] = []
    for lineno, row in read_jsonl(path, required=REQUIRED, bad_lines=report.bad_lines):
        try:
            extra, label = _audit_row(row)
        except ValueError as exc:
            report.bad_lines.append(BadLine(Path(path), lineno, str(exc)))
            continue
        rows.append((row["solution_str"], row["ground_truth"], AUDIT_SOURCE, extra))
        labels.append(label)
    if not rows:
        raise DataError(
            f"{path}: no usable lines (see the skipped lines above)"
            + "".join(f"\n  {b}" for b in report.bad_lines)
        )
    labeled = [label is not None for label in labels]
    if any(labeled) and not all(labeled):
        raise DataError(
            f"{path}: {labeled.count(False)} of {len(rows)} lines have no 'label'; label all or none"
        )
    records = judged_batch(
        rows, reward_type, timeout, {"on_failure": "zero"}, lambda: settings, progress=True
    )
    kept = [(r, lab) for r, lab in zip(records, labels, strict=True) if not r["judge_failed"]]
    report.failed = len(records) - len(kept)
    report.judged = sum(int(r["judge_called"]) for r, _ in kept)
    report.gated_out = sum(1 for r, _ in kept if not r["judge_called"])
    report.unparsed = sum(1 for r, _ in kept if r["judge_called"] and not r["judge_parsed"])
    report.requests = sum(1 for r in records if r["judge_called"] and not r["judge_cached"])
    accepts = [r["score"] >= threshold for r, _ in kept]
    report.vs_rule = Agreement.of(accepts, [r["acc"] == 1.0 for r, _ in kept])
    if all(labeled):
        report.vs_labels = Agreement.of(accepts, [bool(lab) for _, lab in kept])
    latencies = [r["judge_latency"] for r, _ in kept if r["judge_called"] and not r["judge_cached"]]
    if latencies:
        report.latency = {f"p{q}": percentile(latencies, q) for q in PERCENTILES} | {"max": max(latencies)}
    return report
