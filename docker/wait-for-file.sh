#!/bin/sh
# Init-container command of the evaluation Job: wait, bounded, for the training completion marker.
# Exits 0 once FILE exists, 1 after TIMEOUT_SECONDS (the Job then retries or fails visibly).
# Usage: rs-wait-for-file FILE TIMEOUT_SECONDS [POLL_SECONDS]
set -eu
if [ "$#" -lt 2 ]; then
    echo "usage: rs-wait-for-file FILE TIMEOUT_SECONDS [POLL_SECONDS]" >&2
    exit 2
fi
file=$1
timeout=$2
poll=${3:-60}
waited=0
until [ -e "$file" ]; do
    if [ "$waited" -ge "$timeout" ]; then
        echo "gave up after ${timeout}s: $file does not exist (has training finished?)" >&2
        exit 1
    fi
    sleep "$poll"
    waited=$((waited + poll))
done
echo "found $file after ${waited}s"
