"""A judge reward type applied to one sample: gate, ask, read, and the numbers the record logs.

Validation data never reaches the judge (it is scored rule-based, like every reward type), a response
failing a gated type's format check pays 0 without a call, and a judge that stays down either fails the
step (`on_failure: raise`, the seed's behaviour) or pays 0 and counts the failure (`on_failure: zero`).
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Mapping
from typing import Any

from reward_signal.common.errors import DataError
from reward_signal.rewards.judge import parsing
from reward_signal.rewards.judge.client import JudgeClient, JudgeSettings, JudgeUnavailable
from reward_signal.rewards.judge.judgement import NOT_ASKED, Judgement
from reward_signal.rewards.judge.kinds import JUDGE_KINDS, JudgeKind
from reward_signal.rewards.records import grade_with, hit_length_limit, is_validation, record
from reward_signal.rewards.reward_types import resolve_params

QUESTION_KEY = "question"


def question_of(extra_info: Mapping[str, Any] | None) -> str:
    """The problem text the judge sees: `extra_info["question"]`, as in the seed's data."""
    question = (extra_info or {}).get(QUESTION_KEY)
    if not isinstance(question, str) or not question.strip():
        where = f" (row index {extra_info.get('index')})" if extra_info and "index" in extra_info else ""
        raise DataError(
            f"judge reward types need the problem text in extra_info.{QUESTION_KEY}{where}: add it to the "
            "training parquet (the user message of `prompt`): `reward-signal data template --source FILE "
            "--add-question --out NEW_FILE`"
        )
    return question


def solution_for(kind: JudgeKind, solution: str) -> str | None:
    """The text the judge is shown, or None when a gated type's format check fails (pay 0, no call)."""
    if not kind.gated:
        return solution
    cut = parsing.cut_after_answer(solution)
    return cut if parsing.novel_format_ok(cut) else None


async def judge(
    kind: JudgeKind, question: str, solution: str, client: JudgeClient, on_failure: str = "raise"
) -> Judgement:
    """Ask the judge about one solution under `kind` and read its reply."""
    shown = solution_for(kind, solution)
    if shown is None:
        return NOT_ASKED
    try:
        reply = await client.ask(kind.prompt(question, shown), kind.max_tokens)
    except JudgeUnavailable:
        if on_failure == "zero":
            return Judgement(called=True, failed=True)
        raise
    reading = kind.read(reply.text)
    return Judgement(
        reading.score,
        reading.verdict,
        reading.step_avg,
        len(reading.steps),
        True,
        reply.cached,
        False,
        reply.latency,
    )


async def judged_record(
    client_for: Any,
    solution_str: str,
    ground_truth: str,
    reward_type: str,
    data_source: str | None,
    extra_info: Mapping[str, Any] | None,
    timeout: float,
    params: Mapping[str, Any],
) -> dict[str, Any]:
    """The kit's record for one sample under a judge type; `client_for()` gives the client (only called
    when the judge is actually needed, so validation runs without a judge configured)."""
    _, merged = resolve_params(reward_type, dict(params))
    verdict_of = functools.partial(
        grade_with,
        merged["grader"],
        solution_str,
        ground_truth,
        timeout,
        data_source,
        hit_length_limit(extra_info),
    )
    grading = asyncio.get_running_loop().run_in_executor(None, verdict_of)
    judgement = NOT_ASKED
    if not is_validation(data_source, extra_info):  # the rule-based grade runs while the judge thinks
        kind = JUDGE_KINDS[reward_type]
        try:
            judgement = await judge(
                kind, question_of(extra_info), solution_str, client_for(), params.get("on_failure", "raise")
            )
        except BaseException:
            grading.cancel()
            raise
    verdict = await grading
    return record(
        verdict,
        solution_str,
        reward_type,
        data_source,
        extra_info,
        timeout,
        params,
        ground_truth,
        judgement=judgement,
    )


def judged_batch(
    rows: list[tuple[str, str, str | None, Mapping[str, Any] | None]],
    reward_type: str,
    timeout: float,
    params: Mapping[str, Any],
    settings_for: Callable[[], JudgeSettings],
    progress: bool = False,
) -> list[dict[str, Any]]:
    """Records for (solution, ground truth, data source, extra_info) rows, all asked concurrently through
    one client (offline scoring, the audit and the benchmark use the same path as training)."""
    from tqdm import tqdm

    async def run() -> list[dict[str, Any]]:
        client: JudgeClient | None = None

        def client_for() -> JudgeClient:
            nonlocal client
            if client is None:
                client = JudgeClient(settings_for())
            return client

        async def one(row: tuple[str, str, str | None, Mapping[str, Any] | None]) -> dict[str, Any]:
            scored = await judged_record(
                client_for, row[0], row[1], reward_type, row[2], row[3], timeout, params
            )
            bar.update(1)
            return scored

        bar = tqdm(total=len(rows), disable=not progress, desc="judging", unit="response")
        try:
            return list(await asyncio.gather(*(one(row) for row in rows)))
        finally:
            bar.close()
            if client is not None:
                await client.close()

    return asyncio.run(run())
