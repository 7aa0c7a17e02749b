"""runs.csv: one row per run, the numbers behind every figure, in a fixed column order."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

from reward_signal.common.files import atomic_open
from reward_signal.report.diagnostics import Analysed

Cell = str | int | float | bool | None


def benchmarks_of(items: Sequence[Analysed]) -> list[str]:
    """Every benchmark any run reports, sorted, so all runs share the same columns."""
    return sorted({b for item in items for b in (*item.diag.final, *item.diag.best, *item.diag.gain)})


def run_row(item: Analysed, benchmarks: Sequence[str]) -> dict[str, Cell]:
    run, diag = item.run, item.diag
    row: dict[str, Cell] = {
        "run": run.name,
        "model": run.meta.get("model"),
        "reward_type": run.meta.get("reward_type"),
        "algorithm": run.meta.get("algorithm"),
        "train_prompts": item.train_prompts,
        "seed": run.meta.get("seed"),
        "last_step": run.last_step,
        "attempts": run.attempts,
        "complete": run.complete,
        "final_train_reward": diag.final_train_reward,
        "final_train_acc": diag.final_train_acc,
        "train_acc_from": run.train["train_acc"].source if "train_acc" in run.train else None,
    }
    for benchmark in benchmarks:
        best = diag.best.get(benchmark)
        row[f"final_{benchmark}"] = diag.final.get(benchmark)
        row[f"best_{benchmark}"] = best.value if best else None
        row[f"best_step_{benchmark}"] = best.step if best else None
        row[f"gain_{benchmark}"] = diag.gain.get(benchmark)
    peak = diag.peak
    row.update(
        {
            "final_from": diag.final_from,
            "gain_from": diag.gain_from,
            "heldout_peak_step": peak.step if peak else None,
            "heldout_peak": peak.value if peak else None,
            "heldout_last": peak.final if peak else None,
            "heldout_drop_after_peak": peak.drop if peak else None,
            "heldout_se_from": diag.heldout_se_from or None,
            "overfit_critical_drop": diag.overfit_test.critical if diag.overfit_test else None,
            "overfit_p_value": diag.overfit_test.p_value if diag.overfit_test else None,
            "overfit": diag.overfit,
            "final_gap": float(diag.gap.values[-1]) if diag.gap is not None else None,
            "reward_rise": diag.reward_rise,
            "acc_rise": diag.acc_rise,
            "acc_rise_se": diag.acc_rise_se,
            "acc_rise_from": diag.acc_rise_from,
            "reward_hacking": diag.reward_hacking,
            "missing": "; ".join(run.missing),
            "path": str(run.path),
        }
    )
    return row


def format_cell(value: Cell) -> str:
    """Fixed text for every value type, so the CSV is byte-identical across runs of the report."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.6f}"
    return str(value)


def write_csv(path: Path, rows: Sequence[dict[str, Cell]]) -> Path:
    with atomic_open(path) as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(list(rows[0]))
        for row in rows:
            writer.writerow([format_cell(v) for v in row.values()])
    return path
