"""The judge client and judge reward types against a real loopback OpenAI-compatible server.

Everything goes through the code training uses: `compute_score_async` (what VERL awaits),
`compute_score` (the synchronous bridge) and `compute_score_batch` (offline, audit, benchmark).
"""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from reward_signal.common.errors import ConfigError, DataError
from reward_signal.rewards.judge.client import JudgeClient, JudgeSettings, JudgeUnavailable, loop_client
from reward_signal.rewards.verl_entry import compute_score, compute_score_async, compute_score_batch
from tests.judge_server import MODEL, judge_server

QUESTION = "What is 6 times 7?"
RIGHT = "<think>6*7</think> It is <answer>\\boxed{42}</answer>"
WRONG = "<think>6*7</think> It is <answer>\\boxed{41}</answer>"
UNGATED = "It is \\boxed{42}"  # fails the novel format gate (no <answer> block)
TRAIN = {"split": "train", "index": 0, "question": QUESTION}
VERDICT_YES = "Step 1: Correct\nStep 2: Correct\n**Verification: Is the answer correct (Yes/No)? Yes**"
VERDICT_NO = "Step 1: Correct\nStep 2: Incorrect\n**Verification: Is the answer correct (Yes/No)? No**"
RULES = [["boxed{42}", VERDICT_YES], ["boxed{41}", VERDICT_NO]]


@pytest.fixture
def genrm_env(monkeypatch: pytest.MonkeyPatch):
    """Point the GENRM_* variables at a server; returns a setter taking the server."""

    def point(server, **extra: str) -> None:
        values = {
            "GENRM_ENDPOINT": server.endpoint,
            "GENRM_MODEL_PATH": MODEL,
            "GENRM_API_KEY": "test-key",
            "GENRM_MAX_RETRIES": "3",
            "GENRM_BASE_DELAY": "0",
            "GENRM_MAX_WORKERS": "8",
        }
        for key, value in {**values, **extra}.items():
            monkeypatch.setenv(key, value)

    return point


def _batch(solutions: list[str], reward_type: str, **params: object) -> list[dict]:
    n = len(solutions)
    extras = [{**TRAIN, "index": i} for i in range(n)]
    return compute_score_batch(
        ["train-math"] * n, solutions, ["42"] * n, extras, reward_type=reward_type, **params
    )


def test_payload_and_records_for_each_judge_kind(genrm_env) -> None:
    with judge_server(rules=RULES) as server:
        genrm_env(server)
        prm = _batch([RIGHT, WRONG], "judge_prm_hybrid_format")
        think = _batch([RIGHT], "judge_think_prm")
        payloads = server.stats()["payloads"]
    assert [r["score"] for r in prm] == [pytest.approx(1.0), pytest.approx(0.4 * 0.5)]
    assert [r["acc"] for r in prm] == [1.0, 0.0]
    assert prm[1]["judge_verdict"] == 0.0 and prm[1]["judge_step_avg"] == 0.5 and prm[1]["judge_steps"] == 2.0
    assert all(r["judge_called"] == 1.0 and r["judge_failed"] == 0.0 and r["judge_latency"] > 0 for r in prm)
    assert think[0]["score"] == 1.0  # no final_verification tag: the PRM verdict decides
    first = payloads[0]
    assert first["model"] == MODEL and first["temperature"] == 0 and first["top_p"] == 0.95
    assert first["max_tokens"] == 4096 and payloads[-1]["max_tokens"] == 8192
    assert first["messages"] == [
        {
            "role": "user",
            "content": f"Problem: {QUESTION}\n\nStudent Solution: {RIGHT}\n\nLet's verify step by step.",
        }
    ]


def test_gated_types_never_send_failing_responses_and_send_the_cut_solution(genrm_env) -> None:
    with judge_server(rules=RULES) as server:
        genrm_env(server)
        records = _batch([UNGATED, RIGHT + "  trailing"], "judge_prm_format")
        payloads = server.stats()["payloads"]
    assert [r["score"] for r in records] == [0.0, 1.0]
    assert [r["judge_called"] for r in records] == [0.0, 1.0]
    assert len(payloads) == 1 and "trailing" not in payloads[0]["messages"][0]["content"]


