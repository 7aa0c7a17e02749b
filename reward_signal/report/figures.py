"""Per-run figures, and what every figure shares: style, colours, layout and saving.

Figures have fixed sizes, sorted inputs, fixed colours and no timestamps or version metadata, so the
same run directories always give the same pixels. Each is saved at print resolution (DPI) as PNG, for
the report pages, and as PDF beside it, for papers. Comparisons across runs are in cross_figures.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from reward_signal.common.files import atomic_path  # noqa: E402
from reward_signal.report.diagnostics import Analysed, Diagnostics  # noqa: E402
from reward_signal.report.metric_keys import LABELS, TRAIN_KEYS  # noqa: E402
from reward_signal.report.runs import RunData  # noqa: E402
from reward_signal.report.series import Series  # noqa: E402

DPI = 200  # print resolution; the PDF beside each PNG is vector
PALETTE = plt.get_cmap("tab10").colors
# A fixed title position skips matplotlib's per-axes title-overlap search (a fifth of the drawing time).
STYLE = {"axes.titley": 1.02, "axes.titlesize": 10, "xtick.labelsize": 8, "ytick.labelsize": 8}


def colour_map(names: Sequence[str]) -> dict[str, tuple[float, float, float]]:
    """A stable colour per name, independent of which runs happen to be present."""
    return {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(sorted(set(names)))}


def save(fig: Figure, path: Path) -> Path:
    """Write the PNG and a PDF beside it (`path` with .pdf), atomically, without metadata that would
    vary between matplotlib builds or runs (PDF creation date)."""
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=DPI, metadata={"Software": None})
    with atomic_path(path.with_suffix(".pdf")) as tmp:
        fig.savefig(tmp, format="pdf", metadata={"Creator": None, "Producer": None, "CreationDate": None})
    plt.close(fig)
    return path


def margins(fig: Figure, hspace: float = 0.45, wspace: float = 0.25) -> None:
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
    title = "held-out accuracy (validation; band: Avg. ± 1.96 SE)"
    if not run.heldout:
        _missing(ax, title, "val-core/<data_source>/acc/mean@N")
        return
    colours = colour_map(run.heldout)
    for benchmark, series in run.heldout.items():
        _line(ax, series, benchmark, color=colours[benchmark], marker=".", markersize=4)
    if diag.heldout_mean is not None and diag.peak is not None:
        mean = diag.heldout_mean
        _line(ax, mean, "Avg.", color="black", linestyle="--")
        if diag.heldout_se is not None:  # the noise the overfit test compares the drop with
            band = 1.96 * diag.heldout_se
            ax.fill_between(
                mean.steps, mean.values - band, mean.values + band, color="black", alpha=0.1, linewidth=0
            )
        ax.plot(
            [diag.peak.step], [diag.peak.value], marker="*", markersize=12, color="black", linestyle="none"
        )
        test = diag.overfit_test
        verdict = f" vs {test.critical:.3f} from noise" if test is not None else " (too few points to test)"
        ax.annotate(
            f"peak step {diag.peak.step}\ndrop {diag.peak.drop:+.3f}{verdict}",
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
    margins(fig, wspace=0.22)
    return save(fig, path)


def grid(count: int, panel_width: float = 5.5) -> tuple[Figure, list[Axes]]:
    cols = 2 if count == 4 else min(count, 3)
    rows = -(-count // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(panel_width * cols, 4.2 * rows), squeeze=False)
    flat = list(axes.flat)
    for ax in flat[count:]:
        ax.set_visible(False)
    return fig, flat[:count]
