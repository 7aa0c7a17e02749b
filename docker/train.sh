#!/bin/sh
# Container command for training (compose `debug`, the Kubernetes training Job, KubeRay, SLURM):
# check the experiment and find its run directory, fetch the pinned datasets (a no-op when the
# cache already verifies), train, and only when training exits 0 write the completion marker
# (<runs>/<experiment name>/TRAINING_COMPLETE) that the evaluation waits for.
# Usage: rs-train EXPERIMENT MODE [train options...]     e.g. rs-train debug MODE1
set -eu
if [ "$#" -lt 2 ]; then
    echo "usage: rs-train EXPERIMENT MODE [train options...]" >&2
    exit 2
fi
experiment=$1
mode=$2
shift 2
marker=$(python -m reward_signal.deploy.marker "$experiment")
reward-signal data fetch
reward-signal train --exp "$experiment" --mode "$mode" "$@"
mkdir -p "$(dirname "$marker")"
date -u +%Y-%m-%dT%H:%M:%SZ > "$marker"
