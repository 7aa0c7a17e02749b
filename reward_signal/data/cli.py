"""`reward-signal data fetch | validate | subsets | contamination | template` (stdlib imports only)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

FETCH_EXAMPLES = """examples:
  reward-signal data fetch --list
  reward-signal data fetch --only math8k aime2024 aime2025 math500 amc
  reward-signal data fetch --mirror /mnt/datasets/reward-signal --dest /scratch/data
  REWARD_SIGNAL_DATA_MIRROR=../shared/data/seed reward-signal data fetch
"""
VALIDATE_EXAMPLES = """examples:
  reward-signal data validate my_train.parquet
  reward-signal data validate math8k aime2024 --max-problems 10
"""
SUBSETS_EXAMPLES = """examples:
  reward-signal data subsets --source math8k-difficulty --model Qwen2.5-Math-1.5B --out subsets/qwen --prefix qwen_sky_math
  reward-signal data subsets --source my_with_difficulty.parquet --model MyModel-7B --sizes 64,256 --out subsets/my --upsample-to 0
"""
CONTAMINATION_EXAMPLES = """examples:
  reward-signal data contamination --train math8k --eval aime2024 aime2025 math500 amc --report contamination.json
  reward-signal data contamination --train my_train.parquet --eval math500 --ngram 8 --drop my_train.clean.parquet
"""
TEMPLATE_EXAMPLES = """examples:
  reward-signal data template --source math8k --system-prompt none --out math8k-base.parquet
  reward-signal data template --source aime2024 --system-prompt prompts/cot.txt --out aime2024-cot.parquet
  reward-signal data template --source math8k --add-question --out math8k-judge.parquet
