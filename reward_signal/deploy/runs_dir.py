"""Make compose's bind-mounted runs directory writable by the container user (the `runs-dir` service).

`./runs` is git-ignored, so on a fresh clone the Docker daemon creates it for the bind mount, as
root:root 0755, and the training container (an unprivileged uid) cannot write `runs/debug`. A
one-shot service running as root with only CAP_CHOWN hands a root-owned runs directory to the
run's uid:gid. A directory someone else owns is left alone, with advice.

    python -m reward_signal.deploy.runs_dir /workspace/runs --owner UID:GID
"""

from __future__ import annotations

import argparse
import os
import stat
import sys
from collections.abc import Sequence
from pathlib import Path

from reward_signal.common.errors import KitError


def writable_by(info: os.stat_result, uid: int, gid: int) -> bool:
    """Whether `uid:gid` (without supplementary groups or privileges) may create files there."""
    if info.st_uid == uid:
        return bool(info.st_mode & stat.S_IWUSR and info.st_mode & stat.S_IXUSR)
    if info.st_gid == gid:
        return bool(info.st_mode & stat.S_IWGRP and info.st_mode & stat.S_IXGRP)
    return bool(info.st_mode & stat.S_IWOTH and info.st_mode & stat.S_IXOTH)


def prepare(directory: Path, uid: int, gid: int) -> str:
    """Ensure `uid:gid` can write `directory`; returns what was done ("ok" or "chowned")."""
    directory.mkdir(parents=True, exist_ok=True)
    info = directory.stat()
    if writable_by(info, uid, gid):
        return "ok"
    if info.st_uid != 0:
        raise KitError(
            f"{directory} belongs to uid {info.st_uid} and uid {uid} cannot write it: set "
            f"REWARD_SIGNAL_UID={info.st_uid} and REWARD_SIGNAL_GID={info.st_gid} in .env (`id -u`, `id -g`)"
        )
    os.chown(directory, uid, gid)
    return "chowned"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m reward_signal.deploy.runs_dir", description=__doc__)
    parser.add_argument("directory", type=Path)
    parser.add_argument("--owner", required=True, metavar="UID:GID", help="the run's user and group ids")
    args = parser.parse_args(argv)
    uid, _, gid = args.owner.partition(":")
    try:
        if not (uid.isdigit() and gid.isdigit()):
            raise KitError(
                f"--owner {args.owner!r}: expected numeric UID:GID (REWARD_SIGNAL_UID/GID in .env)"
            )
        action = prepare(args.directory, int(uid), int(gid))
    except KitError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    print(
        f"{args.directory}: writable by {uid}:{gid}"
        + (" (was root's; handed over)" if action == "chowned" else "")
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
