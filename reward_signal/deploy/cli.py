"""`reward-signal doctor` and `reward-signal k8s render` (stdlib imports only at top)."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

DOCTOR_EXAMPLES = """examples:
  reward-signal doctor                       # report only; exits 1 only on blocking problems
  reward-signal doctor --mode MODE2          # about to train on 8 GPUs: missing GPUs or small /dev/shm block
  reward-signal doctor --cpu-only            # the image's Python environment on a machine without GPUs (CI)
  reward-signal doctor --strict-versions --json
  docker compose run --rm debug reward-signal doctor --mode MODE1
"""
RENDER_EXAMPLES = """examples:
  reward-signal k8s render --exp script/experiments/debug.yaml --out k8s/overlays/debug
  reward-signal k8s render --sweep runs/sweeps/noise --out k8s/overlays/noise --image ghcr.io/me/reward-signal:0.1.0
  reward-signal k8s render --exp llama31-8b-rlvr8k --nodes 2 --out k8s/overlays/llama-2x8   # KubeRay RayJob
  reward-signal k8s render --exp my-prm-run.yaml --judge-model Qwen/Qwen2.5-Math-7B-Instruct --out k8s/overlays/prm
  kubectl apply -k k8s/overlays/debug
"""
DEFAULT_IMAGE = "ghcr.io/reward-signal/reward-signal"


def register(tree) -> None:  # noqa: ANN001 - reward_signal.cli.CommandTree (imports go one way)
    doctor = tree.command(
        "doctor",
        "Check versions, imports, compiler, GPUs and driver, /dev/shm, user, writable dirs, disk and network",
        usage="reward-signal doctor [--mode MODE1|MODE2|MODE3 | --cpu-only] [--strict-versions] "
        "[--min-free-gb N] [--json]",
        epilog=DOCTOR_EXAMPLES,
    )
    target = doctor.add_mutually_exclusive_group()
    target.add_argument(
        "--mode",
        type=str.upper,
        choices=["MODE1", "MODE2", "MODE3"],
        help="the run you are about to start: its GPU, /dev/shm, disk and network needs become blocking",
    )
    target.add_argument(
        "--cpu-only",
        action="store_true",
        help="check the image's Python environment without a GPU: versions equal the pins, imports, "
        "compiler and headers block; GPU checks are reported as skipped",
    )
    doctor.add_argument(
        "--strict-versions",
        action="store_true",
        default=bool(os.environ.get("REWARD_SIGNAL_IMAGE")),
        help="a version different from the image pins is blocking (default inside the image)",
    )
    doctor.add_argument(
        "--min-free-gb",
        type=float,
        default=200.0,
        help="free disk wanted under the runs directory (default: %(default)s)",
    )
    doctor.add_argument("--json", action="store_true", help="print the checks as JSON")
    doctor.set_defaults(func=handle_doctor)

    group = tree.group("k8s", "Kubernetes manifests for training and evaluation")
    render = group.add_parser(
        "render",
        help="Render a kustomize overlay (a Job pair per experiment) on k8s/base",
        description="Render a kustomize overlay with one training + evaluation Job pair per experiment "
        "(a KubeRay RayJob for training with --nodes > 1).",
        usage="reward-signal k8s render (--exp FILE_OR_NAME [--exp ...] | --sweep DIR) --out DIR [options]",
        epilog=RENDER_EXAMPLES,
    )
    render.add_argument(
        "--exp", action="append", default=[], help="experiment file or shipped name (repeatable)"
    )
    render.add_argument(
        "--sweep", type=Path, help="a directory of experiment files (e.g. from `reward-signal sweep`)"
    )
    render.add_argument("--out", type=Path, required=True, help="overlay directory to write")
    render.add_argument("--image", help=f"image reference (default: {DEFAULT_IMAGE}:<kit version>)")
    render.add_argument(
        "--nodes", type=int, default=1, help="GPU nodes; above 1 trains on KubeRay (default: 1)"
    )
    render.add_argument("--gpus-per-node", type=int, default=8, help="GPUs per training node (default: 8)")
    render.add_argument("--eval-gpus", type=int, default=1, help="GPUs of the evaluation pod (default: 1)")
    render.add_argument("--shm-size", default="64Gi", help="memory-backed /dev/shm per pod (default: 64Gi)")
    render.add_argument(
        "--image-pull-secret",
        action="append",
        default=[],
        metavar="NAME",
        help="docker-registry Secret for a private image, e.g. a private GHCR package (repeatable)",
    )
    render.add_argument(
        "--judge-model",
        help="serve this judge (HF id or cache path) with vLLM beside training; needed by judge reward types",
    )
    render.add_argument("--judge-name", help="the judge's served model name (default: --judge-model)")
    render.add_argument("--judge-gpus", type=int, default=1, help="GPUs of the judge pod (default: 1)")
    render.set_defaults(func=handle_render)


def handle_doctor(args: argparse.Namespace) -> int:
    import json

    from reward_signal.deploy.doctor import FAIL, Policy, as_dicts, format_table, run_checks

    policy = Policy(mode=args.mode, strict=args.strict_versions, cpu_only=args.cpu_only)
    checks = run_checks(policy, args.min_free_gb, os.environ)
    print(json.dumps(as_dicts(checks), indent=2) if args.json else format_table(checks))
    blocking = [check for check in checks if check.status == FAIL]
    if blocking and not args.json:
        names = ", ".join(check.name for check in blocking)
        print(f"\n{len(blocking)} blocking problem(s): {names}. Fix them before starting this run.")
    return 1 if blocking else 0


def handle_render(args: argparse.Namespace) -> int:
    from reward_signal import __version__
    from reward_signal.deploy.manifests import ClusterSettings
    from reward_signal.deploy.render import experiment_files, render, write_overlay

    settings = ClusterSettings(
        image=args.image or f"{DEFAULT_IMAGE}:{__version__}",
        nodes=args.nodes,
        gpus_per_node=args.gpus_per_node,
        eval_gpus=args.eval_gpus,
        shm_size=args.shm_size,
        image_pull_secrets=tuple(args.image_pull_secret),
    )
    judge = None
    if args.judge_model:
        from reward_signal.deploy.judge import JudgeServing

        judge = JudgeServing(args.judge_model, args.judge_name or "", args.judge_gpus)
    files = render(experiment_files(args.exp, args.sweep), settings, args.out, judge)
    write_overlay(files, args.out)
    jobs = [item.relative_path for item in files if item.relative_path.endswith(".jobs.yaml")]
    print(f"wrote {len(jobs)} experiment(s) to {args.out}; apply with: kubectl apply -k {args.out}")
    return 0
