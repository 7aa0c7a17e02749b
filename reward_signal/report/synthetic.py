"""Write a realistic synthetic study (run directories shaped like the launcher's), for trying the report.

No GPU needed: curves follow the shapes RL-on-math studies report (rule-based rewards lift held-out
accuracy more with more prompts, tiny datasets overfit after a peak, a format-only reward is "earned"
without any accuracy gain, a random reward pays 0.5 regardless). The numbers are invented; the keys,
files and layout are exactly what VERL 0.9.1's `file` logger and the kit's launcher and eval write.

    python -m reward_signal.report.synthetic OUT_DIR [--steps 200] [--seeds 1]
"""

from __future__ import annotations

import argparse
import json
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from reward_signal.common.files import write_json, write_text
from reward_signal.report.metric_keys import benchmark_name

# Validation data_source (as in the seed's eval parquet files) -> base-model accuracy.
BASE_ACCURACY: dict[str, float] = {
    "HuggingFaceH4/MATH-500": 0.58,
    "test-amc": 0.33,
    "test-math-aime24": 0.09,
    "test-math-aime25": 0.06,
}
REWARD_TYPES = ("format", "random", "rule_based")
DATA_SIZES = (16, 32, 64, 128, 256, 512, 1024, 2048)
# Problems per validation source (the manifest's rows): validation noise is binomial over them.
PROBLEMS: dict[str, int] = {
    "HuggingFaceH4/MATH-500": 500,
    "test-amc": 83,
    "test-math-aime24": 30,
    "test-math-aime25": 30,
}
MODEL = "Qwen/Qwen2.5-Math-1.5B"
SAMPLES = 16  # eval samples per problem
VAL_SAMPLES = 8  # validation samples per problem (the experiments' `validation.n`)


@dataclass(frozen=True)
class SyntheticRun:
    reward_type: str
    train_prompts: int
    seed: int = 0
    steps: int = 200
    test_freq: int = 10
    resumed_at: int | None = None  # a second attempt restarting from this checkpoint step

    @property
    def experiment(self) -> str:
        return f"qwen-math-1.5b-{self.reward_type.replace('_', '-')}-{self.train_prompts}-s{self.seed}"


def _ramp(steps: np.ndarray, rate: float) -> np.ndarray:
    return 1.0 - np.exp(-steps / rate)


def _heldout_gain(spec: SyntheticRun, steps: np.ndarray) -> np.ndarray:
    """Relative held-out change over steps: grows with log data size; small sets peak and then decay."""
    scale = np.log2(spec.train_prompts / 8) / 8  # 0.125 .. 1.0
    if spec.reward_type == "rule_based":
        gain = 0.12 * scale * _ramp(steps, 40.0)
        if spec.train_prompts <= 64:  # memorisation: accuracy falls after ~step 60
            gain -= 0.10 * (1.1 - scale) * np.clip((steps - 60) / 140, 0, None)
        return gain
    if spec.reward_type == "random":
        return 0.015 * _ramp(steps, 80.0)
    return -0.01 * _ramp(steps, 60.0)  # format


