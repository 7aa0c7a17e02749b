#!/bin/sh
# Init-container command of the evaluation Job: wait, bounded, until the training completion marker
# holds this evaluation's training attempt (a marker of an earlier attempt does not count).
# Usage: rs-wait-for-training MARKER [--attempt ID] [--timeout SECONDS] [--poll SECONDS]
exec python -m reward_signal.deploy.marker wait "$@"
