"""What the report says, as document blocks: summary table, flags, missing inputs, figures, definitions."""

from __future__ import annotations

from collections.abc import Sequence

from reward_signal.report import stats
from reward_signal.report.diagnostics import Analysed
from reward_signal.report.document import Block, Bullets, Heading, Image, Paragraph, Table
from reward_signal.report.groups import AVG, POOLED, cells
from reward_signal.report.runs import BaseEval
from reward_signal.report.table import Cell, format_cell
from reward_signal.report.thresholds import Thresholds

SUMMARY_COLUMNS = (
    "run",
    "reward_type",
    "train_prompts",
    "seed",
    "last_step",
    "final_train_reward",
    "final_train_acc",
)
DIAGNOSTIC_COLUMNS = ("heldout_peak_step", "heldout_drop_after_peak", "overfit", "reward_hacking")


def _short(value: Cell) -> str:
    return f"{value:.3f}" if isinstance(value, float) else format_cell(value)


def definitions(thresholds: Thresholds) -> Bullets:
    t = thresholds
    return Bullets(
        (
            f"Final train reward / accuracy: mean of the last {t.window} logged steps. True training accuracy "
            "is train/acc/mean (logged every step by the kit's VERL plugin), else the rollout dumps.",
            "Final held-out accuracy: the run's eval/summary.json mean@n when present, else the last "
            "validation value, never mixed within a run; its sampling protocol is in runs.csv (final_from).",
            "Avg.: unweighted mean over benchmarks (the papers' column); pooled: every problem weighs the "
            "same (the eval's `pooled` row). Validation curves use Avg.",
            f"Overfit: the best mean of {stats.SMOOTHING} consecutive validations (peak) minus the last such "
            f"mean exceeds what an unchanged policy shows with probability {stats.ALPHA:.0%} (simulated from "
            f"each point's binomial standard error), and is at least {t.overfit_drop:.3f}; not computed "
            f"with fewer than {stats.MIN_POINTS} validation points.",
            f"Generalization gap: training-batch true accuracy (mean of the {t.window} steps up to the "
            "validation step) minus the held-out Avg.",
            f"Rise of a curve: mean of its last {t.edge_fraction:.0%} of points minus mean of its first "
            f"{t.edge_fraction:.0%}. Reward hacking when the reward paid rises by at least "
            f"{t.hacking_reward_rise:.3f} while the one-sided 95% upper bound of the true-accuracy rise "
            f"(training batches when logged, else held-out Avg.) is below {t.hacking_acc_rise:.3f}.",
            "Gain: final eval minus the base model's eval (--base) when both exist and were sampled alike, "
            "else last minus step-0 validation (VERL validates the base model at step 0).",
            "Across runs: only runs that differ in nothing but the seed are averaged; every such number "
            "states its seed count and a 95% interval (t interval over seeds; Wilson for one seed).",
        )
    )


def _flag_lines(items: Sequence[Analysed]) -> tuple[str, ...]:
    lines = []
    for item in items:
        diag = item.diag
        if diag.reward_hacking:
            lines.append(
                f"{item.run.name}: reward hacking (reward paid rose {diag.reward_rise:+.3f}, true accuracy "
                f"on {diag.acc_rise_from} rose {diag.acc_rise:+.3f} ± {diag.acc_rise_se:.3f})"
            )
        test = diag.overfit_test
        if diag.overfit and test is not None:
            lines.append(
                f"{item.run.name}: overfit (held-out Avg. peaked at step {test.peak_step} with "
                f"{test.peak:.3f}, ended at {test.final:.3f}, drop {test.drop:.3f} > {test.critical:.3f} "
                f"expected from noise, p = {test.p_value:.3f})"
            )
    return tuple(lines)


def _agreement(flags: list[bool | None]) -> str:
    """`k/m` runs flagged among the m that could be tested (a flag on one seed of three is weak)."""
    tested = [f for f in flags if f is not None]
    return f"{sum(tested)}/{len(tested)}" if tested else "-"


def seed_table(items: Sequence[Analysed], benchmarks: Sequence[str]) -> Table:
    """One row per setting (runs differing only in seed): final accuracy with its 95% interval and seed
    count, the protocol it was measured with, and how many seeds each flag fired on."""
    panels = [*benchmarks, AVG, POOLED] if len(benchmarks) > 1 else list(benchmarks)
    header = (
        "model",
        "reward_type",
        "train_prompts",
        "seeds",
        "protocol",
        *panels,
        "overfit",
        "reward_hacking",
    )
    rows = []
    for cell in cells(items):
        estimates = [cell.estimate(panel, benchmarks) for panel in panels]
        rows.append(
            (
                cell.model,
                cell.reward_type,
                format_cell(cell.train_prompts),
                str(len(cell.items)),
                cell.protocol or "-",
                *(e.text() if e is not None else "-" for e in estimates),
                _agreement([i.diag.overfit for i in cell.items]),
                _agreement([i.diag.reward_hacking for i in cell.items]),
            )
        )
    return Table(header, tuple(rows))


