"""Wait until a Ray cluster has the nodes a multi-node run expects (used by script/slurm/).

`ray start` on each node returns before the node has registered; starting MODE3 before then
makes VERL plan for fewer GPUs than the job paid for. Bounded, so a node that never joins fails
the job instead of hanging the allocation.

    python -m reward_signal.deploy.ray_cluster --address HEAD_IP:6379 --nodes 4 --timeout 600
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence

from reward_signal.common.errors import KitError


def alive_nodes(address: str) -> int:
    """Number of live nodes in the cluster at `address`."""
    import ray

    ray.init(address=address, logging_level="ERROR", log_to_driver=False)
    try:
        return sum(1 for node in ray.nodes() if node.get("Alive"))
    finally:
        ray.shutdown()


def wait_for_nodes(address: str, nodes: int, timeout: float, poll: float = 5.0) -> int:
    """Block until `nodes` nodes are alive; raise KitError after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        found = alive_nodes(address)
        if found >= nodes:
            return found
        if time.monotonic() + poll > deadline:
            raise KitError(
                f"Ray cluster at {address} has {found} of {nodes} nodes after {timeout:g}s: "
                "check the worker logs (ray start failed, or a node cannot reach the head's port)"
            )
        time.sleep(poll)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m reward_signal.deploy.ray_cluster", description=wait_for_nodes.__doc__
    )
    parser.add_argument("--address", required=True, help="head GCS address, HOST:PORT")
    parser.add_argument("--nodes", type=int, required=True, help="nodes expected, head included")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds (default: %(default)s)")
    parser.add_argument(
        "--poll", type=float, default=5.0, help="seconds between checks (default: %(default)s)"
    )
    args = parser.parse_args(argv)
    try:
        found = wait_for_nodes(args.address, args.nodes, args.timeout, args.poll)
    except KitError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    print(f"Ray cluster at {args.address}: {found} node(s) alive")
    return 0


if __name__ == "__main__":
    sys.exit(main())