def test_validation_data_is_rule_based_without_any_judge(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GENRM_ENDPOINT", raising=False)
    record = compute_score("HuggingFaceH4/MATH-500", RIGHT, "42", {"index": 1}, reward_type="judge_orm")
    assert (record["score"], record["validation"], record["judge_called"]) == (1.0, 1.0, 0.0)


def test_identical_pairs_are_judged_once(genrm_env) -> None:
    with judge_server(rules=RULES, latency=0.1) as server:
        genrm_env(server)
        records = _batch([RIGHT] * 8 + [WRONG] * 4, "judge_prm")
        requests = server.stats()["requests"]
    assert requests == 2
    assert sum(r["judge_cached"] for r in records) == 10
    assert [r["score"] for r in records] == [1.0] * 8 + [0.0] * 4


def test_in_flight_requests_are_bounded_by_max_workers(genrm_env) -> None:
    with judge_server(default="Yes", latency=0.2) as server:
        genrm_env(server, GENRM_MAX_WORKERS="4")
        started = time.perf_counter()
        _batch([f"\\boxed{{{i}}}" for i in range(16)], "judge_orm")
        elapsed = time.perf_counter() - started
        stats = server.stats()
    assert stats["requests"] == 16 and stats["max_in_flight"] == 4
    assert elapsed >= 4 * 0.2  # 16 requests, 4 at a time


@pytest.mark.parametrize("status", [429, 500, 503])
def test_bursts_of_429_and_5xx_are_retried_with_the_seed_backoff(genrm_env, status: int) -> None:
    with judge_server(default="Yes", fail_first=2, fail_status=status) as server:
        genrm_env(server, GENRM_MAX_RETRIES="3", GENRM_BASE_DELAY="0.2")
        started = time.perf_counter()
        record = compute_score("train-math", RIGHT, "42", TRAIN, reward_type="judge_orm")
        elapsed = time.perf_counter() - started
        assert server.stats()["requests"] == 3
    assert record["score"] == 1.0
    assert elapsed >= 0.2 + 0.4  # BASE_DELAY * 2**0, then BASE_DELAY * 2**1


def test_a_judge_that_stays_down_fails_naming_the_endpoint(genrm_env) -> None:
    with judge_server(default="Yes", fail_first=100, fail_status=500) as server:
        genrm_env(server, GENRM_MAX_RETRIES="2")
        with pytest.raises(
            JudgeUnavailable, match=rf"judge at {server.endpoint}/chat/completions .* 2 attempt"
        ):
            compute_score("train-math", RIGHT, "42", TRAIN, reward_type="judge_prm")
        assert server.stats()["requests"] == 2


def test_client_errors_are_not_retried(genrm_env) -> None:
    with judge_server(status=400) as server:
        genrm_env(server, GENRM_MAX_RETRIES="5")
        with pytest.raises(JudgeUnavailable, match="HTTP 400 .*not retried"):
            compute_score("train-math", RIGHT, "42", TRAIN, reward_type="judge_prm")
        assert server.stats()["requests"] == 1


def test_a_200_without_a_chat_completion_is_a_clear_error(genrm_env) -> None:
    with judge_server(malformed=True) as server:
        genrm_env(server)
        with pytest.raises(JudgeUnavailable, match="without a chat completion"):
            compute_score("train-math", RIGHT, "42", TRAIN, reward_type="judge_orm")


def test_timeouts_are_retried_then_fail(genrm_env) -> None:
    with judge_server(default="Yes", latency=1.0) as server:
        genrm_env(server, GENRM_TIMEOUT="0.2", GENRM_MAX_RETRIES="2")
        with pytest.raises(JudgeUnavailable, match="TimeoutError"):
            compute_score("train-math", RIGHT, "42", TRAIN, reward_type="judge_orm")
        assert server.stats()["requests"] == 2


def _kill_after(server, seconds: float) -> threading.Thread:
    thread = threading.Thread(target=lambda: (time.sleep(seconds), server.kill()))
    thread.start()
    return thread


def test_server_killed_mid_batch_fails_the_step(genrm_env) -> None:
    with judge_server(default="Yes", latency=0.3) as server:
        genrm_env(server, GENRM_MAX_WORKERS="4", GENRM_MAX_RETRIES="2", GENRM_BASE_DELAY="0.1")
        killer = _kill_after(server, 0.5)
        with pytest.raises(JudgeUnavailable, match=server.endpoint):
            _batch([f"\\boxed{{{i}}}" for i in range(40)], "judge_orm")
        killer.join()


def test_server_killed_mid_batch_pays_zero_and_counts_when_configured(genrm_env) -> None:
    with judge_server(default="Yes", latency=0.3) as server:
        genrm_env(server, GENRM_MAX_WORKERS="4", GENRM_MAX_RETRIES="2", GENRM_BASE_DELAY="0.1")
        killer = _kill_after(server, 0.5)
        records = _batch([f"\\boxed{{{i}}}" for i in range(40)], "judge_orm", on_failure="zero")
        killer.join()
    judged = [r for r in records if r["judge_failed"] == 0.0]
    failed = [r for r in records if r["judge_failed"] == 1.0]
    assert judged and failed and len(judged) + len(failed) == 40
    assert {r["score"] for r in judged} == {1.0} and {r["score"] for r in failed} == {0.0}


def test_connection_refused_is_retried_then_fails(genrm_env) -> None:
    with judge_server() as server:
        genrm_env(server, GENRM_MAX_RETRIES="2", GENRM_BASE_DELAY="0.05")
    # the server is gone: nothing listens on its port any more
    with pytest.raises(JudgeUnavailable, match="did not answer after 2 attempt"):
        compute_score("train-math", RIGHT, "42", TRAIN, reward_type="judge_orm")


def test_compute_score_async_uses_one_bounded_client_per_loop(genrm_env) -> None:
    with judge_server(default="Yes", latency=0.2) as server:
        genrm_env(server, GENRM_MAX_WORKERS="3")

        async def many() -> list[dict]:
            calls = [
                compute_score_async(
                    "train-math", f"\\boxed{{{i}}}", "42", {**TRAIN, "index": i}, reward_type="judge_orm"
                )
                for i in range(9)
            ]
            records = await asyncio.gather(*calls)
            await loop_client(JudgeSettings.from_env()).close()  # asyncio.run closes the loop next
            return records

        records = asyncio.run(many())
        assert server.stats()["max_in_flight"] == 3
    assert [r["score"] for r in records] == [1.0] * 9


def test_router_address_from_verl_is_the_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GENRM_ENDPOINT", raising=False)
    monkeypatch.setenv("GENRM_MODEL_PATH", MODEL)
    with judge_server(default="Yes") as server:
        record = compute_score(
            "train-math",
            RIGHT,
            "42",
            TRAIN,
            reward_type="judge_orm",
            reward_router_address=f"127.0.0.1:{server.port}",
        )
    assert record["score"] == 1.0


def test_missing_configuration_and_question_are_clear_errors(
    monkeypatch: pytest.MonkeyPatch, genrm_env
) -> None:
    monkeypatch.delenv("GENRM_ENDPOINT", raising=False)
    with pytest.raises(ConfigError, match="GENRM_ENDPOINT"):
        compute_score("train-math", RIGHT, "42", TRAIN, reward_type="judge_orm")
    with judge_server() as server:
        genrm_env(server, GENRM_MAX_WORKERS="zero")
        with pytest.raises(ConfigError, match="GENRM_MAX_WORKERS='zero'"):
            compute_score("train-math", RIGHT, "42", TRAIN, reward_type="judge_orm")
        genrm_env(server)
        with pytest.raises(DataError, match=r"extra_info.question \(row index 5\)"):
            compute_score("train-math", RIGHT, "42", {"index": 5}, reward_type="judge_orm")
    with pytest.raises(ConfigError, match="on_failure must be"):
        compute_score("train-math", RIGHT, "42", TRAIN, reward_type="judge_orm", on_failure="ignore")


def test_seed_names_select_judge_types_and_untrainable_ones_explain(
    monkeypatch: pytest.MonkeyPatch, genrm_env
) -> None:
    with judge_server(rules=RULES) as server:
        genrm_env(server)
        monkeypatch.setenv("REWARD_MODEL_TYPE", "PRM_COT_HYBRID_STEP_AVG_FORMAT")
        assert compute_score("train-math", UNGATED, "42", TRAIN)["score"] == 0.0
        monkeypatch.setenv("REWARD_MODEL_TYPE", "ORM")
        assert compute_score("train-math", RIGHT, "42", TRAIN)["judge_called"] == 1.0
    for name in ("INTUITOR", "INTUITOR_50_DIFFICULT_RULE_50_EASY", "PRM_STEP_LEVEL_ADVANTAGE"):
        monkeypatch.setenv("REWARD_MODEL_TYPE", name)
        with pytest.raises(ConfigError, match="verl 0.9.1 cannot train it"):
            compute_score("train-math", RIGHT, "42", TRAIN)


def test_client_context_closes_its_session() -> None:
    with judge_server(default="Yes") as server:

        async def once() -> str:
            async with JudgeClient(JudgeSettings(server.endpoint, MODEL, base_delay=0)) as client:
                return (await client.ask("Problem: x", 16)).text

        assert asyncio.run(once()) == "Yes"
