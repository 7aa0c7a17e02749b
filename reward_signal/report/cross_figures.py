"""Figures across runs, as a paper would use them, and the registry the report draws them from.

`cross_figure_tasks` maps a report title to (file name, drawing task): the data-scale curves and the
reward-type gains (runs averaged only over seeds, with 95% intervals, see groups.py), the
reward-hacking scatter, overlays per reward type of held-out accuracy and of reward paid vs true
accuracy over steps, pass@k and maj@k against k from the final evaluations, and the seed's own
figure set for every data-scale sweep (reward/advantage/response length, entropy/gradient norm, math
benchmarks over steps). Another module adds figures by returning the same mapping (science_figures).
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes

from reward_signal.report.diagnostics import Analysed
from reward_signal.report.figures import STYLE, colour_map, grid, margins, save
from reward_signal.report.groups import (
    AVG,
    Cell,
    cells,
    effective_problems,
    final_avg,
    gain_estimate,
    line_labels,
)
from reward_signal.report.metric_keys import LABELS
from reward_signal.report.runs import BaseEval
from reward_signal.report.science_figures import SCIENCE_BENCHMARKS
from reward_signal.report.series import Series
from reward_signal.report.thresholds import Thresholds

Task = Callable[[Path], Path | None]
# The seed's plot script, per sweep: file kind -> (title, quantities or benchmarks drawn as panels).
SEED_TRAIN_FIGURES: dict[str, tuple[str, tuple[str, ...]]] = {
    "reward_adv_length": (
        "Reward, advantage and response length",
        ("reward", "advantage", "response_length"),
    ),
    "entropy_grad_norm": ("Entropy and gradient norm", ("entropy", "grad_norm")),
}
SEED_MATH_BENCHMARKS = ("math500", "amc", "aime2024", "aime2025")


def size_colours(sizes: Sequence[int | None]) -> dict[int | None, tuple[float, ...]]:
    """Data sizes from light to dark, the same colour for a size in every panel."""
    ordered = sorted(set(sizes), key=lambda s: s or 0)
    shades = plt.get_cmap("viridis")(np.linspace(0.05, 0.85, max(1, len(ordered))))
    return {size: tuple(shade) for size, shade in zip(ordered, shades, strict=False)}


def _finish(ax: Axes, title: str, xlabel: str, ylabel: str) -> None:
    ax.set_title(title, fontsize=10)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)


def _seed_mean(curves: Sequence[Series]) -> Series | None:
    """Mean over the seeds' curves at the steps all of them logged."""
    common = sorted(set.intersection(*(set(c.steps.tolist()) for c in curves)))
    if not common:
        return None
    steps = np.asarray(common, dtype=np.int64)
    values = np.mean([c.values[np.searchsorted(c.steps, steps)] for c in curves], axis=0)
    return Series(curves[0].source, steps, values)


@matplotlib.rc_context(STYLE)
def data_scale_figure(
    items: Sequence[Analysed], benchmarks: Sequence[str], bases: Sequence[BaseEval], path: Path
) -> Path | None:
    """Final held-out accuracy vs training prompts, a panel per benchmark and one for Avg.: a line per
    setting (runs differing only in seed averaged), whiskers = 95% interval, seeds in the legend."""
    groups = [c for c in cells(items) if c.train_prompts is not None and any(i.diag.final for i in c.items)]
    if not groups:
        return None
    labels = line_labels(groups)
    lines: dict[frozenset, list[Cell]] = defaultdict(list)
    for cell in groups:
        lines[cell.line].append(cell)
    colours = colour_map([labels[line] for line in lines])
    panels = [*benchmarks, AVG] if len(benchmarks) > 1 else list(benchmarks)
    fig, axes = grid(len(panels))
    for ax, panel in zip(axes, panels, strict=True):
        for line, members in sorted(lines.items(), key=lambda kv: labels[kv[0]]):
            points = [(c.train_prompts, c.estimate(panel, benchmarks)) for c in members]
            points = sorted((size, e) for size, e in points if e is not None)
            if not points:
                continue
            sizes = [size for size, _ in points]
            mean = np.array([e.mean for _, e in points])
            low = np.array([e.low for _, e in points])
            high = np.array([e.high for _, e in points])
            seeds = sorted({e.seeds for _, e in points})
            count = str(seeds[0]) if len(seeds) == 1 else f"{seeds[0]}-{seeds[-1]}"
            label = f"{labels[line]} [{count} seed(s)]"
            if len({m.model for m in members}) == 1 and len({c.model for c in groups}) > 1:
                label = f"{members[0].model}, {label}"
            colour = colours[labels[line]]
            ax.plot(sizes, mean, "-o", markersize=4, color=colour, label=label)
            ax.fill_between(sizes, low, high, color=colour, alpha=0.15, linewidth=0)
        for base in bases:
            value = (
                float(np.mean([base.accuracy[b] for b in benchmarks if b in base.accuracy]))
                if panel == AVG and all(b in base.accuracy for b in benchmarks)
                else base.accuracy.get(panel)
            )
            if value is not None:
                ax.axhline(value, color="0.5", linestyle="--", label=f"{base.model} (base)")
        ax.set_xscale("log", base=2)
        _finish(
            ax,
            panel if panel != AVG else f"{AVG} over {len(benchmarks)} benchmarks",
            "training prompts",
            "final held-out accuracy",
        )
    axes[0].legend(fontsize=7, loc="best")
    fig.suptitle(
        "Data-scale effect (mean over seeds; band = 95% interval: t over seeds, Wilson for one seed)",
        fontsize=11,
    )
    margins(fig)
    return save(fig, path)


