"""Where each quantity the report needs lives in VERL 0.9.1's `file` logger output.

The names were read from the installed verl 0.9.1 source: `trainer/ppo/metric_utils.py`
(`compute_data_metrics`: critic/score, critic/rewards, response_length), `trainer/ppo/v1/trainer_base.py`
(actor/entropy, metrics renamed with the `actor/` prefix from the worker: grad_norm, kl_loss, ppo_kl;
validation keys `val-core|val-aux/<data_source>/<var>/<metric>`), and `trainer/ppo/ray_trainer.py`
(`apply_kl_penalty`: actor/reward_kl_penalty; GDPO: `gdpo/<reward extra>/mean`). Each quantity is a tuple
of candidate keys tried in order, so a run logged by another trainer version only needs a new entry here.

VERL 0.9.1 does not log the reward's extra-info (our `acc`, `format_ok`) for *training* batches, except
as `gdpo/<key>/mean` under the GDPO estimator; validation extras are logged per data source. Keys under
`train/` are written by the kit's VERL plugin (reward_signal/verl_plugin.py) on every training step.
"""

from __future__ import annotations

import re

# quantity -> candidate keys, most specific first.
TRAIN_KEYS: dict[str, tuple[str, ...]] = {
    "reward": ("critic/score/mean", "critic/rewards/mean"),
    "train_acc": ("train/acc/mean", "gdpo/acc/mean"),
    "response_length": ("response_length/mean",),
    "clip_ratio": ("response_length/clip_ratio",),
    "entropy": ("actor/entropy",),
    # KL to the reference policy (as a loss, or folded into the reward); ppo_kl (old vs new policy) last.
    "kl": ("actor/kl_loss", "actor/reward_kl_penalty", "actor/ppo_kl"),
    "grad_norm": ("actor/grad_norm",),
}

# Curves drawn when logged but not needed by any diagnostic (absent ones are not reported missing).
OPTIONAL_KEYS: dict[str, tuple[str, ...]] = {
    "advantage": ("critic/advantages/mean",),
    "format_rate": ("train/format_ok/mean",),
    "timeout_rate": ("train/timed_out/mean",),
}

# Human-readable labels for figures and tables.
LABELS: dict[str, str] = {
    "reward": "reward paid",
    "train_acc": "true training-batch accuracy",
    "response_length": "response length (tokens)",
    "clip_ratio": "truncated responses (fraction)",
    "entropy": "policy entropy",
    "kl": "KL",
    "grad_norm": "gradient norm",
    "advantage": "mean advantage",
    "format_rate": "well-formatted responses (fraction)",
    "timeout_rate": "grading timeouts (fraction)",
}

# The reward whose value *is* the 0/1 correctness: its reward paid is the true training accuracy.
ACCURACY_REWARD_TYPE = "rule_based"

# VERL validation data_source -> the benchmark name used by the data manifest and `reward-signal eval`.
BENCHMARK_ALIASES: dict[str, str] = {
    "test-math-aime24": "aime2024",
    "test-math-aime25": "aime2025",
    "HuggingFaceH4/MATH-500": "math500",
    "test-amc": "amc",
    # The seed's SCP test splits (data/*/eval_data/scp_test_*.parquet) -> their manifest names.
    "test-math-scp-difficult": "scp-test-difficult-1",
    "test-math-scp-medium": "scp-test-medium-2-8",
    "test-math-scp-very-difficult": "scp-test-very-difficult-0",
    # The STEM multiple-choice sets -> the lines of `eval --preset stem` (eval/suites.py; VERL pools the
    # two MMLU-sci and the two SuperGPQA files by data_source, and so does the suite).
    "stem__gpqa_diamond": "gpqa-diamond",
    "mmlu_sci": "mmlu-sci",
    "stem__supergpqa": "supergpqa",
}

# `val-core/<data_source>/<var>/mean@<n>`; data sources may contain "/" (HuggingFaceH4/MATH-500).
_VALIDATION_KEY = re.compile(r"^val-(?:core|aux)/(?P<source>.+)/(?P<var>[^/]+)/mean@(?P<n>\d+)$")

# eval/summary.json metric holding mean accuracy over the n samples per problem, e.g. "mean@n:n=16".
_EVAL_MEAN_KEY = re.compile(r"^mean@n:n=(?P<n>\d+)$")


def benchmark_name(data_source: str) -> str:
    """The benchmark a validation data_source stands for (unknown sources keep their own name)."""
    return BENCHMARK_ALIASES.get(data_source, data_source)


def parse_validation_key(key: str) -> tuple[str, str, int] | None:
    """(benchmark, var, n) for a validation mean@n key, None for any other key."""
    match = _VALIDATION_KEY.match(key)
    if match is None:
        return None
    return benchmark_name(match["source"]), match["var"], int(match["n"])


def eval_mean_key(metrics: dict[str, object]) -> str | None:
    """The mean@n key of one dataset's eval summary metrics (largest n if several)."""
    found = [(int(m["n"]), key) for key in metrics if (m := _EVAL_MEAN_KEY.match(key))]
    return max(found)[1] if found else None
