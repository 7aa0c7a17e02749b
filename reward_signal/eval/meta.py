"""`meta.json`: what produced an output directory, and the guard that refuses to mix runs in one."""

from __future__ import annotations

import json
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from reward_signal.common.errors import ConfigError
from reward_signal.common.files import write_json
from reward_signal.common.versions import installed_versions

# Keys that must match for records in one directory to belong to the same run.
IDENTITY_KEYS = ("weights", "sampling", "prompt_template", "source")


def meta_path(out_dir: Path) -> Path:
    return out_dir / "meta.json"


def claim_directory(out_dir: Path, meta: dict[str, Any]) -> None:
    """Write `meta`, or check it against the one already there: a resume must sample exactly as before."""
    path = meta_path(out_dir)
    if path.is_file():
        try:
            previous = json.loads(path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: unreadable ({exc}); remove it or choose another --out") from exc
        differences = [
            f"{key}: {previous.get(key)!r} there, {meta.get(key)!r} now"
            for key in IDENTITY_KEYS
            if previous.get(key) != meta.get(key)
        ]
        if differences:
            raise ConfigError(
                f"{out_dir} holds results of a different run ({'; '.join(differences)}). "
                "Resume with the same arguments, or choose another --out"
            )
        datasets = list(dict.fromkeys([*previous.get("datasets", []), *meta.get("datasets", [])]))
        meta = {**previous, **{k: v for k, v in meta.items() if k != "created_at"}, "datasets": datasets}
    write_json(path, meta)


def base_meta(**fields: Any) -> dict[str, Any]:
    """Identity fields plus provenance: versions, host, command line and timestamps."""
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        **fields,
        "versions": installed_versions(),
        "python": platform.python_version(),
        "host": platform.node(),
        "command": sys.argv,
        "created_at": now,
        "updated_at": now,
    }