@matplotlib.rc_context(STYLE)
def reward_gain_figure(items: Sequence[Analysed], benchmarks: Sequence[str], path: Path) -> Path | None:
    """Avg. held-out gain over the base model per reward type, a bar per data size (never pooled over
    sizes), mean over seeds; whiskers = 95% interval (t over seeds; one seed: binomial over problems)."""
    by_model: dict[str, dict[tuple[str, int], list[tuple[float, float]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for cell in cells(items):
        for item in cell.items:
            gains = [item.diag.gain.get(b) for b in benchmarks]
            level = final_avg(item, benchmarks)
            if gains and all(g is not None for g in gains) and level is not None:
                by_model[cell.model][(cell.reward_type, cell.train_prompts or 0)].append(
                    (float(np.mean(gains)), level)
                )
    if not by_model:
        return None
    problems = effective_problems(benchmarks)
    fig, axes = grid(len(by_model), panel_width=8.0)
    for ax, (model, by_cell) in zip(axes, sorted(by_model.items()), strict=True):
        types = sorted({t for t, _ in by_cell})
        sizes = sorted({s for _, s in by_cell})
        colours = size_colours(sizes)
        width = 0.8 / len(sizes)
        for j, size in enumerate(sizes):
            xs, means, errs = [], [], []
            for i, reward_type in enumerate(types):
                runs = by_cell.get((reward_type, size), [])
                estimate = gain_estimate(
                    [g for g, _ in runs], float(np.mean([v for _, v in runs] or [0])), problems
                )
                if estimate is None:
                    continue
                xs.append(i + (j - (len(sizes) - 1) / 2) * width)
                means.append(estimate.mean)
                errs.append(estimate.high - estimate.mean if np.isfinite(estimate.high) else 0.0)
            ax.bar(
                xs, means, width, yerr=errs, capsize=2, color=colours[size], label=f"{size or '?'} prompts"
            )
        ax.axhline(0.0, color="0.3", linewidth=0.8)
        ax.set_xticks(range(len(types)), types, rotation=15)
        _finish(ax, model, "", f"{AVG} held-out gain over base")
    axes[0].legend(fontsize=7, loc="best", ncol=2)
    fig.suptitle(
        "Reward type vs held-out gain, per data size (mean over seeds; whiskers: 95% interval, t over seeds, "
        "binomial over problems for one seed)",
        fontsize=10,
    )
    margins(fig)
    return save(fig, path)


@matplotlib.rc_context(STYLE)
def hacking_figure(items: Sequence[Analysed], thresholds: Thresholds, path: Path) -> Path | None:
    """Reward rise vs true-accuracy rise per run (with the accuracy rise's standard error)."""
    points = [i for i in items if i.diag.reward_rise is not None and i.diag.acc_rise is not None]
    if not points:
        return None
    colours = colour_map([i.reward_type for i in points])
    fig, ax = plt.subplots(figsize=(7.5, 5.5))
    left = min([*(i.diag.acc_rise for i in points), thresholds.hacking_acc_rise]) - 0.05
    top = max([*(i.diag.reward_rise for i in points), thresholds.hacking_reward_rise]) + 0.05
    ax.fill_between(
        [left, thresholds.hacking_acc_rise],
        thresholds.hacking_reward_rise,
        top,
        color="C3",
        alpha=0.1,
        label="reward-hacking region",
    )
    for reward_type in sorted(colours):
        chosen = [i for i in points if i.reward_type == reward_type]
        ax.errorbar(
            [i.diag.acc_rise for i in chosen],
            [i.diag.reward_rise for i in chosen],
            xerr=[1.645 * (i.diag.acc_rise_se or 0.0) for i in chosen],
            fmt="o",
            markersize=4,
            color=colours[reward_type],
            label=reward_type,
            capsize=2,
        )
    ax.axhline(0.0, color="0.6", linewidth=0.8)
    ax.axvline(0.0, color="0.6", linewidth=0.8)
    ax.set_xlim(left=left)
    ax.set_ylim(top=top)
    _finish(
        ax,
        "Reward hacking: reward rises, accuracy does not\n(whiskers: ±1.645 SE of the accuracy rise; flagged when the right end is left of the region edge)",
        f"true accuracy rise (last vs first {thresholds.edge_fraction:.0%} of points)",
        "reward paid rise",
    )
    ax.legend(fontsize=8, loc="best")
    margins(fig)
    return save(fig, path)


def _by_reward_type(items: Sequence[Analysed]) -> dict[tuple[str, str], list[Analysed]]:
    grouped: dict[tuple[str, str], list[Analysed]] = defaultdict(list)
    for item in items:
        grouped[(item.model, item.reward_type)].append(item)
    return dict(sorted(grouped.items()))


def _panel_title(model: str, reward_type: str, models: int) -> str:
    return reward_type if models == 1 else f"{model}: {reward_type}"


DrawRun = Callable[[Axes, Analysed, tuple[float, ...], str | None], None]


@matplotlib.rc_context(STYLE)
def _overlay(
    items: Sequence[Analysed],
    keep: Callable[[Analysed], bool],
    draw: DrawRun,
    ylabel: str,
    title: str,
    path: Path,
) -> Path | None:
    """A panel per (model, reward type), every kept run drawn into it, coloured by data size."""
    groups = {k: [i for i in v if keep(i)] for k, v in _by_reward_type(items).items()}
    groups = {k: v for k, v in groups.items() if v}
    if not groups:
        return None
    colours = size_colours([i.train_prompts for v in groups.values() for i in v])
    models = len({m for m, _ in groups})
    fig, axes = grid(len(groups))
    for ax, ((model, reward_type), runs) in zip(axes, groups.items(), strict=True):
        shown: set[int | None] = set()
        for item in runs:
            label = None if item.train_prompts in shown else f"{item.train_prompts or '?'} prompts"
            shown.add(item.train_prompts)
            draw(ax, item, colours[item.train_prompts], label)
        _finish(ax, _panel_title(model, reward_type, models), "step", ylabel)
        ax.legend(fontsize=7, loc="best")
    fig.suptitle(title, fontsize=10)
    margins(fig)
    return save(fig, path)


def _draw_heldout(ax: Axes, item: Analysed, colour: tuple[float, ...], label: str | None) -> None:
    curve = item.diag.heldout_mean
    ax.plot(curve.steps, curve.values, color=colour, linewidth=1.0, marker=".", markersize=3, label=label)


def _draw_reward_and_accuracy(ax: Axes, item: Analysed, colour: tuple[float, ...], label: str | None) -> None:
    reward = item.run.train["reward"]
    ax.plot(reward.steps, reward.values, color=colour, linewidth=1.0, label=label)
    acc = item.run.train.get("train_acc")
    if acc is not None:
        ax.plot(acc.steps, acc.values, color=colour, linewidth=1.0, linestyle="--")
    elif item.diag.heldout_mean is not None:
        held = item.diag.heldout_mean
        ax.plot(held.steps, held.values, color=colour, linestyle=":", marker=".", markersize=3)


def heldout_overlay_figure(items: Sequence[Analysed], path: Path) -> Path | None:
    """Held-out Avg. over steps, a panel per reward type, a line per run (colour = data size)."""
    return _overlay(
        items,
        lambda i: i.diag.heldout_mean is not None,
        _draw_heldout,
        f"held-out {AVG}",
        f"Held-out accuracy ({AVG} over benchmarks) over training, per reward type (one line per run)",
        path,
    )


def reward_accuracy_overlay_figure(items: Sequence[Analysed], path: Path) -> Path | None:
    """Reward paid (solid) vs true accuracy (dashed) over steps, a panel per reward type, per run.

    True accuracy is train/acc/mean when logged; a run without it shows its held-out Avg. (dotted)."""
    return _overlay(
        items,
        lambda i: "reward" in i.run.train,
        _draw_reward_and_accuracy,
        "solid: reward paid; dashed: true accuracy",
        "Reward paid vs true accuracy per reward type (dashed: training batches, train/acc/mean; dotted: "
        f"held-out {AVG} when not logged)",
        path,
    )


def _k_avg(
    curves: dict[str, dict[str, dict[int, float]]], kind: str, benchmarks: Sequence[str]
) -> dict[int, float]:
    """Equal-weight mean over `benchmarks` of a pass@k / maj@k curve, at the k every benchmark has."""
    per = [curves.get(b, {}).get(kind, {}) for b in benchmarks]
    if not per or not all(per):
        return {}
    ks = sorted(set.intersection(*(set(p) for p in per)))
    return {k: float(np.mean([p[k] for p in per])) for k in ks}


@matplotlib.rc_context(STYLE)
def pass_at_k_figure(
    items: Sequence[Analysed], benchmarks: Sequence[str], bases: Sequence[BaseEval], path: Path
) -> Path | None:
    """pass@k (top) and maj@k (bottom) vs k from the final evaluations, Avg. over benchmarks, a column per
    reward type, a line per data size (mean over seeds), the base model dashed: does RL widen what the
    model can solve (pass@k at large k) or only sharpen its first answer (pass@1, maj@k)?"""
    evaluated = [c for c in cells(items) if any(i.run.eval_curves for i in c.items)]
    if not evaluated:
        return None
    columns = sorted({(c.model, c.reward_type) for c in evaluated})
    colours = size_colours([c.train_prompts for c in evaluated])
    models = len({m for m, _ in columns})
    fig, axes = plt.subplots(2, len(columns), figsize=(5.0 * len(columns), 8.0), squeeze=False)
    for col, (model, reward_type) in enumerate(columns):
        for row, kind in enumerate(("pass@k", "maj@k")):
            ax = axes[row][col]
            for cell in (c for c in evaluated if (c.model, c.reward_type) == (model, reward_type)):
                curves = [_k_avg(i.run.eval_curves, kind, benchmarks) for i in cell.items]
                curves = [c for c in curves if c]
                if not curves:
                    continue
                ks = sorted(set.intersection(*(set(c) for c in curves)))
                mean = [float(np.mean([c[k] for c in curves])) for k in ks]
                ax.plot(
                    ks,
                    mean,
                    "-o",
                    markersize=3,
                    color=colours[cell.train_prompts],
                    label=f"{cell.train_prompts or '?'} prompts ({len(curves)} seed(s))",
                )
            for base in bases:
                if base.model == model and (curve := _k_avg(base.curves, kind, benchmarks)):
                    ax.plot(
                        sorted(curve),
                        [curve[k] for k in sorted(curve)],
                        "--",
                        color="0.3",
                        label="base model",
                    )
            ax.set_xscale("log", base=2)
            _finish(ax, f"{_panel_title(model, reward_type, models)}: {kind}", "k", f"{kind} ({AVG})")
            ax.legend(fontsize=6, loc="best")
    fig.suptitle(
        f"pass@k and maj@k from the final evaluation ({AVG} over {', '.join(benchmarks)})", fontsize=11
    )
    margins(fig, hspace=0.4)
    return save(fig, path)


@dataclass(frozen=True)
class Sweep:
    """The runs of one data-scale sweep: one model, reward type and setting, every data size and seed."""

    model: str
    reward_type: str
    label: str
    cells: tuple[Cell, ...]

    @property
    def slug(self) -> str:
        """File-safe `<model>-<reward type>`, plus a short digest of the label when settings tell
        sweeps of one reward type apart (the title says which)."""
        name = f"{self.model}-{self.reward_type}"
        if self.label != self.reward_type:
            name += "-" + hashlib.sha256(self.label.encode()).hexdigest()[:6]
        return re.sub(r"[^A-Za-z0-9.]+", "-", name).strip("-").lower()


def sweeps(items: Sequence[Analysed]) -> list[Sweep]:
    all_cells = [c for c in cells(items) if c.train_prompts is not None]
    labels = line_labels(all_cells)
    grouped: dict[frozenset, list[Cell]] = defaultdict(list)
    for cell in all_cells:
        grouped[cell.line].append(cell)
    return [
        Sweep(members[0].model, members[0].reward_type, labels[line], tuple(members))
        for line, members in sorted(grouped.items(), key=lambda kv: (kv[1][0].model, labels[kv[0]]))
    ]


@matplotlib.rc_context(STYLE)
def sweep_curves_figure(
    sweep: Sweep, panels: Sequence[str], title: str, heldout: bool, path: Path
) -> Path | None:
    """The seed's per-sweep layout: a panel per quantity (or benchmark), a line per data size, mean over seeds."""
    colours = size_colours([c.train_prompts for c in sweep.cells])
    fig, axes = plt.subplots(1, len(panels), figsize=(5.2 * len(panels), 4.4), squeeze=False)
    drawn = False
    for ax, panel in zip(axes[0], panels, strict=True):
        for cell in sweep.cells:
            where = "heldout" if heldout else "train"
            curves = [s for i in cell.items if (s := getattr(i.run, where).get(panel)) is not None and len(s)]
            mean = _seed_mean(curves) if curves else None
            if mean is None:
                continue
            drawn = True
            ax.plot(
                mean.steps,
                mean.values,
                color=colours[cell.train_prompts],
                linewidth=1.2,
                marker="." if heldout else None,
                markersize=3,
                label=f"{cell.train_prompts} prompts ({len(curves)} seed(s))",
            )
        _finish(
            ax,
            panel if heldout else LABELS.get(panel, panel),
            "step",
            "validation accuracy" if heldout else LABELS.get(panel, panel),
        )
        ax.legend(fontsize=6, loc="best")
    if not drawn:
        plt.close(fig)
        return None
    fig.suptitle(f"{title} | {sweep.model} | {sweep.label}", fontsize=11)
    margins(fig)
    return save(fig, path)


def cross_figure_tasks(
    items: Sequence[Analysed], benchmarks: Sequence[str], bases: Sequence[BaseEval], thresholds: Thresholds
) -> dict[str, tuple[str, Task]]:
    """Report title -> (file name, task drawing to the path it is given), in report order."""
    tasks: dict[str, tuple[str, Task]] = {
        "Data-scale effect": ("data-scale.png", partial(data_scale_figure, items, benchmarks, bases)),
        "Reward type vs held-out gain": ("reward-gain.png", partial(reward_gain_figure, items, benchmarks)),
        "Reward hacking check": ("reward-hacking.png", partial(hacking_figure, items, thresholds)),
        "Held-out accuracy over training, per reward type": (
            "heldout-overlay.png",
            partial(heldout_overlay_figure, items),
        ),
        "Reward paid vs true accuracy, per reward type": (
            "reward-accuracy-overlay.png",
            partial(reward_accuracy_overlay_figure, items),
        ),
        "pass@k and maj@k vs k (final evaluation)": (
            "pass-at-k.png",
            partial(pass_at_k_figure, items, benchmarks, bases),
        ),
    }
    math = [b for b in SEED_MATH_BENCHMARKS if b in benchmarks]
    for sweep in sweeps(items):
        for kind, (title, quantities) in SEED_TRAIN_FIGURES.items():
            tasks[f"{sweep.model}, {sweep.label}: {title}"] = (
                f"sweep-{sweep.slug}-{kind}.png",
                partial(sweep_curves_figure, sweep, quantities, title, False),
            )
        science = any(SCIENCE_BENCHMARKS & set(i.run.heldout) for c in sweep.cells for i in c.items)
        if math and not science:  # a science sweep's math figure is science_figures' (its benchmarks)
            tasks[f"{sweep.model}, {sweep.label}: math benchmarks"] = (
                f"sweep-{sweep.slug}-math_benchmark.png",
                partial(sweep_curves_figure, sweep, math, "Math benchmark performance", True),
            )
    return tasks
