"""`reward-signal eval`: sample and grade a model or checkpoint, or re-grade saved generations."""

from __future__ import annotations

import argparse
from pathlib import Path

USAGE = """reward-signal eval --model PATH_OR_ID [--datasets NAMES_OR_PARQUETS] [--preset aime-avg16|greedy|stem]
                          [--n N] [--temperature T] [--top-p P] [--max-tokens N] [--seed S]
                          [--backend vllm|hf] [--tp N] [--out DIR]
       reward-signal eval --from-generations FILE_OR_DIR --out DIR"""

EPILOG = """examples:
  # the final checkpoint of a run, AIME/MATH-500/AMC, 16 samples per problem (writes runs/<exp>/eval/)
  reward-signal eval --model runs/llama31-8b-rlvr8k/checkpoints
  # a Hugging Face model, greedy, on AIME 2024 and a synthetic control set
  reward-signal eval --model Qwen/Qwen2.5-Math-1.5B --preset greedy --prompt-template raw \\
      --datasets aime2024,data/synth-arith.parquet --out eval/qwen-math-greedy
  # the science suite: GPQA-diamond, MMLU-sci, SuperGPQA (graded by option letter) and the SCP tests, greedy
  reward-signal eval --model runs/scp-llama32-3b-datascale/checkpoints --preset stem
  # quick CPU check with transformers on the first 5 problems
  reward-signal eval --model ./tiny-model --backend hf --limit 5 --n 2 --max-tokens 64 --out /tmp/ev
  # re-grade saved generations with this kit's grader
  reward-signal eval --from-generations runs/x/eval --out runs/x/eval-regraded

Rerunning the same command resumes: finished problems are kept, nothing is duplicated."""


def register(tree) -> None:  # noqa: ANN001 (reward_signal.cli.CommandTree; imported there, not here)
    from reward_signal.eval.backends import BACKENDS
    from reward_signal.eval.problems import DEFAULT_DATASETS
    from reward_signal.eval.prompts import TEMPLATES
    from reward_signal.eval.sampling import DEFAULT_PRESET, PRESETS

    parser = tree.command(
        "eval",
        help="Evaluate a model or VERL checkpoint (mean@n, pass@k and maj@k with Wilson intervals; Avg. and pooled over datasets), or re-grade generations.",
        usage=USAGE,
        epilog=EPILOG,
    )
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument(
        "--model", help="HF model dir or hub id, a VERL global_step_N dir, or a run's checkpoints/ (latest)"
    )
    what.add_argument(
        "--from-generations", type=Path, metavar="FILE_OR_DIR", help="re-grade saved JSONL records"
    )
    parser.add_argument(
        "--datasets",
        help="comma-separated manifest names or parquet paths (default: the preset's suite, else "
        f"{','.join(DEFAULT_DATASETS)})",
    )
    parser.add_argument(
        "--preset",
        choices=list(PRESETS),
        default=DEFAULT_PRESET,
        help="sampling preset; `stem` also picks the science suite's datasets and benchmark lines "
        "(default: %(default)s)",
    )
    parser.add_argument("--n", type=int, help="samples per problem (overrides the preset)")
    parser.add_argument(
        "--temperature", type=float, help="sampling temperature; 0 = greedy (overrides the preset)"
    )
    parser.add_argument("--top-p", type=float, help="nucleus sampling threshold (overrides the preset)")
    parser.add_argument(
        "--max-tokens", type=int, help="max response tokens (default: the preset's, else 8192)"
    )
    parser.add_argument("--seed", type=int, default=0, help="sampling seed (default: %(default)s)")
    parser.add_argument(
        "--backend", choices=BACKENDS, default="vllm", help="generation engine (default: %(default)s)"
    )
    parser.add_argument(
        "--tp", type=int, default=1, help="tensor-parallel GPUs for vllm (default: %(default)s)"
    )
    parser.add_argument(
        "--prompt-template",
        choices=TEMPLATES,
        default="chat",
        help="chat: the model's chat template; raw: plain text for base models without one (default: %(default)s)",
    )
    parser.add_argument("--limit", type=int, help="only the first N problems of each dataset (quick checks)")
    parser.add_argument(
        "--grade-timeout", type=float, default=5.0, help="seconds per graded sample (default: %(default)s)"
    )
    parser.add_argument(
        "--out", type=Path, help="output directory (default for a run's checkpoint: <run>/eval)"
    )
    parser.set_defaults(func=handle)


def handle(args: argparse.Namespace) -> int:
    from reward_signal.common.errors import ConfigError

    if args.from_generations is not None:
        from reward_signal.eval.rescore import rescore

        if args.out is None:
            raise ConfigError("--from-generations needs --out DIR")
        table = rescore(args.from_generations, args.out, grade_timeout=args.grade_timeout)
    else:
        from reward_signal.eval.problems import DEFAULT_DATASETS, parse_dataset_list
        from reward_signal.eval.run import EvalSettings, run_eval
        from reward_signal.eval.sampling import build_sampling
        from reward_signal.eval.suites import SUITES, Suite

        if args.limit is not None and args.limit < 1:
            raise ConfigError(f"--limit must be at least 1, got {args.limit}")
        sampling = build_sampling(
            args.preset,
            n=args.n,
            temperature=args.temperature,
            top_p=args.top_p,
            max_tokens=args.max_tokens,
            seed=args.seed,
        )
        suite = SUITES.get(args.preset, Suite(DEFAULT_DATASETS))
        settings = EvalSettings(
            model=args.model,
            datasets=parse_dataset_list(args.datasets) if args.datasets else list(suite.datasets),
            sampling=sampling,
            out_dir=args.out,
            backend=args.backend,
            tensor_parallel=args.tp,
            prompt_template=args.prompt_template,
            limit=args.limit,
            grade_timeout=args.grade_timeout,
            groups=suite.groups,
        )
        table = run_eval(settings)
    print(table, end="")
    return 0