"""


def _parser(
    group: argparse._SubParsersAction, name: str, help: str, usage: str, epilog: str, description: str = ""
):  # type: ignore[no-untyped-def]
    return group.add_parser(
        name,
        help=help,
        description=description or help,
        usage=usage,
        epilog=epilog,
    )


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated integers such as 8,16,64, got {text!r}"
        ) from None
    if not sizes or min(sizes) <= 0:
        raise argparse.ArgumentTypeError(f"sizes must be positive integers, got {text!r}")
    return sizes


def register(tree) -> None:  # noqa: ANN001 - reward_signal.cli.CommandTree (imports go one way)
    group = tree.group("data", "Fetch, validate and transform datasets")

    fetch = _parser(
        group,
        "fetch",
        "Download the pinned datasets (or copy them from a mirror), verify sha256 and rows",
        "reward-signal data fetch [--only NAME ...] [--dest DIR] [--mirror DIR|URL] [--list]",
        FETCH_EXAMPLES,
        "Download every dataset in data/manifest.yaml (or those named by --only), resuming partial downloads, "
        "verify sha256 and row count, and only then move each file into place. Verified files are skipped.",
    )
    fetch.add_argument(
        "--only", nargs="+", action="extend", metavar="NAME", help="dataset names (default: all)"
    )
    fetch.add_argument(
        "--dest", type=Path, help="target directory (default: $REWARD_SIGNAL_DATA_DIR or ~/.cache/...)"
    )
    fetch.add_argument(
        "--mirror",
        help="directory or http(s) base URL holding the manifest's relative paths, used instead of the "
        "pinned URLs (default: $REWARD_SIGNAL_DATA_MIRROR)",
    )
    fetch.add_argument("--retries", type=int, default=4, help="download retries per file (default 4)")
    fetch.add_argument("--list", action="store_true", help="print the manifest's datasets and exit")
    fetch.set_defaults(func=_fetch)

    validate = _parser(
        group,
        "validate",
        "Check parquet files against what VERL's RL dataset and the reward function need",
        "reward-signal data validate FILE|NAME [FILE|NAME ...] [--max-problems N]",
        VALIDATE_EXAMPLES,
    )
    validate.add_argument("files", nargs="+", metavar="FILE|NAME")
    validate.add_argument(
        "--max-problems", type=int, default=50, help="problems printed per file (default 50)"
    )
    validate.set_defaults(func=_validate)

    subsets = _parser(
        group,
        "subsets",
        "Build difficulty-balanced data-scale subsets for one model (the seed's water-filling rule)",
        "reward-signal data subsets --source FILE|NAME --model NAME --out DIR [--sizes 8,16,...] "
        "[--prefix P] [--upsample-to 64]",
        SUBSETS_EXAMPLES,
        "Keep rows whose difficulty for --model (correct answers out of 16) is 1..15, then fill each size by "
        "equal allocation over the 15 difficulty levels in source order. Sizes below --upsample-to also get an "
        "_upsample file repeating the subset up to that many rows. The SCP science subsets cannot be rebuilt: "
        "their 10,240-row source with difficulty (scp_10240) was never published.",
    )
    subsets.add_argument(
        "--source", required=True, help="parquet with a `difficulty` column (e.g. math8k-difficulty)"
    )
    subsets.add_argument(
        "--model", required=True, help="key of the difficulty column, e.g. Qwen2.5-Math-1.5B"
    )
    subsets.add_argument(
        "--sizes", type=_sizes, default=[8, 16, 32, 64, 128, 512, 1024, 2048], help="comma list"
    )
    subsets.add_argument("--out", type=Path, required=True, help="output directory")
    subsets.add_argument("--prefix", help="file name prefix (default: from the model name)")
    subsets.add_argument(
        "--upsample-to", type=int, default=64, help="0 disables the _upsample files (default 64)"
    )
    subsets.set_defaults(func=_subsets)

    contamination = _parser(
        group,
        "contamination",
        "Find training prompts that overlap evaluation problems (n-gram overlap and exact matches)",
        "reward-signal data contamination --train FILE|NAME --eval FILE|NAME [...] [--ngram 13] "
        "[--min-overlap 0.5] [--report OUT.json] [--drop OUT.parquet]",
        CONTAMINATION_EXAMPLES,
    )
    contamination.add_argument("--train", required=True, help="training parquet file or dataset name")
    contamination.add_argument("--eval", nargs="+", action="extend", required=True, metavar="FILE|NAME")
    contamination.add_argument("--ngram", type=int, default=13, help="words per n-gram (default 13)")
    contamination.add_argument(
        "--min-overlap", type=float, default=0.5, help="share of an eval problem's n-grams that flags a pair"
    )
    contamination.add_argument(
        "--boilerplate-df", type=int, default=3, help="ignore n-grams found in this many different problems"
    )
    contamination.add_argument(
        "--report", type=Path, help="write the full report (all flagged pairs) as JSON"
    )
    contamination.add_argument("--drop", type=Path, help="write the training file without the flagged rows")
    contamination.set_defaults(func=_contamination)

    template = _parser(
        group,
        "template",
        "Rewrite the prompt column with another system prompt (or none) and/or add extra_info.question "
        "(the generative judges' problem text), keeping everything else",
        "reward-signal data template --source FILE|NAME [--system-prompt FILE|none] [--add-question] --out FILE",
        TEMPLATE_EXAMPLES,
    )
    template.add_argument("--source", required=True)
    template.add_argument("--system-prompt", help="a text file, or `none` for no system message")
    template.add_argument(
        "--add-question",
        action="store_true",
        help="copy the user message into extra_info.question where it is missing (judge reward types need it)",
    )
    template.add_argument("--out", type=Path, required=True)
    template.set_defaults(func=_template)


def _fetch(args: argparse.Namespace) -> int:
    from reward_signal.common.paths import data_dir, data_mirror
    from reward_signal.data.fetch import fetch
    from reward_signal.data.manifest import load_manifest

    manifest = load_manifest()
    width = max(len(name) for name in manifest.names)  # names line up in one column
    if args.list:
        for entry in manifest.datasets:
            print(f"{entry.name:{width}} {entry.role:5} {entry.rows:>6} rows  {entry.description}")
        return 0
    dest = (args.dest or data_dir()).resolve()
    mirror = args.mirror or (str(data_mirror()) if data_mirror() else None)
    results = fetch(
        manifest, dest, names=args.only, mirror=mirror, retries=args.retries, progress=sys.stderr.isatty()
    )
    for result in results:
        print(f"{result.action:8} {result.name:{width}} {result.path}")
    fetched = sum(result.action == "fetched" for result in results)
    print(f"{fetched} fetched, {len(results) - fetched} already verified, in {dest}")
    if dest != data_dir():
        print(
            f"note: other commands look up dataset names in {data_dir()}; export REWARD_SIGNAL_DATA_DIR={dest}"
        )
    return 0


def _validate(args: argparse.Namespace) -> int:
    from reward_signal.common.errors import DataError
    from reward_signal.data.manifest import dataset_path
    from reward_signal.data.validate import validate_file

    failed = 0
    for name in args.files:
        try:
            path = dataset_path(name)
            problems = validate_file(path)
        except DataError as exc:
            print(f"error: {exc}", file=sys.stderr)
            failed += 1
            continue
        if not problems:
            print(f"{path}: OK")
            continue
        failed += 1
        for problem in problems[: args.max_problems]:
            print(f"{path}: {problem}")
        if len(problems) > args.max_problems:
            print(f"{path}: ... and {len(problems) - args.max_problems} more problem(s)")
        print(f"{path}: {len(problems)} problem(s)")
    return 1 if failed else 0


def _subsets(args: argparse.Namespace) -> int:
    from reward_signal.data.manifest import dataset_path
    from reward_signal.data.subsets import build_subsets, counts_table, refuse_unpublished

    refuse_unpublished(args.source)
    upsample_to = args.upsample_to or None
    written = build_subsets(
        dataset_path(args.source), args.model, args.sizes, args.out, args.prefix, upsample_to
    )
    print(f"rows per difficulty (correct of 16 for {args.model}):")
    print(counts_table([subset for subset, _ in written]))
    for _, paths in written:
        for path in paths:
            print(f"wrote {path}")
    return 0


def _contamination(args: argparse.Namespace) -> int:
    from reward_signal.common.files import ensure_writable_dir, write_json
    from reward_signal.data.contamination import find_contamination
    from reward_signal.data.manifest import dataset_path
    from reward_signal.data.parquet import read_schema, write_rows

    for out in (args.report, args.drop):
        if out is not None:
            ensure_writable_dir(out.parent.resolve())  # fail before the work, not after
    train = dataset_path(args.train)
    evals = {Path(name).stem if Path(name).suffix else name: dataset_path(name) for name in args.eval}
    rows, report = find_contamination(train, evals, args.ngram, args.min_overlap, args.boilerplate_df)
    print(
        f"{'eval set':28} {'problems':>8} {'flagged train rows':>18} {'eval problems hit':>17} {'exact':>5}"
    )
    for name, entry in report["eval"].items():
        print(
            f"{name:28} {entry['rows']:>8} {entry['contaminated_train_rows']:>18} "
            f"{entry['contaminated_eval_problems']:>17} {entry['exact_matches']:>5}"
        )
    print(f"{report['contaminated_train_rows']} of {report['train_rows']} training rows overlap an eval set")
    if args.report:
        write_json(args.report, report)
        print(f"wrote {args.report}")
    if args.drop:
        flagged = set(report["flagged_train_rows"])
        kept = [row for i, row in enumerate(rows) if i not in flagged]
        meta = {"decontaminated_from": str(train), "dropped_rows": len(flagged), "eval_sets": sorted(evals)}
        write_rows(args.drop, kept, meta, read_schema(train))
        print(f"wrote {args.drop} ({len(kept)} rows, {len(flagged)} dropped)")
    return 0


def _template(args: argparse.Namespace) -> int:
    from reward_signal.data.manifest import dataset_path
    from reward_signal.data.template import retemplate

    rows = retemplate(dataset_path(args.source), args.system_prompt, args.out, args.add_question)
    print(f"wrote {args.out} ({rows} rows)")
    return 0
