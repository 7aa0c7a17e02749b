"""How many problems each held-out benchmark has: the binomial noise of a validation point needs it.

Read from the data manifest (`rows` of the eval dataset the benchmark name stands for); None for a
benchmark the manifest does not list, whose noise the report then estimates from the curve itself.
"""

from __future__ import annotations

import functools

from reward_signal.common.errors import KitError


@functools.cache
def _eval_sizes() -> dict[str, int]:
    from reward_signal.data.manifest import load_manifest

    try:
        manifest = load_manifest()
    except KitError:  # no manifest where REWARD_SIGNAL_MANIFEST points: fall back to empirical noise
        return {}
    return {entry.name: entry.rows for entry in manifest.datasets if entry.role == "eval"}


def problem_count(benchmark: str) -> int | None:
    """Problems in `benchmark` (a name from metric_keys.benchmark_name), None when unknown."""
    return _eval_sizes().get(benchmark)
