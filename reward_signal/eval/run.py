"""`reward-signal eval --model ...`: sample, grade and record every problem, resumably, then summarize."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reward_signal.common.errors import KitError
from reward_signal.common.files import ensure_writable_dir
from reward_signal.eval.backends import Batch, Completion, Request, make_backend
from reward_signal.eval.checkpoint import ResolvedModel, resolve_model
from reward_signal.eval.meta import base_meta, claim_directory
from reward_signal.eval.problems import EvalProblem, load_problems, resolve_datasets
from reward_signal.eval.records import RecordFile, by_problem, read_records, records_path
from reward_signal.eval.sampling import Sampling
from reward_signal.eval.scoring import grade_problems
from reward_signal.eval.suites import pool_groups
from reward_signal.eval.summary import compute_metrics, write_summary

# Problems graded (and fsynced) together when an engine returns many at once (vLLM returns all).
GRADE_CHUNK = 64


@dataclass(frozen=True)
class EvalSettings:
    model: str
    datasets: Sequence[str]
    sampling: Sampling
    out_dir: Path | None = None
    backend: str = "vllm"
    tensor_parallel: int = 1
    prompt_template: str = "chat"
    limit: int | None = None
    grade_timeout: float = 5.0
    groups: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


def default_out_dir(resolved: ResolvedModel) -> Path:
    """A checkpoint inside a run (`runs/<exp>/checkpoints/global_step_N`) reports to `runs/<exp>/eval`."""
    if resolved.checkpoint_dir is not None and resolved.checkpoint_dir.parent.name == "checkpoints":
        return resolved.checkpoint_dir.parent.parent / "eval"
    raise KitError(
        "--out is required unless --model is a checkpoint inside a run directory (<run>/checkpoints/...)"
    )


def _records(problem: EvalProblem, prompt_hash: str, completions: list[Completion]) -> list[dict[str, Any]]:
    return [
        {
            "dataset": problem.dataset,
            "index": problem.index,
            "sample": sample,
            "data_source": problem.data_source,
            "prompt_hash": prompt_hash,
            "ground_truth": problem.ground_truth,
            "response": c.text,
            "response_tokens": c.n_tokens,
            "finish_reason": c.finish_reason,
        }
        for sample, c in enumerate(completions)
    ]


def _chunks(batches: Iterator[Batch], size: int) -> Iterator[Batch]:
    for batch in batches:
        for start in range(0, len(batch), size):
            yield batch[start : start + size]


def _sample_and_record(
    settings: EvalSettings, weights: str, todo: list[EvalProblem], files: dict[str, RecordFile]
) -> None:
    """Generate the missing problems and append each one's graded records as soon as it is scored."""
    from tqdm import tqdm

    from reward_signal.eval.prompts import encode, load_tokenizer

    tokenizer = load_tokenizer(weights)
    problems = {(p.dataset, p.index): p for p in todo}
    hashes: dict[tuple[str, int], str] = {}
    requests = []
    for p in todo:
        hashes[(p.dataset, p.index)], ids = encode(tokenizer, p, settings.prompt_template)
        requests.append(
            Request(
                key=(p.dataset, p.index),
                prompt_token_ids=tuple(ids),
                seed=settings.sampling.problem_seed(p.dataset, p.index),
            )
        )
    backend = make_backend(settings.backend, weights, settings.sampling, settings.tensor_parallel)
    # One bar for the whole pipeline: it advances as problems are generated, graded and fsynced.
    with tqdm(total=len(requests), desc="evaluating", unit="problem", file=sys.stderr) as bar:
        for chunk in _chunks(backend.generate(requests), GRADE_CHUNK):
            graded = [_records(problems[r.key], hashes[r.key], completions) for r, completions in chunk]
            grade_problems(graded, timeout=settings.grade_timeout)
            for records in graded:
                files[records[0]["dataset"]].append_problem(records)
            bar.update(len(chunk))


def run_eval(settings: EvalSettings) -> str:
    """Evaluate, resuming whatever this output directory already holds; return the summary table."""
    paths = resolve_datasets(list(settings.datasets))
    datasets = {
        problems[0].dataset: problems
        for name, path in paths.items()
        if (problems := load_problems(name, path, settings.limit))
    }
    resolved = resolve_model(settings.model)
    out_dir = ensure_writable_dir(settings.out_dir or default_out_dir(resolved))
    sampling = settings.sampling.as_dict()
    claim_directory(
        out_dir,
        base_meta(
            source="generate",
            model=settings.model,
            weights=resolved.weights,
            checkpoint_step=resolved.checkpoint_step,
            sampling=sampling,
            prompt_template=settings.prompt_template,
            backend=settings.backend,
            datasets=list(datasets),
        ),
    )
    files = {name: RecordFile(out_dir, name, settings.sampling.n) for name in datasets}
    todo: list[EvalProblem] = []
    for name, problems in datasets.items():
        done = files[name].resume()
        todo += [p for p in problems if p.index not in done]
    total = sum(len(problems) for problems in datasets.values())
    print(
        f"{total - len(todo)} of {total} problems already done in {out_dir}; {len(todo)} to sample",
        file=sys.stderr,
    )
    if todo:
        _sample_and_record(settings, resolved.weights, todo, files)
    wanted = {name: {p.index for p in problems} for name, problems in datasets.items()}
    graded = {
        name: [
            records
            for index, records in by_problem(read_records(records_path(out_dir, name))).items()
            if index in wanted[name]
        ]
        for name in datasets
    }
    metrics = compute_metrics(pool_groups(graded, settings.groups))
    return write_summary(out_dir, settings.model, resolved.checkpoint_step, sampling, metrics)
