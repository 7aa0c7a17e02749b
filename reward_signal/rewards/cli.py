"""`reward-signal reward score`: score a JSONL of responses offline (stdlib imports only at top)."""

from __future__ import annotations

import argparse

EPILOG = """examples:
  reward-signal reward score --input tests/assets/rewards/sample_responses.jsonl --type rule_based
  reward-signal reward score --input rollouts.jsonl --type noisy --param p=0.2 --param seed=1 --out scored.jsonl
  reward-signal reward score --input rollouts.jsonl --type majority_vote   # lines need extra_info.uid or .index

input lines: {"solution_str": ..., "ground_truth": ..., "data_source": optional, "extra_info": optional}
"""


def register(tree) -> None:  # noqa: ANN001 - reward_signal.cli.CommandTree
    group = tree.group("reward", "Score responses with the kit's reward functions.")
    parser = group.add_parser(
        "score",
        help="score a JSONL of responses and print a summary",
        description="Score every line of a JSONL file with one reward type; malformed lines are reported and skipped.",
        usage="reward-signal reward score --input FILE.jsonl [--type TYPE] [--param K=V]... [--out OUT.jsonl]",
        epilog=EPILOG,
    )
    parser.add_argument("--input", required=True, help="JSONL file of responses")
    parser.add_argument(
        "--type", default="rule_based", dest="reward_type", help="reward type (default rule_based)"
    )
    parser.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="K=V",
        help="reward type parameter, e.g. p=0.2 (repeatable)",
    )
    parser.add_argument("--timeout", type=float, default=5.0, help="per-sample bound in seconds (default 5)")
    parser.add_argument("--out", help="write one scored record per input line to this JSONL file")
    parser.set_defaults(func=_score)


def _score(args: argparse.Namespace) -> int:
    from reward_signal.rewards.scoring_file import parse_params, score_file

    summary = score_file(args.input, args.reward_type, parse_params(args.param), args.timeout, args.out)
    print(summary.render())
    return 0
