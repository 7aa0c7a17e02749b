#!/usr/bin/env bash
# The seed's entry point, kept working: RLVR on Llama-3.1-8B-Instruct with the 8K set.
# Honours TRAINING_MODE (MODE1|MODE2|MODE3), BASE_MODEL, CUDA_VISIBLE_DEVICES, EXPERIMENT_NAME and
# REWARD_MODEL_TYPE (RULE_BASED; RANDOM_REWARD is the seed's format-gated coin, random_format_gated; or a kit
# type); MODE3 also reads RAY_ADDRESS, NNODES, GPUS_PER_NODE. Everything else is in
# script/experiments/llama31-8b-rlvr8k.yaml, the seed's values mode by mode (docs/fidelity.md); extra
# arguments go to `reward-signal train`.
#   TRAINING_MODE=MODE1 CUDA_VISIBLE_DEVICES=0 bash script/llama/m_family_main_full_rlvr_8k.sh --dry-run
set -euo pipefail
args=(--exp llama31-8b-rlvr8k --mode "${TRAINING_MODE:-MODE2}")
[[ -n "${BASE_MODEL:-}" ]] && args+=(--model "$BASE_MODEL")
[[ -n "${EXPERIMENT_NAME:-}" ]] && args+=(--name "$EXPERIMENT_NAME")
[[ -n "${REWARD_MODEL_TYPE:-}" ]] && args+=(--reward-type "$REWARD_MODEL_TYPE")
exec reward-signal train "${args[@]}" "$@"
