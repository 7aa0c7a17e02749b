"""PNG figures: per-run training curves and diagnostics, and comparisons across runs.

Figures have fixed sizes, sorted inputs, fixed colours and no timestamps or version metadata, so the
same run directories always give the same pixels.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from reward_signal.common.files import atomic_path  # noqa: E402
from reward_signal.report.diagnostics import Analysed, Diagnostics  # noqa: E402
from reward_signal.report.metric_keys import LABELS, TRAIN_KEYS  # noqa: E402
from reward_signal.report.runs import BaseEval, RunData  # noqa: E402
from reward_signal.report.series import Series  # noqa: E402
from reward_signal.report.thresholds import Thresholds  # noqa: E402

DPI = 80
PALETTE = plt.get_cmap("tab10").colors
# A fixed title position skips matplotlib's per-axes title-overlap search (a fifth of the drawing time).
STYLE = {"axes.titley": 1.02, "axes.titlesize": 10, "xtick.labelsize": 8, "ytick.labelsize": 8}


def colour_map(names: Sequence[str]) -> dict[str, tuple[float, float, float]]:
    """A stable colour per name, independent of which runs happen to be present."""
    return {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(sorted(set(names)))}


def save(fig: Figure, path: Path) -> Path:
    """Write the PNG atomically, without metadata that would vary between matplotlib builds."""
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=DPI, metadata={"Software": None})
    plt.close(fig)
    return path


def _margins(fig: Figure, hspace: float = 0.45, wspace: float = 0.25) -> None:
    """Fixed margins in inches, not tight_layout: same pixels every time, at half the drawing cost."""
    width, height = fig.get_size_inches()
    fig.subplots_adjust(
        left=0.75 / width,
        right=1 - 0.2 / width,
        bottom=0.75 / height,
        top=1 - 0.75 / height,
        hspace=hspace,
        wspace=wspace,
    )


def _missing(ax: Axes, title: str, what: str) -> None:
    ax.set_title(title)
    ax.text(0.5, 0.5, f"missing:\n{what}", ha="center", va="center", fontsize=9, color="0.4", wrap=True)
    ax.set_xticks([])
    ax.set_yticks([])


def _line(ax: Axes, series: Series, label: str | None = None, **style: object) -> None:
    ax.plot(series.steps, series.values, label=label, linewidth=1.2, **style)


def _train_panel(ax: Axes, run: RunData, quantity: str) -> None:
    series = run.train.get(quantity)
    if series is None:
        _missing(ax, LABELS[quantity], " or ".join(TRAIN_KEYS[quantity]))
        return
    _line(ax, series, color="C0")
    ax.set_title(f"{LABELS[quantity]}\n[{series.source}]")
    ax.set_xlabel("step")


def _reward_panel(ax: Axes, run: RunData, diag: Diagnostics) -> None:
    """Reward paid against true accuracy: of the training batches, else the held-out mean (as the flag uses)."""
    reward, acc = run.train.get("reward"), run.train.get("train_acc")
    title = "reward paid vs true accuracy"
    if reward is None and acc is None:
        _missing(ax, title, "reward and accuracy metrics")
        return
    if reward is not None:
        _line(ax, reward, "reward paid (training batches)", color="C3")
    if acc is not None:
        _line(ax, acc, "true accuracy (training batches)", color="C2", linestyle="--")
    elif diag.heldout_mean is not None:
        _line(ax, diag.heldout_mean, "true accuracy (held-out mean)", color="C2", linestyle="--", marker=".")
    ax.set_title(title)
    ax.set_xlabel("step")
    ax.legend(fontsize=8, loc="best")


def _heldout_panel(ax: Axes, run: RunData, diag: Diagnostics) -> None:
    title = "held-out accuracy (validation)"
    if not run.heldout:
        _missing(ax, title, "val-core/<data_source>/acc/mean@N")
        return
    colours = colour_map(run.heldout)
    for benchmark, series in run.heldout.items():
        _line(ax, series, benchmark, color=colours[benchmark], marker=".", markersize=4)
    if diag.heldout_mean is not None and diag.peak is not None:
        _line(ax, diag.heldout_mean, "mean", color="black", linestyle="--")
        ax.plot(
            [diag.peak.step], [diag.peak.value], marker="*", markersize=12, color="black", linestyle="none"
        )
        ax.annotate(
            f"peak step {diag.peak.step}\ndrop {diag.peak.drop:+.3f}",
            (diag.peak.step, diag.peak.value),
            textcoords="offset points",
            xytext=(6, 6),
            fontsize=8,
        )
    ax.set_title(title)
    ax.set_xlabel("step")
    ax.legend(fontsize=7, loc="best")


def _gap_panel(ax: Axes, run: RunData, diag: Diagnostics) -> None:
    title = "generalization gap (train - held-out accuracy)"
    if diag.gap is None:
        needs = " or ".join(TRAIN_KEYS["train_acc"]) if "train_acc" not in run.train else "held-out accuracy"
        _missing(ax, title, needs)
        return
    _line(ax, diag.gap, color="C4", marker=".", markersize=4)
    ax.axhline(0.0, color="0.6", linewidth=0.8)
    ax.set_title(title)
    ax.set_xlabel("step")


@matplotlib.rc_context(STYLE)
def run_figure(item: Analysed, path: Path) -> Path:
    """Eight panels: reward vs accuracy, held-out, gap, length, truncation, entropy, KL, grad norm."""
    run, diag = item.run, item.diag
    fig, axes = plt.subplots(2, 4, figsize=(17, 7.5))
    for ax in axes.flat:  # fewer ticks: tick objects are most of what a panel costs to draw
        ax.xaxis.set_major_locator(MaxNLocator(4))
        ax.yaxis.set_major_locator(MaxNLocator(4))
    _reward_panel(axes[0, 0], run, diag)
    _heldout_panel(axes[0, 1], run, diag)
    _gap_panel(axes[0, 2], run, diag)
    for ax, quantity in zip(
        [axes[0, 3], *axes[1]], ("response_length", "clip_ratio", "entropy", "kl", "grad_norm"), strict=True
    ):
        _train_panel(ax, run, quantity)
    flags = [name for name, on in (("overfit", diag.overfit), ("reward hacking", diag.reward_hacking)) if on]
    fig.suptitle(
        f"{run.name}: {item.model}, {item.reward_type}, {item.train_prompts or '?'} prompts"
        + (f"  [flags: {', '.join(flags)}]" if flags else ""),
        fontsize=12,
    )
    _margins(fig, wspace=0.22)
    return save(fig, path)


def _grid(count: int, panel_width: float = 5.5) -> tuple[Figure, list[Axes]]:
    cols = 2 if count == 4 else min(count, 3)
    rows = -(-count // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(panel_width * cols, 4.2 * rows), squeeze=False)
    flat = list(axes.flat)
    for ax in flat[count:]:
        ax.set_visible(False)
    return fig, flat[:count]


@matplotlib.rc_context(STYLE)
def data_scale_figure(
    items: Sequence[Analysed], benchmarks: Sequence[str], bases: Sequence[BaseEval], path: Path
) -> Path | None:
    """Final held-out accuracy vs number of training prompts: a line per model x reward type, seeds averaged;
    a grey line per base model evaluated (--base), the level training has to beat."""
    groups: dict[tuple[str, str], dict[int, list[tuple[str, float]]]] = defaultdict(lambda: defaultdict(list))
    for item in items:
        if item.train_prompts is not None:
            for benchmark, value in item.diag.final.items():
                groups[(item.model, item.reward_type)][item.train_prompts].append((benchmark, value))
    if not groups:
        return None
    colours = colour_map([reward_type for _, reward_type in groups])
    models = sorted({model for model, _ in groups})
    styles = {model: ("-", "--", ":", "-.")[i % 4] for i, model in enumerate(models)}
    fig, axes = _grid(len(benchmarks))
    for ax, benchmark in zip(axes, benchmarks, strict=True):
        for (model, reward_type), by_size in sorted(groups.items()):
            sizes = sorted(size for size, values in by_size.items() if any(b == benchmark for b, _ in values))
            if not sizes:
                continue
            per_seed = [[v for b, v in by_size[size] if b == benchmark] for size in sizes]
            mean = np.array([np.mean(v) for v in per_seed])
            label = f"{reward_type}" if len(models) == 1 else f"{model}, {reward_type}"
            ax.plot(
                sizes, mean, styles[model], marker="o", markersize=4, color=colours[reward_type], label=label
            )
            if any(len(v) > 1 for v in per_seed):
                low, high = [np.min(v) for v in per_seed], [np.max(v) for v in per_seed]
                ax.fill_between(sizes, low, high, color=colours[reward_type], alpha=0.15, linewidth=0)
        for base in bases:
            if base.model in styles and benchmark in base.accuracy:
                label = "base model" if len(models) == 1 else f"{base.model}, base"
                ax.axhline(base.accuracy[benchmark], color="0.5", linestyle=styles[base.model], label=label)
        ax.set_xscale("log", base=2)
        ax.set_title(benchmark, fontsize=11)
        ax.set_xlabel("training prompts")
        ax.set_ylabel("final held-out accuracy")
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8, loc="best")
    fig.suptitle("Data-scale effect (line = seed mean, band = min-max over seeds)", fontsize=12)
    _margins(fig)
    return save(fig, path)


@matplotlib.rc_context(STYLE)
def reward_gain_figure(items: Sequence[Analysed], benchmarks: Sequence[str], path: Path) -> Path | None:
    """Held-out gain over the base model per reward type: bars = mean over runs, whiskers = min-max."""
    gains: dict[str, dict[str, dict[str, list[float]]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(list))
    )
    for item in items:
        for benchmark, value in item.diag.gain.items():
            gains[item.model][item.reward_type][benchmark].append(value)
    if not gains:
        return None
    colours = colour_map(benchmarks)
    most_types = max(len(by_type) for by_type in gains.values())
    fig, axes = _grid(len(gains), panel_width=max(6.5, 0.5 * len(benchmarks) * most_types + 2))
    width = 0.8 / max(1, len(benchmarks))
    for ax, (model, by_type) in zip(axes, sorted(gains.items()), strict=True):
        reward_types = sorted(by_type)
        x = np.arange(len(reward_types))
        for j, benchmark in enumerate(benchmarks):
            values = [by_type[t].get(benchmark, []) for t in reward_types]
            mean = np.array([np.mean(v) if v else np.nan for v in values])
            low = np.array([mean[i] - min(v) if v else 0.0 for i, v in enumerate(values)])
            high = np.array([max(v) - mean[i] if v else 0.0 for i, v in enumerate(values)])
            ax.bar(
                x + (j - (len(benchmarks) - 1) / 2) * width,
                mean,
                width,
                yerr=[low, high],
                capsize=2,
                color=colours[benchmark],
                label=benchmark,
            )
        ax.axhline(0.0, color="0.3", linewidth=0.8)
        ax.set_xticks(x, reward_types, rotation=20)
        ax.set_ylabel("held-out accuracy gain over base")
        ax.set_title(model, fontsize=11)
        ax.grid(axis="y", alpha=0.3)
    axes[0].legend(fontsize=8, loc="best")
    fig.suptitle("Reward type vs held-out gain (mean over runs, whiskers min-max)", fontsize=12)
    _margins(fig)
    return save(fig, path)


@matplotlib.rc_context(STYLE)
def hacking_figure(items: Sequence[Analysed], thresholds: Thresholds, path: Path) -> Path | None:
    """Reward rise vs true-accuracy rise per run, with the reward-hacking region shaded."""
    points = [i for i in items if i.diag.reward_rise is not None and i.diag.acc_rise is not None]
    if not points:
        return None
    colours = colour_map([i.reward_type for i in points])
    fig, ax = plt.subplots(figsize=(7.5, 5.5))
    xs = [i.diag.acc_rise for i in points]
    ys = [i.diag.reward_rise for i in points]
    left = min([*xs, thresholds.hacking_acc_rise]) - 0.05
    top = max([*ys, thresholds.hacking_reward_rise]) + 0.05
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
        ax.scatter(
            [i.diag.acc_rise for i in chosen],
            [i.diag.reward_rise for i in chosen],
            color=colours[reward_type],
            label=reward_type,
            s=25,
        )
    ax.axhline(0.0, color="0.6", linewidth=0.8)
    ax.axvline(0.0, color="0.6", linewidth=0.8)
    ax.set_xlim(left=left)
    ax.set_ylim(top=top)
    ax.set_xlabel(f"true accuracy rise (last vs first {thresholds.edge_fraction:.0%} of points)")
    ax.set_ylabel("reward paid rise")
    ax.set_title("Reward hacking: reward rises, accuracy does not", fontsize=11)
    ax.legend(fontsize=8, loc="best")
    ax.grid(alpha=0.3)
    _margins(fig)
    return save(fig, path)
