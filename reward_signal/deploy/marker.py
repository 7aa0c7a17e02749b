"""The training attempt and its completion marker: `<runs>/<experiment name>/TRAINING_COMPLETE`.

A marker left by an earlier attempt (the Jobs deleted and applied again) must not start an
evaluation of the old checkpoint, so every training attempt gets an id:

- `start` (before any GPU work) names the marker from the launcher's own experiment parser (so a
  broken experiment fails here with the configuration exit code), removes a stale marker, records
  the new attempt id in `TRAINING_ATTEMPT` and prints `ATTEMPT MARKER`;
- `finish` (only after training exited 0) writes the attempt id into the marker and, on
  Kubernetes ($REWARD_SIGNAL_EVAL_JOB), starts the suspended evaluation Job for that attempt;
- `wait` (the evaluation side) returns once the marker holds the expected attempt, bounded, and
  then runs the command given after `--` in its place (compose's `eval` service).

    python -m reward_signal.deploy.marker start EXPERIMENT [--name RUN_NAME]
    python -m reward_signal.deploy.marker finish MARKER ATTEMPT
    python -m reward_signal.deploy.marker wait MARKER [--attempt ID] [--timeout S] [--poll S] [-- COMMAND...]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import sys
import time
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

from reward_signal.common.errors import EXIT_CONFIG_ERROR, KitError
from reward_signal.common.files import write_text
from reward_signal.common.paths import runs_dir
from reward_signal.deploy.kube import ATTEMPT_ANNOTATION

MARKER = "TRAINING_COMPLETE"
ATTEMPT_FILE = "TRAINING_ATTEMPT"
EVAL_JOB_ENV = "REWARD_SIGNAL_EVAL_JOB"


def marker_path(experiment: str, name: str | None = None) -> Path:
    """The marker of `experiment` (file path or shipped name), or of the run renamed to `name`."""
    from reward_signal.launch.experiment import load_experiment

    run_name = name or load_experiment(experiment).name
    return runs_dir() / run_name / MARKER


def new_attempt_id(now: datetime | None = None) -> str:
    """`20261201T201500Z-<host>-<8 hex>`: readable in `cat`, unique across pods and retries."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    return f"{stamp}-{socket.gethostname()}-{uuid.uuid4().hex[:8]}"


def read_id(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8").strip() or None
    except FileNotFoundError:
        return None


def start(marker: Path) -> str:
    """Begin an attempt: drop any marker of an earlier one, record and return the new id."""
    attempt = new_attempt_id()
    marker.unlink(missing_ok=True)
    write_text(marker.with_name(ATTEMPT_FILE), attempt + "\n")
    return attempt


def finish(marker: Path, attempt: str, env: Mapping[str, str], account_dir: Path | None = None) -> None:
    """Training exited 0: write the marker for `attempt`, then start the evaluation Job if there is one.

    `account_dir` holds the pod's ServiceAccount files (default: where Kubernetes mounts them).
    """
    write_text(marker, attempt + "\n")
    job = env.get(EVAL_JOB_ENV)
    if job:
        from reward_signal.deploy.kube import SERVICE_ACCOUNT_DIR, ApiServer, resume_job

        try:
            resume_job(ApiServer.in_cluster(env, account_dir or SERVICE_ACCOUNT_DIR), job, attempt)
        except KitError as exc:
            # Training itself succeeded: fail without a retry (no retraining) and say how to go on.
            patch = {"spec": {"template": {"metadata": {"annotations": {ATTEMPT_ANNOTATION: attempt}}}}}
            raise KitError(
                f"training finished (marker {marker} written) but the evaluation Job was not started: {exc}\n"
                f"start it by hand: kubectl patch job {job} --type merge -p '{json.dumps(patch)}' && "
                f'kubectl patch job {job} --type merge -p \'{{"spec":{{"suspend":false}}}}\'',
                exit_code=EXIT_CONFIG_ERROR,
            ) from exc
        print(f"started the evaluation Job {job} for attempt {attempt}")


def wait(marker: Path, attempt: str | None, timeout: float, poll: float) -> float:
    """Block until `marker` holds `attempt` (default: the run's latest attempt); return the wait.

    Raises KitError after `timeout` seconds, naming what the marker holds instead.
    """
    begun = time.monotonic()
    while True:
        expected = attempt or read_id(marker.with_name(ATTEMPT_FILE))
        found = read_id(marker)
        if found is not None and found == expected:
            return time.monotonic() - begun
        if time.monotonic() - begun + poll > timeout:
            state = "does not exist" if found is None else f"belongs to attempt {found}"
            raise KitError(
                f"gave up after {timeout:g}s: {marker} {state}, expected attempt {expected or '(none recorded)'} "
                "(has this training attempt finished?)"
            )
        time.sleep(poll)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m reward_signal.deploy.marker", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    begin = commands.add_parser("start", help="begin an attempt; prints ATTEMPT MARKER")
    begin.add_argument("experiment", help="experiment file or shipped name")
    begin.add_argument("--name", help="run name given to `reward-signal train --name`")
    done = commands.add_parser("finish", help="training exited 0: write the marker, start the evaluation")
    done.add_argument("marker", type=Path)
    done.add_argument("attempt")
    waiting = commands.add_parser("wait", help="wait, bounded, until the marker holds the attempt")
    waiting.add_argument("marker", type=Path)
    waiting.add_argument("--attempt", help="expected attempt id (default: the run's TRAINING_ATTEMPT)")
    waiting.add_argument("--timeout", type=float, default=600.0, help="seconds (default: %(default)s)")
    waiting.add_argument("--poll", type=float, default=10.0, help="seconds (default: %(default)s)")
    argv = list(sys.argv[1:] if argv is None else argv)
    then = argv[argv.index("--") + 1 :] if "--" in argv else []  # wait ... -- COMMAND: exec it once found
    args = parser.parse_args(argv[: len(argv) - len(then) - 1] if "--" in argv else argv)
    try:
        if args.command == "start":
            marker = marker_path(args.experiment, args.name)
            print(start(marker), marker)
        elif args.command == "finish":
            finish(args.marker, args.attempt, os.environ)
        else:
            if args.attempt is not None and not args.attempt.strip():
                raise KitError(
                    "no training attempt given: this evaluation Job is started by its training pod, which "
                    f"tags it with the attempt; by hand, set the pod template annotation {ATTEMPT_ANNOTATION} first (the training log says how)"
                )
            waited = wait(args.marker, args.attempt, args.timeout, args.poll)
            print(f"found {args.marker} for this attempt after {waited:.0f}s", flush=True)
            if then:
                os.execvp(then[0], then)
    except KitError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main())
