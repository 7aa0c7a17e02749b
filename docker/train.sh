#!/bin/sh
# Container command for training (compose `debug`, the Kubernetes training Job, KubeRay, SLURM):
# begin a training attempt (checks the experiment, drops a stale completion marker), fetch the
# pinned datasets (a no-op when the cache verifies), train, and only when training exits 0 write
# the marker for this attempt and start the evaluation (reward_signal.deploy.marker).
#
# Signals: tini -g (PID 1) sends SIGTERM to this script's whole process group, trainer included;
# the trap also forwards it when only this shell got it. The script stays until the trainer has
# shut down, so the container does not end (and kill the trainer) while it cleans up.
# Usage: rs-train EXPERIMENT MODE [train options...]     e.g. rs-train debug MODE1
set -eu
if [ "$#" -lt 2 ]; then
    echo "usage: rs-train EXPERIMENT MODE [train options...]" >&2
    exit 2
fi
experiment=$1
mode=$2
shift 2
started=$(python -m reward_signal.deploy.marker start "$experiment")
attempt=${started%% *}
marker=${started#* }
echo "training attempt $attempt (marker: $marker)"
reward-signal data fetch

trainer=
forward() { [ -n "$trainer" ] && kill -TERM "$trainer" 2>/dev/null || true; }
trap forward TERM INT
reward-signal train --exp "$experiment" --mode "$mode" "$@" &
trainer=$!
while :; do
    status=0
    wait "$trainer" || status=$?
    kill -0 "$trainer" 2>/dev/null || break # still running: wait was interrupted by a signal
done
trap - TERM INT
if [ "$status" -ne 0 ]; then
    echo "training exited with status $status: no completion marker, no evaluation" >&2
    exit "$status"
fi
python -m reward_signal.deploy.marker finish "$marker" "$attempt"
