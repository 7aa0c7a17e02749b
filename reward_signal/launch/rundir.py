"""The run directory contract (`runs/<experiment>/`): what is written before VERL starts.

run.json (provenance), config.yaml (resolved, secrets redacted), overrides.txt, command.sh and the
per-attempt metrics path; VERL then fills checkpoints/, rollouts/, validation/ and the metrics file.
"""

from __future__ import annotations

import os
import re
import shlex
import socket
import subprocess
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from reward_signal import __version__
from reward_signal.common.files import ensure_writable_dir, write_json, write_text
from reward_signal.common.paths import REPO_ROOT
from reward_signal.common.versions import installed_versions

REDACTED = "***REDACTED***"
SECRET_ENV = ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "WANDB_API_KEY")
# Key names that hold credentials (`hf_token`, `WANDB_API_KEY`), not `max_num_batched_tokens`.
_SECRET_KEY = re.compile(r"(^|_)(token|api_key|apikey|secret|password)$", re.IGNORECASE)
IMAGE_ENV = "REWARD_SIGNAL_IMAGE"
COMMIT_ENV = "REWARD_SIGNAL_GIT_COMMIT"


def attempt_stamp(now: datetime) -> str:
    """`20261125T024400Z`: names this attempt's metrics file."""
    return now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def redact(value: Any, secrets: Sequence[str]) -> Any:
    """`value` with secret-looking keys and any known secret string replaced by REDACTED."""
    if isinstance(value, Mapping):
        return {
            key: REDACTED
            if _SECRET_KEY.search(str(key)) and item not in (None, "")
            else redact(item, secrets)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [redact(item, secrets) for item in value]
    if isinstance(value, str):
        for secret in secrets:
            value = value.replace(secret, REDACTED)
    return value


def secret_values(env: Mapping[str, str]) -> list[str]:
    return [env[name] for name in SECRET_ENV if env.get(name)]


def git_commit(env: Mapping[str, str]) -> str | None:
    """The kit's commit: $REWARD_SIGNAL_GIT_COMMIT (set in the image, which has no .git), else `git`."""
    if env.get(COMMIT_ENV):
        return env[COMMIT_ENV]
    try:
        result = subprocess.run(
            ["git", "-C", str(REPO_ROOT), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if result.returncode != 0:
        return None
    return result.stdout.strip() or None


def provenance(env: Mapping[str, str], now: datetime) -> dict[str, Any]:
    """Where and with what the run was launched (the second half of run.json)."""
    return {
        "kit_version": __version__,
        "git_commit": git_commit(env),
        "versions": installed_versions(),
        "image": env.get(IMAGE_ENV),
        "host": socket.gethostname(),
        "created_at": now.astimezone(UTC).isoformat(timespec="seconds"),
    }


def command_script(argv: Sequence[str], env_updates: Mapping[str, str], cwd: Path) -> str:
    """A bash script that repeats the exact launch."""
    exports = "".join(f"export {name}={shlex.quote(value)}\n" for name, value in env_updates.items())
    quoted = [shlex.quote(part) for part in argv]
    split_at = next((i for i, part in enumerate(argv) if "=" in part), len(argv))
    lines = " \\\n  ".join([" ".join(quoted[:split_at]), *quoted[split_at:]])
    return f"#!/usr/bin/env bash\n# Written by `reward-signal train`: the exact VERL launch.\nset -euo pipefail\ncd {shlex.quote(str(cwd))}\n{exports}exec {lines}\n"


def write_run_dir(
    run_dir: Path,
    *,
    run_info: Mapping[str, Any],
    config: Mapping[str, Any],
    overrides: Sequence[str],
    argv: Sequence[str],
    env_updates: Mapping[str, str],
    secrets: Sequence[str],
) -> None:
    """Write every file of the contract that exists before training (each one atomically)."""
    import yaml

    for sub in ("metrics", "checkpoints", "rollouts", "validation"):
        ensure_writable_dir(run_dir / sub)
    write_json(run_dir / "run.json", redact(dict(run_info), secrets))
    write_text(run_dir / "config.yaml", yaml.safe_dump(redact(dict(config), secrets), sort_keys=False))
    write_text(run_dir / "overrides.txt", "".join(f"{line}\n" for line in redact(list(overrides), secrets)))
    script = run_dir / "command.sh"
    write_text(script, redact(command_script(argv, env_updates, Path.cwd()), secrets))
    os.chmod(script, 0o755)
