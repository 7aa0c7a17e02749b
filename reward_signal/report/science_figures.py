"""The seed's per-sweep figures for the science domain: validation accuracy over training steps, one panel
per benchmark, one line per training-set size (seeds averaged), for the runs validated on science sets.

The seed's plot script draws, per sweep, `scp_test` (the three SCP difficulty tiers), `stem_benchmark`
(SuperGPQA, GPQA-diamond, MMLU-sci), the math benchmarks its SCP runs also validate on (AIME 2024,
MATH-500), and training curves (drawn for every sweep by the report's cross-run figures). Here they come
from kit runs: one set per model whose runs validated on a science set, so a math-only report draws none.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import numpy as np

from reward_signal.report import figures
from reward_signal.report.diagnostics import Analysed
from reward_signal.report.series import Series

# figure kind -> (title, benchmark names as report.metric_keys.benchmark_name gives them). The sweep's
# training curves are drawn with every sweep's.
SCIENCE_FIGURES: dict[str, tuple[str, tuple[str, ...]]] = {
    "scp_test": (
        "SCP test accuracy",
        ("scp-test-difficult-1", "scp-test-medium-2-8", "scp-test-very-difficult-0"),
    ),
    "stem_benchmark": ("STEM multiple-choice accuracy", ("supergpqa", "gpqa-diamond", "mmlu-sci")),
    "math_benchmark": ("Math benchmark accuracy", ("aime2024", "math500")),
}
# Benchmarks only the science runs validate on: they mark a run as part of a science sweep.
SCIENCE_BENCHMARKS = frozenset(
    name for kind in ("scp_test", "stem_benchmark") for name in SCIENCE_FIGURES[kind][1]
)


def _seed_mean(curves: Sequence[Series]) -> tuple[np.ndarray, np.ndarray]:
    """Steps every curve has, and the mean accuracy over the curves (the seeds of one cell) there."""
    common = sorted(set.intersection(*(set(c.steps.tolist()) for c in curves)))
    steps = np.asarray(common, dtype=np.int64)
    values = np.mean([c.values[np.searchsorted(c.steps, steps)] for c in curves], axis=0)
    return steps, values


def _cells(items: Sequence[Analysed], benchmark: str) -> dict[tuple[int, str], list[Series]]:
    """(training prompts, reward type) -> the validation curves of `benchmark`, one per seed."""
    cells: dict[tuple[int, str], list[Series]] = defaultdict(list)
    for item in items:
        series = item.run.heldout.get(benchmark)
        if series is not None and len(series):
            cells[(item.train_prompts or 0, item.reward_type)].append(series)
    return cells


@matplotlib.rc_context(figures.STYLE)
def curves_figure(
    items: Sequence[Analysed],
    benchmarks: Sequence[str],
    title: str,
    path: Path,
) -> Path | None:
    """Validation accuracy vs step, a panel per benchmark: colour = training prompts, line style = reward type."""
    cells = {benchmark: _cells(items, benchmark) for benchmark in benchmarks}
    if not any(cells.values()):
        return None
    sizes = sorted({size for by_cell in cells.values() for size, _ in by_cell})
    rewards = sorted({reward for by_cell in cells.values() for _, reward in by_cell})
    colours = dict(zip(sizes, plt.get_cmap("viridis")(np.linspace(0.0, 0.9, len(sizes))), strict=True))
    styles = {reward: ("-", "--", ":", "-.")[i % 4] for i, reward in enumerate(rewards)}
    fig, axes = plt.subplots(1, len(benchmarks), figsize=(5.2 * len(benchmarks), 4.4), squeeze=False)
    for ax, benchmark in zip(axes[0], benchmarks, strict=True):
        if not cells[benchmark]:
            ax.set_title(f"{benchmark}\n(not validated)")
            ax.set_xticks([])
            ax.set_yticks([])
            continue
        for (size, reward), curves in sorted(cells[benchmark].items()):
            steps, values = _seed_mean(curves)
            label = f"{size or '?'} prompts" + (f", {reward}" if len(rewards) > 1 else "")
            ax.plot(steps, values, styles[reward], color=colours[size], marker=".", markersize=3, label=label)
        ax.set_title(benchmark)
        ax.set_xlabel("step")
        ax.set_ylabel("validation accuracy")
        ax.grid(alpha=0.3)
    axes[0][0].legend(fontsize=7, loc="best")
    fig.suptitle(f"{title} (line = mean over seeds)", fontsize=12)
    width, height = fig.get_size_inches()
    fig.subplots_adjust(left=0.85 / width, right=1 - 0.2 / width, bottom=0.7 / height, top=1 - 0.8 / height)
    return figures.save(fig, path)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9.]+", "-", text).strip("-").lower() or "model"


def science_figure_tasks(items: Sequence[Analysed]) -> dict[str, tuple[str, Callable[[Path], Path | None]]]:
    """Report title -> (file name, drawing task taking the path), for every model with science runs."""
    by_model: dict[str, list[Analysed]] = defaultdict(list)
    for item in items:
        if SCIENCE_BENCHMARKS & set(item.run.heldout):
            by_model[item.model].append(item)
    tasks: dict[str, tuple[str, Callable[[Path], Path | None]]] = {}
    for model, runs in sorted(by_model.items()):
        for kind, (title, benchmarks) in SCIENCE_FIGURES.items():
            full_title = f"{model}: {title} (science sweep)"
            draw = partial(curves_figure, runs, benchmarks, full_title)
            tasks[full_title] = (f"{_slug(model)}_{kind}.png", draw)
    return tasks
