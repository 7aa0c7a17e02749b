"""`reward-signal report`: compare runs and flag overfitting and reward hacking (no heavy imports here)."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

from reward_signal.report.thresholds import Thresholds

EXAMPLES = """examples:
  reward-signal report runs/ --out report/
  reward-signal report 'runs/qwen-*' --out report/qwen --base Qwen/Qwen2.5-Math-1.5B=evals/base-qwen
  reward-signal report runs/a runs/b --out report/ab --overfit-drop 0.05

Open report/report.html (self-contained) or read report/report.md; every number is in report/runs.csv;
figures are in report/figures/ as PNG (200 dpi) and PDF.

Inputs: run directories written by `reward-signal train`, or experiments the seed's scripts logged to
MLflow file stores (<experiment>/mlflow/<id>/<run>/). True training accuracy comes from train/acc/mean,
which the kit's VERL plugin logs every step; older runs fall back to rollout dumps (`acc`, or
--regrade-rollouts). Flags are one-sided tests with a 5% false-positive rate (docs/report.md).
"""


def register(tree) -> None:  # noqa: ANN001 - reward_signal.cli.CommandTree (importing it would be circular)
    parser = tree.command(
        "report",
        "Compare runs: curves, data-scale and reward-type figures, overfitting and reward-hacking flags.",
        usage="reward-signal report RUN_DIR_OR_GLOB [RUN_DIR_OR_GLOB ...] --out DIR [options]",
        epilog=EXAMPLES,
    )
    parser.add_argument(
        "runs",
        nargs="+",
        metavar="RUN_DIR_OR_GLOB",
        help="run directories (runs/<experiment>), globs of them, or a directory holding them (runs/)",
    )
    parser.add_argument(
        "--out", type=Path, required=True, help="directory for report.html, report.md, runs.csv and figures/"
    )
    parser.add_argument(
        "--base",
        action="append",
        default=[],
        metavar="[MODEL=]EVAL_DIR",
        help="a base model's `reward-signal eval --out` directory, to measure gains (repeat per model); runs "
        "whose run.json model equals MODEL (default: summary.json's model) are compared with it, the others "
        "with their own step-0 validation",
    )
    for spec in dataclasses.fields(Thresholds):
        parser.add_argument(
            "--" + spec.name.replace("_", "-"),
            type=int if spec.type in (int, "int") else float,
            default=spec.default,
            help=f"{spec.metadata['help']} (default {spec.default})",
        )
    parser.add_argument(
        "--regrade-rollouts",
        action="store_true",
        help="for runs launched before the kit's VERL plugin (no train/acc/mean): grade "
        "<run>/rollouts/<step>.jsonl with the rule-based grader for true training-batch accuracy, one step "
        "file at a time, cached in <run>/rollouts/regraded/ (slow the first time: every response)",
    )
    parser.add_argument(
        "--jobs", type=int, default=None, help="processes drawing figures (default: one per CPU)"
    )
    parser.set_defaults(func=handle)


def accuracy_sources(items, regraded: bool) -> str:  # noqa: ANN001 - Analysed; imported lazily
    """Where each run's true training accuracy came from, and what to do for the runs without it."""
    from collections import Counter

    counts = Counter(i.run.train["train_acc"].source if "train_acc" in i.run.train else "" for i in items)
    parts = [f"{n} from {source}" for source, n in sorted(counts.items()) if source]
    if counts[""]:
        hint = "" if regraded else "; --regrade-rollouts grades rollout dumps of runs older than the plugin"
        parts.append(f"{counts['']} without it (reward-hacking checks fall back to held-out accuracy{hint})")
    return "true training accuracy: " + ", ".join(parts)


def handle(args: argparse.Namespace) -> int:
    from reward_signal.report.build import build_report
    from reward_signal.report.runs import load_base

    thresholds = Thresholds(
        **{spec.name: getattr(args, spec.name) for spec in dataclasses.fields(Thresholds)}
    )
    bases = [load_base(spec) for spec in args.base]
    outputs = build_report(
        args.runs,
        args.out,
        thresholds,
        bases,
        progress=sys.stderr.isatty(),
        jobs=args.jobs,
        regrade_rollouts=args.regrade_rollouts,
    )
    flagged = sum(bool(i.diag.reward_hacking or i.diag.overfit) for i in outputs.items)
    incomplete = sum(bool(i.run.missing) for i in outputs.items)
    print(f"{len(outputs.items)} run(s): {flagged} flagged, {incomplete} with missing inputs")
    print(accuracy_sources(outputs.items, args.regrade_rollouts))
    print(f"wrote {outputs.html}, {outputs.markdown}, {outputs.csv} and {len(outputs.figures)} figure(s)")
    return 0
