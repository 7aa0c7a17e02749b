"""Writers of synthetic run directories with literal VERL 0.9.1 metric keys and hand-picked values."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.conftest import ASSETS

REPORT_ASSETS = ASSETS / "report"
MODEL = "Qwen/Qwen2.5-Math-1.5B"


def write_run(
    root: Path,
    name: str,
    meta: dict | None,
    attempts: dict[str, list[dict]] | None = None,
) -> Path:
    """A run directory as the launcher lays it out; `attempts` maps attempt file names to logged lines."""
    run_dir = root / name
    run_dir.mkdir(parents=True)
    if meta is not None:
        (run_dir / "run.json").write_text(json.dumps({"experiment": name, "model": MODEL, **meta}))
    for attempt, lines in (attempts or {}).items():
        (run_dir / "metrics").mkdir(exist_ok=True)
        text = "".join(json.dumps(line) + "\n" for line in lines)
        (run_dir / "metrics" / f"attempt-{attempt}.jsonl").write_text(text)
    return run_dir


def overfitting_lines() -> list[dict]:
    """rule_based, 64 prompts: training accuracy climbs to 0.95 while MATH-500 peaks at step 8 and falls."""
    heldout = [0.50, 0.52, 0.55, 0.58, 0.60, 0.57, 0.54, 0.51, 0.49, 0.47, 0.45]
    lines = []
    for step in range(21):
        data: dict[str, float] = {}
        if step:
            score = round(0.30 + 0.65 * step / 20, 4)
            data.update(
                {"critic/score/mean": score, "response_length/mean": 400.0 + step, "actor/grad_norm": 0.3}
            )
        if step % 2 == 0:
            data["val-core/HuggingFaceH4/MATH-500/acc/mean@8"] = heldout[step // 2]
        lines.append({"step": step, "data": data})
    return lines


def hacking_lines(log_train_acc: bool) -> list[dict]:
    """Reward paid climbs 0.50 -> 0.95 while true accuracy (batches or held-out) stays flat at 0.40."""
    lines = []
    for step in range(21):
        data: dict[str, float] = {"val-core/HuggingFaceH4/MATH-500/acc/mean@8": 0.40} if step % 5 == 0 else {}
        if step:
            data["critic/score/mean"] = round(0.50 + 0.45 * step / 20, 4)
            if log_train_acc:
                data["train/acc/mean"] = 0.40
        lines.append({"step": step, "data": data})
    return lines


def make_study(root: Path) -> Path:
    """Five runs under `root/runs`: resumed, overfitting, two reward hackers, one with only run.json."""
    runs = root / "runs"
    shutil.copytree(REPORT_ASSETS / "resumed-run", runs / "resumed-run")
    first = "20260101T000000Z"
    write_run(
        runs,
        "overfit-64",
        {"reward_type": "rule_based", "train_prompts": 64, "seed": 0},
        {first: overfitting_lines()},
    )
    write_run(
        runs,
        "format-only-64",
        {"reward_type": "format_only", "train_prompts": 64, "seed": 0},
        {first: hacking_lines(False)},
    )
    write_run(
        runs,
        "noisy-128",
        {"reward_type": "noisy", "train_prompts": 128, "seed": 0},
        {first: hacking_lines(True)},
    )
    write_run(runs, "not-started", {"reward_type": "random", "train_prompts": 64, "seed": 0})
    return runs
