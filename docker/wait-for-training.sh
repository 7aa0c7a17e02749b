#!/bin/sh
# Wait, bounded, until the training completion marker holds the expected training attempt (a marker of
# an earlier attempt does not count), then run COMMAND in its place if one is given after `--`.
# The evaluation Job's init container, and compose's `eval` service (with --timeout 0).
# Usage: rs-wait-for-training MARKER [--attempt ID] [--timeout SECONDS] [--poll SECONDS] [-- COMMAND...]
exec python -m reward_signal.deploy.marker wait "$@"
