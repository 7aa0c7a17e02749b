"""`reward-signal report`: run directories in, runs.csv + figures + report.md + report.html out."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from tqdm import tqdm

from reward_signal.common.errors import KitError
from reward_signal.common.files import ensure_writable_dir, write_text
from reward_signal.report import figures
from reward_signal.report.contents import report_blocks
from reward_signal.report.cross_figures import cross_figure_tasks
from reward_signal.report.diagnostics import Analysed, diagnose
from reward_signal.report.document import render_html, render_markdown
from reward_signal.report.runs import BaseEval, find_run_dirs, load_run
from reward_signal.report.science_figures import science_figure_tasks
from reward_signal.report.table import benchmarks_of, run_row, write_csv
from reward_signal.report.thresholds import Thresholds

FIGURE_DIR = "figures"


@dataclass(frozen=True)
class ReportOutputs:
    """What was written, for the CLI's summary and for tests."""

    csv: Path
    markdown: Path
    html: Path
    figures: tuple[Path, ...]
    items: tuple[Analysed, ...]


def figure_names(names: Sequence[str]) -> list[str]:
    """File-safe, unique `run-<name>.png` names in the given order."""
    used: set[str] = set()
    result = []
    for name in names:
        stem = "run-" + (re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("_") or "unnamed")
        candidate, n = stem, 2
        while candidate in used:
            candidate, n = f"{stem}-{n}", n + 1
        used.add(candidate)
        result.append(f"{FIGURE_DIR}/{candidate}.png")
    return result


def _call(task: Callable[[], Path | None]) -> Path | None:
    return task()


def draw_all(
    tasks: Sequence[Callable[[], Path | None]], jobs: int | None, progress: bool
) -> list[Path | None]:
    """Run figure-drawing tasks, in parallel processes when there are enough to pay for them."""
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(tasks) // 4))
    bar = partial(tqdm, total=len(tasks), desc="drawing figures", unit="fig", disable=not progress)
    if jobs == 1:
        return list(bar(map(_call, tasks)))
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        return list(bar(pool.map(_call, tasks)))


def _order(item: Analysed) -> tuple[str, str, int, str, str, str]:
    """Table order: model, reward type, data size (numerically), seed, then name."""
    return (
        item.model,
        item.reward_type,
        item.train_prompts or 0,
        str(item.run.meta.get("seed")),
        item.run.name,
        str(item.run.path),
    )


def _remove_stale_figures(directory: Path, current: set[Path], cross_names: set[str]) -> None:
    """Delete figures (PNG and PDF) an earlier report drew here, so none can pass for current."""
    for path in [*directory.glob("*.png"), *directory.glob("*.pdf")]:
        png = path.with_suffix(".png")
        if png not in current and (path.name.startswith(("run-", "sweep-")) or png.name in cross_names):
            path.unlink()


def _bases_by_model(bases: Sequence[BaseEval]) -> dict[str, BaseEval]:
    by_model: dict[str, BaseEval] = {}
    for base in bases:
        if base.model in by_model:
            raise KitError(
                f"--base given twice for model {base.model!r}: {by_model[base.model].path}, {base.path}"
            )
        by_model[base.model] = base
    return by_model


def build_report(
    patterns: Sequence[str],
    out: Path,
    thresholds: Thresholds | None = None,
    bases: Sequence[BaseEval] = (),
    progress: bool = False,
    jobs: int | None = None,
    regrade_rollouts: bool = False,
) -> ReportOutputs:
    """Read every run, diagnose it, and write the report files into `out` (each file atomically).

    Figures are drawn by `jobs` processes (default: one per CPU): drawing is most of the report's time.
    `regrade_rollouts` grades rollout dumps for true training accuracy when nothing else records it.
    """
    thresholds = thresholds or Thresholds()
    run_dirs = find_run_dirs(list(patterns))
    ensure_writable_dir(out / FIGURE_DIR)
    by_model = _bases_by_model(bases)
    items = []
    for run_dir in tqdm(run_dirs, desc="reading runs", unit="run", disable=not progress):
        run = load_run(run_dir, regrade_rollouts)
        items.append(Analysed(run, diagnose(run, thresholds, by_model.get(str(run.meta.get("model"))))))
    items.sort(key=_order)
    benchmarks = benchmarks_of(items)
    rows = [run_row(item, benchmarks) for item in items]
    csv_path = write_csv(out / "runs.csv", rows)

    run_paths = figure_names([item.run.name for item in items])
    cross_files = {**cross_figure_tasks(items, benchmarks, bases, thresholds), **science_figure_tasks(items)}
    tasks = [partial(draw, out / FIGURE_DIR / filename) for filename, draw in cross_files.values()]
    tasks += [
        partial(figures.run_figure, item, out / relative)
        for item, relative in zip(items, run_paths, strict=True)
    ]
    drawn = draw_all(tasks, jobs, progress)
    cross = {
        title: f"{FIGURE_DIR}/{filename}" if path is not None else None
        for (title, (filename, _)), path in zip(cross_files.items(), drawn, strict=False)
    }

    _remove_stale_figures(
        out / FIGURE_DIR, {p for p in drawn if p is not None}, {name for name, _ in cross_files.values()}
    )
    blocks = report_blocks(items, rows, benchmarks, thresholds, cross, run_paths, bases)
    markdown = out / "report.md"
    write_text(markdown, render_markdown(blocks))
    page = out / "report.html"
    write_text(page, render_html(blocks, out, "Reward-signal report"))
    return ReportOutputs(csv_path, markdown, page, tuple(p for p in drawn if p is not None), tuple(items))