def _training_rows(spec: SyntheticRun, rng: np.random.Generator) -> dict[int, dict[str, float]]:
    steps = np.arange(1, spec.steps + 1)
    memorise = 0.45 * (64 / max(spec.train_prompts, 64))  # few prompts: batches repeat, accuracy climbs
    true_acc = 0.42 + (0.20 + memorise) * _ramp(steps, 50.0) + rng.normal(0, 0.025, steps.size)
    true_acc = np.clip(true_acc, 0, 1)
    if spec.reward_type == "rule_based":
        reward = true_acc
    elif spec.reward_type == "format":
        reward = np.clip(0.55 + 0.42 * _ramp(steps, 15.0) + rng.normal(0, 0.02, steps.size), 0, 1)
        true_acc = np.clip(0.42 + rng.normal(0, 0.025, steps.size), 0, 1)
    else:
        reward = 0.5 + rng.normal(0, 0.02, steps.size)
    length = 620 + (280 if spec.reward_type == "rule_based" else -150) * _ramp(steps, 70.0)
    rows = {}
    for i, step in enumerate(steps.tolist()):
        noise = rng.normal(0, 1, 8)
        rows[step] = {
            "critic/score/mean": float(reward[i]),
            # what reward_signal.verl_plugin adds to every training step
            "train/acc/mean": float(true_acc[i]),
            "train/format_ok/mean": float(min(1.0, 0.6 + 0.4 * _ramp(np.asarray(step), 20.0))),
            "train/timed_out/mean": 0.0,
            "critic/score/max": 1.0,
            "critic/score/min": 0.0,
            "critic/rewards/mean": float(reward[i]),
            "critic/advantages/mean": float(0.002 * noise[0]),
            "critic/advantages/max": float(2.5 + 0.1 * noise[1]),
            "critic/advantages/min": float(-2.5 + 0.1 * noise[2]),
            "critic/returns/mean": float(0.002 * noise[0]),
            "response_length/mean": float(length[i] + 20 * noise[3]),
            "response_length/max": 3072.0,
            "response_length/min": float(40 + 5 * abs(noise[4])),
            "response_length/clip_ratio": float(max(0.0, 0.03 + 0.01 * noise[5])),
            "prompt_length/mean": 180.0,
            "prompt_length/max": 512.0,
            "prompt_length/min": 60.0,
            "prompt_length/clip_ratio": 0.0,
            "actor/entropy": float(0.55 * np.exp(-step / 150) + 0.12 + 0.01 * noise[6]),
            "actor/pg_loss": float(0.01 * noise[7]),
            "actor/kl_loss": float(0.002 * step / spec.steps + 0.0002 * abs(noise[1])),
            "actor/kl_coef": 0.001,
            "actor/ppo_kl": float(1e-4 * abs(noise[2])),
            "actor/pg_clipfrac": float(0.002 + 0.0005 * abs(noise[3])),
            "actor/grad_norm": float(0.35 + 0.08 * abs(noise[4]) + 0.3 * np.exp(-step / 30)),
            "actor/lr": 1e-6,
            "timing_s/gen": float(95 + 5 * noise[5]),
            "timing_s/reward": float(3 + 0.2 * noise[6]),
            "timing_s/update_actor": float(60 + 3 * noise[7]),
            "timing_s/step": float(170 + 6 * noise[0]),
            "perf/throughput": float(2400 + 60 * noise[1]),
            "perf/max_memory_allocated_gb": 61.5,
            "training/global_step": float(step),
            "training/epoch": float(step // max(1, spec.train_prompts // 128)),
        }
    return rows


def _validation_rows(spec: SyntheticRun, rng: np.random.Generator) -> dict[int, dict[str, float]]:
    steps = np.arange(0, spec.steps + 1, spec.test_freq)
    gain = _heldout_gain(spec, steps)
    rows: dict[int, dict[str, float]] = {int(s): {} for s in steps}
    for source, base in BASE_ACCURACY.items():
        truth = np.clip(base * (1 + 2.0 * gain), 0, 1)
        trials = PROBLEMS[source] * VAL_SAMPLES
        acc = rng.binomial(trials, truth) / trials
        for i, step in enumerate(steps.tolist()):
            row = rows[step]
            row[f"val-core/{source}/acc/mean@{VAL_SAMPLES}"] = float(acc[i])
            row[f"val-aux/{source}/acc/std@{VAL_SAMPLES}"] = float(np.sqrt(acc[i] * (1 - acc[i])))
            row[f"val-core/{source}/acc/best@{VAL_SAMPLES}/mean"] = float(min(1.0, acc[i] * 1.6))
            row[f"val-core/{source}/acc/maj@{VAL_SAMPLES}/mean"] = float(min(1.0, acc[i] * 1.15))
            row[f"val-aux/{source}/format_ok/mean@{VAL_SAMPLES}"] = 0.97
            row[f"val-aux/{source}/reward/mean@{VAL_SAMPLES}"] = float(acc[i])
    return rows


def k_metrics(accuracy: float) -> dict[str, float]:
    """pass@k and maj@k for k = 1..SAMPLES as a model with this mean accuracy would roughly show them:
    pass@k = 1 - (1 - a)^(k^0.6) (problems differ in difficulty, so it grows slower than independent
    draws would), maj@k a little above pass@1."""
    metrics = {}
    k = 1
    while k <= SAMPLES:
        metrics[f"pass@k:k={k}&n={SAMPLES}"] = float(1 - (1 - accuracy) ** (k**0.6))
        metrics[f"maj@k:k={k}&n={SAMPLES}"] = float(min(1.0, accuracy * (1 + 0.08 * np.log2(k))))
        k *= 2
    return metrics


def _write_attempt(path: Path, rows: dict[int, dict[str, float]], steps: range) -> None:
    lines = [json.dumps({"step": s, "data": rows[s]}) for s in steps if s in rows]
    write_text(path, "\n".join(lines) + "\n")


def write_run(root: Path, spec: SyntheticRun) -> Path:
    """Write one run directory under `root`; deterministic in `spec`."""
    rng = np.random.default_rng(zlib.crc32(spec.experiment.encode()))
    run_dir = root / spec.experiment
    write_json(
        run_dir / "run.json",
        {
            "experiment": spec.experiment,
            "model": MODEL,
            "reward_type": spec.reward_type,
            "reward_params": {},
            "algorithm": "grpo",
            "train_data": f"qwen-math-1.5b-{spec.train_prompts}",
            "train_prompts": spec.train_prompts,
            "seed": spec.seed,
            "mode": "MODE1",
            "n_gpus": 8,
            "nnodes": 1,
            "kit_version": "0.1.0",
            "git_commit": "synthetic",
            "versions": {"verl": "0.9.1", "vllm": "0.24.0", "torch": "2.11.0", "transformers": "5.9.0"},
            "image": "synthetic",
            "host": "synthetic",
            "created_at": "2026-01-01T00:00:00Z",
        },
    )
    rows = _training_rows(spec, rng)
    for step, values in _validation_rows(spec, rng).items():
        rows.setdefault(step, {}).update(values)
    metrics = run_dir / "metrics"
    if spec.resumed_at is None:
        _write_attempt(metrics / "attempt-20260101T000000Z.jsonl", rows, range(spec.steps + 1))
    else:  # the first attempt died 7 steps after its last checkpoint; the second redid those steps
        _write_attempt(metrics / "attempt-20260101T000000Z.jsonl", rows, range(spec.resumed_at + 8))
        _write_attempt(
            metrics / "attempt-20260102T000000Z.jsonl", rows, range(spec.resumed_at, spec.steps + 1)
        )
    write_text(run_dir / "TRAINING_COMPLETE", "")
    last = rows[spec.steps]
    write_json(
        run_dir / "eval" / "summary.json",
        {
            "model": str(run_dir / "checkpoints" / f"global_step_{spec.steps}"),
            "checkpoint_step": spec.steps,
            "sampling": {"n": SAMPLES, "temperature": 0.6},
            "metrics": {
                benchmark_name(source): {
                    "n_problems": PROBLEMS[source],
                    "n_samples": SAMPLES,
                    f"mean@n:n={SAMPLES}": last[f"val-core/{source}/acc/mean@{VAL_SAMPLES}"],
                    **k_metrics(last[f"val-core/{source}/acc/mean@{VAL_SAMPLES}"]),
                }
                for source in BASE_ACCURACY
            },
        },
    )
    return run_dir


def write_study(root: Path, steps: int = 200, seeds: int = 1) -> list[Path]:
    """3 reward types x 8 data sizes x `seeds` runs; the 256-prompt seed-0 run of each type was resumed."""
    specs = [
        SyntheticRun(
            reward_type, size, seed, steps, resumed_at=steps // 2 if (size, seed) == (256, 0) else None
        )
        for reward_type in REWARD_TYPES
        for size in DATA_SIZES
        for seed in range(seeds)
    ]
    return [write_run(root, spec) for spec in specs]


def write_base_eval(directory: Path) -> Path:
    """A `reward-signal eval --out` directory for the base model (its accuracy = the step-0 level)."""
    write_json(
        directory / "summary.json",
        {
            "model": MODEL,
            "checkpoint_step": None,
            "sampling": {"n": SAMPLES, "temperature": 0.6},
            "metrics": {
                benchmark_name(s): {f"mean@n:n={SAMPLES}": acc, **k_metrics(acc)}
                for s, acc in BASE_ACCURACY.items()
            },
        },
    )
    return directory


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("out", type=Path, help="directory to hold the run directories and base-eval/")
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--seeds", type=int, default=1)
    args = parser.parse_args(argv)
    runs = write_study(args.out / "runs", args.steps, args.seeds)
    write_base_eval(args.out / "base-eval")
    print(
        f"wrote {len(runs)} runs under {args.out / 'runs'} and the base model's eval in {args.out / 'base-eval'}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
