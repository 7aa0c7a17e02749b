"""`reward-signal reward score | judge-audit`: offline scoring and judge audits (stdlib imports only at top)."""

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
    _register_audit(group)


AUDIT_EPILOG = """examples:
  GENRM_ENDPOINT=http://genrm:8000/v1 GENRM_MODEL_PATH=my-judge \\
    reward-signal reward judge-audit --input labeled.jsonl --type judge_prm --out audit.json
  reward-signal reward judge-audit --input eval_generations.jsonl --type judge_orm \\
    --endpoint http://127.0.0.1:8000/v1 --model my-judge --workers 32

input lines: {"solution_str": ..., "ground_truth": ..., "question": ..., "label": 0 or 1 (optional)}
(the question may also be extra_info.question; without labels only the rule-based comparison is shown).
The API key is read from $GENRM_API_KEY, retries and back-off from $GENRM_MAX_RETRIES / $GENRM_BASE_DELAY.
"""


def _register_audit(group) -> None:  # noqa: ANN001 - argparse subparsers
    parser = group.add_parser(
        "judge-audit",
        help="measure a judge against the rule-based grader and labels",
        description="Send a labeled set to a judge endpoint and report confusion matrices, Cohen's kappa, "
        "the judge's false-positive rate and latency percentiles, before training on it.",
        usage="reward-signal reward judge-audit --input FILE.jsonl [--type TYPE] [--endpoint URL] [--model NAME] "
        "[--out AUDIT.json]",
        epilog=AUDIT_EPILOG,
    )
    parser.add_argument("--input", required=True, help="JSONL of responses with known correctness")
    parser.add_argument(
        "--type", default="judge_prm", dest="reward_type", help="judge reward type (default judge_prm)"
    )
    parser.add_argument("--endpoint", help="judge OpenAI base URL ending in /v1 (default $GENRM_ENDPOINT)")
    parser.add_argument("--model", help="served judge model name (default $GENRM_MODEL_PATH)")
    parser.add_argument("--workers", type=int, help="requests in flight (default $GENRM_MAX_WORKERS or 64)")
    parser.add_argument(
        "--threshold",
        type=float,
        default=0.5,
        help="the judge accepts a response paid at least this (default 0.5)",
    )
    parser.add_argument(
        "--timeout", type=float, default=5.0, help="rule-based grading bound per sample (default 5)"
    )
    parser.add_argument("--out", help="also write the report as JSON here")
    parser.set_defaults(func=_audit)
    wait = group.add_parser(
        "judge-wait",
        help="wait until a judge server answers GET /v1/models",
        description="Block until the judge lists its models (training pods run this before training).",
        usage="reward-signal reward judge-wait [--endpoint URL] [--model NAME] [--timeout S] [--interval S]",
        epilog="example:\n  reward-signal reward judge-wait --endpoint http://genrm:8000/v1 --model judge --timeout 1800\n",
    )
    wait.add_argument("--endpoint", help="judge OpenAI base URL (default $GENRM_ENDPOINT)")
    wait.add_argument("--model", help="also require this served model (default $GENRM_MODEL_PATH, if set)")
    wait.add_argument(
        "--timeout", type=float, default=1800.0, help="give up after this many seconds (default 1800)"
    )
    wait.add_argument("--interval", type=float, default=5.0, help="seconds between polls (default 5)")
    wait.set_defaults(func=_wait)


def _audit(args: argparse.Namespace) -> int:
    import os

    from reward_signal.common.files import write_json
    from reward_signal.rewards.judge.audit import run_audit
    from reward_signal.rewards.judge.client import ENDPOINT_ENV, MODEL_ENV, WORKERS_ENV, JudgeSettings

    flags = {ENDPOINT_ENV: args.endpoint, MODEL_ENV: args.model, WORKERS_ENV: args.workers}
    environ = {**os.environ, **{key: str(value) for key, value in flags.items() if value is not None}}
    report = run_audit(
        args.input, args.reward_type, lambda: JudgeSettings.from_env(environ), args.threshold, args.timeout
    )
    print(report.render())
    if args.out:
        write_json(args.out, report.as_dict())
    return 0


def _score(args: argparse.Namespace) -> int:
    from reward_signal.rewards.scoring_file import parse_params, score_file

    summary = score_file(args.input, args.reward_type, parse_params(args.param), args.timeout, args.out)
    print(summary.render())
    return 0


def _wait(args: argparse.Namespace) -> int:
    import os

    from reward_signal.common.errors import ConfigError
    from reward_signal.rewards.judge.client import ENDPOINT_ENV, MODEL_ENV
    from reward_signal.rewards.judge.readiness import wait_until_ready

    endpoint = args.endpoint or os.environ.get(ENDPOINT_ENV)
    if not endpoint:
        raise ConfigError(f"no judge endpoint: pass --endpoint or set {ENDPOINT_ENV}")
    models = wait_until_ready(
        endpoint, args.model or os.environ.get(MODEL_ENV) or None, args.timeout, args.interval
    )
    print(f"judge at {endpoint} is ready, serving {', '.join(models)}")
    return 0
