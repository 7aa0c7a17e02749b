"""`reward-signal train` and `reward-signal sweep` (stdlib only here; the work is imported lazily)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

TRAIN_EPILOG = """examples:
  reward-signal train --exp debug --mode MODE1 --dry-run
  reward-signal train --exp llama31-8b-rlvr8k --mode prod
  reward-signal train --exp llama31-8b-rlvr8k --mode MODE2 --set actor_rollout_ref.actor.ppo_mini_batch_size=32
  RAY_ADDRESS=ray-head:6379 NNODES=2 GPUS_PER_NODE=8 reward-signal train --exp llama31-8b-rlvr8k --mode cluster

modes: MODE1 (debug) 1 GPU here; MODE2 (prod) 8 GPUs on this node; MODE3 (cluster) an existing Ray
cluster given by RAY_ADDRESS, NNODES, GPUS_PER_NODE. Outputs: $REWARD_SIGNAL_RUNS_DIR/<experiment>/
(default ./runs). Config errors exit with 78 and launch nothing."""

SWEEP_EPILOG = """examples:
  reward-signal sweep --grid script/experiments/grids/datascale-qwen25-math-1.5b.yaml --out sweeps/datascale
  reward-signal k8s render --exp debug --sweep sweeps/datascale --out k8s/rendered"""


FIDELITY_EPILOG = """The table (reward_signal/launch/fidelity.yaml) lists every override of the seed's production,
math data-scale and science data-scale scripts with the verl 0.9.1 value the kit renders and its status
(same / translated / deliberate deviation / forced by verl 0.9.1).
examples:
  reward-signal fidelity
  reward-signal fidelity --write-doc docs/fidelity.md"""


def register(tree: Any) -> None:
    train = tree.command(
        "train",
        "Validate an experiment against the installed VERL and launch it (or print the command with --dry-run).",
        usage="reward-signal train --exp FILE_OR_NAME --mode MODE1|MODE2|MODE3 [--set KEY=VALUE ...] [--dry-run]",
        epilog=TRAIN_EPILOG,
    )
    train.add_argument(
        "--exp", required=True, help="experiment YAML path, or a name under script/experiments/"
    )
    train.add_argument("--mode", required=True, help="MODE1|MODE2|MODE3 (aliases: debug, prod, cluster)")
    train.add_argument(
        "--set",
        dest="sets",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a VERL Hydra override applied last and validated like the rest (repeatable)",
    )
    train.add_argument("--name", help="run name (default: the experiment's); outputs go to <runs>/<name>/")
    train.add_argument("--model", help="policy model: Hugging Face id or local directory")
    train.add_argument(
        "--reward-type", help="reward type, e.g. rule_based, random, format (seed spellings work)"
    )
    train.add_argument(
        "--runs-dir", help="root of run directories (default $REWARD_SIGNAL_RUNS_DIR or ./runs)"
    )
    train.add_argument(
        "--no-data-check",
        action="store_true",
        help="render for another machine: do not require the data files here",
    )
    train.add_argument(
        "--dry-run", action="store_true", help="validate and print the command; launch nothing"
    )
    train.set_defaults(func=run_train)

    sweep = tree.command(
        "sweep",
        "Expand a grid (e.g. data size x reward type x seed) into one experiment file per cell.",
        usage="reward-signal sweep --grid FILE --out DIR",
        epilog=SWEEP_EPILOG,
    )
    sweep.add_argument("--grid", required=True, help="grid YAML (base experiment + axes)")
    sweep.add_argument("--out", required=True, help="directory for the cell experiment files")
    sweep.set_defaults(func=run_sweep)

    fidelity = tree.command(
        "fidelity",
        "Check every seed-reproducing experiment against the seed fidelity table (exit 1 on any drift).",
        usage="reward-signal fidelity [--write-doc PATH]",
        epilog=FIDELITY_EPILOG,
    )
    fidelity.add_argument(
        "--write-doc",
        metavar="PATH",
        help="rewrite the generated table between the markers of PATH (e.g. docs/fidelity.md)",
    )
    fidelity.set_defaults(func=run_fidelity)


def run_train(args: argparse.Namespace) -> int:
    from pathlib import Path

    from reward_signal.launch.train import launch, prepare, seed_reward_type

    if args.no_data_check and not args.dry_run:
        from reward_signal.common.errors import ConfigError

        raise ConfigError(
            "--no-data-check only renders (--dry-run): a launch needs its data files here, checked"
        )
    patch: dict[str, Any] = {}
    if args.name:
        patch["name"] = args.name
    if args.model:
        patch["model"] = {"path": args.model}
    if args.reward_type:
        patch["reward"] = {"type": seed_reward_type(args.reward_type)}
    plan = prepare(
        args.exp,
        args.mode,
        args.sets,
        patch=patch,
        runs_root=Path(args.runs_dir) if args.runs_dir else None,
        check_data=not args.no_data_check,
    )
    for notice in plan.notices:
        print(notice, file=sys.stderr)
    if args.dry_run:
        print(f"# validated against the installed VERL; run directory: {plan.paths.run_dir}")
        print(plan.command)
        return 0
    print(
        f"launching {plan.experiment.name} ({plan.layout.mode}, {plan.layout.n_gpus} GPUs) -> {plan.paths.run_dir}"
    )
    launch(plan)


def run_sweep(args: argparse.Namespace) -> int:
    from pathlib import Path

    from reward_signal.launch.sweep import write_sweep

    for path in write_sweep(Path(args.grid), Path(args.out)):
        print(path)
    return 0


def run_fidelity(args: argparse.Namespace) -> int:
    from pathlib import Path

    from reward_signal.common.files import write_text
    from reward_signal.launch.fidelity import drift, load_table, with_generated_table

    table = load_table()
    problems = drift(table)
    for problem in problems:
        print(problem, file=sys.stderr)
    if args.write_doc:
        path = Path(args.write_doc)
        write_text(path, with_generated_table(path.read_text(encoding="utf-8"), table, str(path)))
        print(f"wrote the fidelity table into {path}")
    rows = len(table.rows)
    print(
        f"{rows} rows, {len(table.scripts)} seed scripts: "
        + (f"{len(problems)} drift(s)" if problems else "no drift")
    )
    return 1 if problems else 0
