"""`reward-signal data synth` and `data corrupt-labels`: the signal-quality controls.

Only the stdlib and the stdlib-only `synth` module (for the list of kinds) are imported at the top.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from reward_signal.data.synth import KINDS

if TYPE_CHECKING:  # type only: imports go one way, cli -> areas
    from reward_signal.cli import CommandTree

SYNTH_EXAMPLES = """examples:
  reward-signal data synth --kind arithmetic --n 500 --difficulty 3 --seed 1 --out synth-arith.parquet
  reward-signal data synth --kind all --difficulty 1-5 --n 700 --seed 2026 --out synth-mixed.parquet
  reward-signal data synth --kind linear,fractions --difficulty 2,4 --n 1000 --seed 7 --out synth-algebra.parquet
"""

CORRUPT_EXAMPLES = """examples:
  reward-signal data corrupt-labels --source math8k.parquet --fraction 0.5 --mode wrong --seed 1 --out math8k-wrong50.parquet
  reward-signal data corrupt-labels --source math8k --fraction 0.2 --mode shuffle --seed 1 --out math8k-shuffle20.parquet
"""


def register(tree: CommandTree) -> None:
    group = tree.group("data", "Fetch, validate and transform datasets")

    synth = group.add_parser(
        "synth",
        help="Generate fresh math problems with exact answers (an uncontaminated benchmark)",
        description="Write procedurally generated problems in the VERL evaluation schema "
        "(data_source synth-<kind>, split test). A new seed gives problems no model can have seen.",
        usage="reward-signal data synth --kind KIND[,KIND...]|all --n N --difficulty D|D1,D2|D1-D2 --seed S --out FILE",
        epilog=SYNTH_EXAMPLES,
    )
    synth.add_argument(
        "--kind",
        default="all",
        help=f"{', '.join(KINDS)}; a comma list or 'all' (kinds alternate row by row). Default: all",
    )
    synth.add_argument("--n", type=int, default=500, help="number of problems (default 500)")
    synth.add_argument(
        "--difficulty",
        default="1-5",
        help="1..5: number of operations and operand sizes; a list 1,3 or range 1-5 cycles (default 1-5)",
    )
    synth.add_argument("--seed", type=int, default=0, help="same seed, same file (default 0)")
    synth.add_argument("--out", type=Path, required=True, help="output parquet file")
    synth.set_defaults(func=_synth)

    corrupt = group.add_parser(
        "corrupt-labels",
        help="Replace the ground truth of a fraction of rows with a verified-wrong answer",
        description="Corrupt a fraction of a dataset's labels, either with a nearby wrong answer (--mode wrong) "
        "or with another row's answer (--mode shuffle). Each replacement is checked with the rule-based grader "
        "to be NOT equal to the original; extra_info records label_corrupted and label_original.",
        usage="reward-signal data corrupt-labels --source FILE|NAME --fraction P --mode wrong|shuffle --seed S --out FILE",
        epilog=CORRUPT_EXAMPLES,
    )
    corrupt.add_argument(
        "--source", required=True, help="parquet file, or a manifest dataset name (e.g. math8k)"
    )
    corrupt.add_argument("--fraction", type=float, required=True, help="share of rows to corrupt, 0..1")
    corrupt.add_argument(
        "--mode", default="wrong", help="wrong (perturbed answer) or shuffle (another row's answer)"
    )
    corrupt.add_argument("--seed", type=int, default=0, help="same seed, same rows and labels (default 0)")
    corrupt.add_argument("--out", type=Path, required=True, help="output parquet file")
    corrupt.set_defaults(func=_corrupt)


def _synth(args: argparse.Namespace) -> int:
    from reward_signal.data.parquet import write_rows
    from reward_signal.data.synth import parse_difficulties, parse_kinds, synth_rows

    kinds, difficulties = parse_kinds(args.kind), parse_difficulties(args.difficulty)
    rows = synth_rows(kinds, difficulties, args.n, args.seed)
    metadata = {
        "synth": {"kinds": list(kinds), "difficulties": list(difficulties), "n": args.n, "seed": args.seed}
    }
    write_rows(args.out, rows, metadata=metadata)
    print(f"wrote {len(rows)} problems ({', '.join(kinds)}; difficulty {args.difficulty}) to {args.out}")
    return 0


def _corrupt(args: argparse.Namespace) -> int:
    from reward_signal.data.corrupt import check_arguments, corrupt_file
    from reward_signal.data.manifest import dataset_path

    check_arguments(args.fraction, args.mode)
    report = corrupt_file(
        dataset_path(args.source), args.out, args.fraction, args.mode, args.seed, progress=True
    )
    print(f"corrupted {len(report.corrupted)} labels ({args.mode}, seed {args.seed}); wrote {args.out}")
    if report.given_up:
        print(f"note: {len(report.given_up)} rows had no answer verified as different and were left clean")
    return 0
