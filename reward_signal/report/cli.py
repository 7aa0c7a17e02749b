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

Open report/report.html (self-contained) or read report/report.md; every number is in report/runs.csv.
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
        help="grade <run>/rollouts/<step>.jsonl with the rule-based grader for true training-batch accuracy "
        "when neither the metrics nor the dumps record it (VERL 0.9.1's default trainer; slow: every response)",
    )
    parser.add_argument(
        "--jobs", type=int, default=None, help="processes drawing figures (default: one per CPU)"
    )
    parser.set_defaults(func=handle)


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
    print(f"wrote {outputs.html}, {outputs.markdown}, {outputs.csv} and {len(outputs.figures)} figure(s)")
    return 0
