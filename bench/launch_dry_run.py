"""Start-up cost of `reward-signal train --dry-run`, as a ratio to VERL's own import (measured in the same run).

    python bench/launch_dry_run.py                     # llama31-8b-rlvr8k, MODE2, without data files
    python bench/launch_dry_run.py --data-dir ../shared/data/seed   # also validate the 8K + eval parquet files

baseline: in a fresh interpreter, importing what validation needs from VERL and Hydra
          (hydra, omegaconf, verl.utils.config, verl.trainer.ppo.utils, verl.workers.config).
measured: then, in the same interpreter, the whole `reward-signal train --exp llama31-8b-rlvr8k
          --mode MODE2 --dry-run` (CLI, schema, render, compose, VERL's and the kit's checks, data checks).
Target: the measured part well under 2 s.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

BASELINE = "import hydra, omegaconf, verl.utils.config, verl.trainer.ppo.utils, verl.workers.config"
# One fresh interpreter: time VERL's import, then the whole dry-run command with VERL already loaded.
PROBE = f"""
import contextlib, io, json, sys, time
start = time.perf_counter()
{BASELINE}
imported = time.perf_counter()
from reward_signal.cli import main
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    code = main(sys.argv[1:])
done = time.perf_counter()
print(json.dumps({{"verl_import": imported - start, "kit": done - imported, "exit": code}}))
"""


def _probe(argv: list[str], env: dict[str, str]) -> dict[str, float]:
    result = subprocess.run(
        [sys.executable, "-c", PROBE, *argv], check=True, capture_output=True, text=True, env=env
    )
    found = json.loads(result.stdout.strip().splitlines()[-1])
    if found["exit"] != 0:
        raise SystemExit(f"the dry-run failed (exit {found['exit']}): run it by hand to see why")
    return found


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data-dir", type=Path, help="REWARD_SIGNAL_DATA_DIR holding the fetched datasets")
    parser.add_argument("--repeat", type=int, default=3, help="runs (the median is reported)")
    args = parser.parse_args()
    env = dict(os.environ)
    argv = ["train", "--exp", "llama31-8b-rlvr8k", "--mode", "MODE2", "--dry-run"]
    if args.data_dir:
        env["REWARD_SIGNAL_DATA_DIR"] = str(args.data_dir.resolve())
    else:
        argv.append("--no-data-check")
    runs = [_probe(argv, env) for _ in range(args.repeat)]
    baseline = statistics.median(run["verl_import"] for run in runs)
    kit = statistics.median(run["kit"] for run in runs)
    print(f"baseline, VERL + Hydra import:            {baseline:.2f} s")
    print(
        f"reward-signal train --dry-run beyond it:  {kit:.2f} s  (ratio {kit / baseline:.2f} of the baseline)"
    )


if __name__ == "__main__":
    main()
