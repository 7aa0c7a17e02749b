"""From graded records to summary.json / summary.csv / summary.md (the table printed at the end)."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from reward_signal.common.files import write_json, write_text
from reward_signal.eval.metrics import ProblemOutcome, summarize, wilson_interval

# Two averages over benchmarks, named as papers do: "Avg." weighs every benchmark equally (the column
# papers print), "pooled" weighs every problem equally (MATH-500's 500 problems then dominate AIME's 30).
MACRO = "Avg."
POOLED = "pooled"
Metrics = dict[str, Any]


def outcome(records: Sequence[dict[str, Any]]) -> ProblemOutcome:
    """A problem's graded records (sample order) as metric input; absent token/finish fields stay unknown."""
    return ProblemOutcome(
        correct=tuple(float(r.get("score") or 0.0) > 0.0 for r in records),
        groups=tuple(r.get("answer_group") for r in records),
        tokens=tuple(r.get("response_tokens") for r in records),
        truncated=tuple(
            None if r.get("finish_reason") is None else r["finish_reason"] == "length" for r in records
        ),
    )


def macro_average(per_dataset: Mapping[str, Metrics]) -> Metrics:
    """Equal-weight mean over datasets of every accuracy metric they all report (same k and n).

    Its `:ci95` is `wilson_interval` at the effective count D^2 / sum(1/N_i) of D datasets with N_i
    problems: the count a single benchmark would need for the same variance of the mean.
    """
    rows = list(per_dataset.values())
    shared = [k for k in rows[0] if k.startswith(("mean@", "pass@", "maj@")) and not k.endswith(":ci95")]
    shared = [k for k in shared if all(isinstance(r.get(k), float) for r in rows)]
    count = len(rows) ** 2 / sum(1 / int(r["n_problems"]) for r in rows)
    metrics: Metrics = {"n_problems": sum(int(r["n_problems"]) for r in rows), "n_datasets": len(rows)}
    for key in shared:
        mean = float(sum(r[key] for r in rows) / len(rows))
        metrics[key] = mean
        metrics[f"{key}:ci95"] = list(wilson_interval(mean, count))
    return metrics


def compute_metrics(
    problems_by_dataset: Mapping[str, Sequence[Sequence[dict[str, Any]]]],
) -> dict[str, Metrics]:
    """Metrics per dataset, then the "Avg." (macro) and "pooled" (problem-weighted) lines."""
    outcomes = {
        name: [outcome(p) for p in problems] for name, problems in problems_by_dataset.items() if problems
    }
    metrics = {name: summarize(items) for name, items in outcomes.items()}
    if len(outcomes) > 1:
        macro = macro_average(metrics)
        metrics[POOLED] = summarize([o for items in outcomes.values() for o in items])
        metrics[MACRO] = macro
    return metrics


def _columns(metrics: Mapping[str, Metrics]) -> list[str]:
    return list(dict.fromkeys(key for row in metrics.values() for key in row))


def _cell(key: str, value: Any) -> str:
    """Accuracies as percentages with one decimal; counts and token lengths as numbers."""
    if value is None:
        return "-"
    if key.endswith(":ci95"):
        return f"[{100 * value[0]:.1f}, {100 * value[1]:.1f}]"
    if key.startswith(("mean@", "pass@", "maj@")) or key == "truncation_rate":
        return f"{100 * value:.1f}"
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def markdown_table(metrics: Mapping[str, Metrics]) -> str:
    """A paste-able Markdown table; accuracies and rates in percent."""
    columns = _columns(metrics)
    lines = ["| dataset | " + " | ".join(columns) + " |", "|---" * (len(columns) + 1) + "|"]
    for name, row in metrics.items():
        lines.append(f"| {name} | " + " | ".join(_cell(c, row.get(c)) for c in columns) + " |")
    return "\n".join(lines) + "\n"


def csv_table(metrics: Mapping[str, Metrics]) -> str:
    """One row per dataset, raw fractions; a CI becomes `<name>:lo` and `<name>:hi` columns."""
    columns = _columns(metrics)
    header = ["dataset"]
    for c in columns:
        header += [f"{c}:lo", f"{c}:hi"] if c.endswith(":ci95") else [c]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for name, row in metrics.items():
        cells: list[Any] = [name]
        for c in columns:
            value = row.get(c)
            cells += (list(value) if value is not None else ["", ""]) if c.endswith(":ci95") else [value]
        writer.writerow(["" if v is None else v for v in cells])
    return out.getvalue()


def write_summary(
    out_dir: Path,
    model: str,
    checkpoint_step: int | None,
    sampling: Mapping[str, Any],
    metrics: Mapping[str, Metrics],
) -> str:
    """Write summary.json (the contract report reads), summary.csv and summary.md; return the table."""
    table = markdown_table(metrics)
    write_json(
        out_dir / "summary.json",
        {
            "model": model,
            "checkpoint_step": checkpoint_step,
            "sampling": dict(sampling),
            "metrics": dict(metrics),
        },
    )
    write_text(out_dir / "summary.csv", csv_table(metrics))
    heading = f"# Evaluation of {model}" + (
        f" (step {checkpoint_step})" if checkpoint_step is not None else ""
    )
    settings = ", ".join(f"{k}={v}" for k, v in sampling.items())
    write_text(out_dir / "summary.md", f"{heading}\n\nSampling: {settings}\n\n{table}")
    return table