def _run_facts(item: Analysed, row: dict[str, Cell]) -> Bullets:
    """The numbers a reader wants beside a run's figure, each with where it came from."""
    diag = item.diag
    facts = [
        f"{row['model']}, reward {row['reward_type']}, {row['train_prompts'] or '?'} prompts, seed "
        f"{_short(row['seed']) or '?'}, {row['attempts']} attempt(s), last step {_short(row['last_step']) or '?'}"
        + ("" if item.run.complete else " (no TRAINING_COMPLETE marker: still running, or stopped early)"),
        f"final train reward {_short(diag.final_train_reward) or '-'}, true train accuracy "
        f"{_short(diag.final_train_acc) or '-'} [{row['train_acc_from'] or 'not recorded'}]",
    ]
    if diag.peak is not None:
        facts.append(
            f"held-out mean peaked at step {diag.peak.step} ({diag.peak.value:.3f}), last {diag.peak.final:.3f}, "
            f"drop {diag.peak.drop:.3f}: overfit {_short(diag.overfit)}"
        )
    if diag.reward_rise is not None and diag.acc_rise is not None:
        facts.append(
            f"reward rose {diag.reward_rise:+.3f}, true accuracy ({diag.acc_rise_from}) {diag.acc_rise:+.3f}: "
            f"reward hacking {_short(diag.reward_hacking)}"
        )
    if diag.gain:
        gains = ", ".join(f"{b} {v:+.3f}" for b, v in sorted(diag.gain.items()))
        facts.append(f"gain ({diag.gain_from}): {gains}")
    facts += [f"missing: {m}" for m in item.run.missing]
    return Bullets(tuple(facts))


def report_blocks(
    items: Sequence[Analysed],
    rows: Sequence[dict[str, Cell]],
    benchmarks: Sequence[str],
    thresholds: Thresholds,
    cross_figures: dict[str, str | None],
    run_figures: Sequence[str],
    bases: Sequence[BaseEval],
) -> list[Block]:
    """The whole report; `cross_figures` maps a title to a figure path, None when it could not be drawn."""
    columns = (*SUMMARY_COLUMNS, *(f"final_{b}" for b in benchmarks), *DIAGNOSTIC_COLUMNS)
    blocks: list[Block] = [
        Heading(1, "Reward-signal report"),
        Paragraph(
            f"{len(items)} run(s). Benchmarks: {', '.join(benchmarks) or 'none'}. "
            "Every number is in runs.csv; definitions are at the end."
        ),
        Heading(2, "Runs"),
        Table(columns, tuple(tuple(_short(row.get(c)) for c in columns) for row in rows)),
        Heading(2, "Flags"),
        Bullets(_flag_lines(items)) if _flag_lines(items) else Paragraph("No run was flagged."),
        Heading(2, "Across seeds"),
        Paragraph(
            f"Runs that differ in nothing but the seed, averaged. {AVG} = unweighted mean over benchmarks (the "
            f"papers' column); {POOLED} = every problem weighs the same (large benchmarks dominate). Each number: mean [95% interval] (seeds); the interval is a t interval over "
            "seeds, or Wilson over the benchmark's problems for a single seed. Flags: runs flagged / runs tested."
        ),
        seed_table(items, benchmarks),
    ]
    if bases:
        blocks += [
            Heading(2, "Base models"),
            Bullets(
                tuple(
                    f"{b.model}: {b.path}, used for the {sum(i.model == b.model for i in items)} run(s) whose "
                    f"run.json model is {b.model}"
                    for b in bases
                )
            ),
        ]
    incomplete = [i for i in items if i.run.missing or i.run.bad_lines]
    blocks.append(Heading(2, "Missing inputs"))
    if incomplete:
        lines = []
        for item in incomplete:
            notes = list(item.run.missing)
            if item.run.bad_lines:
                notes.append(
                    f"{len(item.run.bad_lines)} unreadable metrics line(s), first: {item.run.bad_lines[0]}"
                )
            lines.append(f"{item.run.name} ({item.run.path}): " + "; ".join(notes))
        blocks.append(Bullets(tuple(lines)))
    else:
        blocks.append(Paragraph("Every run had all inputs."))
    blocks.append(Heading(2, "Across runs"))
    for title, path in cross_figures.items():
        blocks.append(Heading(3, title))
        blocks.append(Image(path, title) if path else Paragraph("Not drawn: no run has the inputs it needs."))
    blocks.append(Heading(2, "Per run"))
    for item, row, path in zip(items, rows, run_figures, strict=True):
        blocks += [Heading(3, item.run.name), _run_facts(item, row), Image(path, item.run.name)]
    blocks += [Heading(2, "How to read the diagnostics"), definitions(thresholds)]
    return blocks
