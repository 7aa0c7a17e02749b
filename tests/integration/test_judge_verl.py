"""Judge reward types inside verl 0.9.1's own reward loop on CPU, the judge being the loopback server.

verl 0.9.1 can serve a generative reward model in the training job (`reward.reward_model.enable=true`):
it starts the model's servers and a router, and hands the router's host:port to the custom reward
function as `reward_router_address`. Without a GPU the model cannot be served here, so these tests give
VERL's reward loop the loopback judge's address in the router's place and check everything from VERL's
config to the HTTP request: the composed config, the naive manager awaiting `compute_score_async`, and
a `RewardLoopWorker` Ray actor (as `main_ppo` creates it) whose requests carry the seed's payload.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from reward_signal.rewards.verl_wiring import reward_overrides
from tests.integration.test_reward_verl import compose_config, make_batch
from tests.judge_server import MODEL, judge_server
from tests.tiny_lm import build_tiny_tokenizer

pytestmark = [pytest.mark.integration, pytest.mark.slow]

QUESTION = "What is 6 times 7?"
VERDICTS = [["boxed{42}", "**Verification: Is the answer correct (Yes/No)? Yes**"]]
SAMPLES = [
    {"response": "<think>6*7</think> <answer>\\boxed{42}</answer>", "pay": 1.0, "acc": 1.0},
    {"response": "<think>6*7</think> <answer>\\boxed{41}</answer>", "pay": 0.0, "acc": 0.0},
    {"response": "no answer block \\boxed{42}", "pay": 0.0, "acc": 1.0},  # fails the gate: never sent
    {"response": "<think>6*7</think> <answer>\\boxed{42}</answer>", "pay": 1.0, "acc": 1.0, "eval": True},
]
for i, sample in enumerate(SAMPLES):
    sample["ground_truth"] = "42"
    sample["data_source"] = "HuggingFaceH4/MATH-500" if sample.get("eval") else "train-math"
    sample["extra_info"] = {"index": i, "question": QUESTION}


@pytest.fixture(scope="module")
def tokenizer_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("tok")
    build_tiny_tokenizer(out, corpus=[s["response"] for s in SAMPLES] * 3)
    return out


def _config(tokenizer_dir: Path) -> Any:
    return compose_config(
        reward_overrides("judge_prm_format", {})
        + [
            f"actor_rollout_ref.model.path={tokenizer_dir}",
            "actor_rollout_ref.rollout.name=vllm",
            "reward.num_workers=1",
            # the in-job judge: VERL serves reward_model.model_path and passes its router's address
            "reward.reward_model.enable=true",
            f"reward.reward_model.model_path={tokenizer_dir}",
            "reward.reward_model.rollout.name=vllm",
        ]
    )


def _check(outputs: list[dict[str, Any]], server: Any) -> None:
    assert [o["reward_score"] for o in outputs] == [s["pay"] for s in SAMPLES]
    infos = [o["reward_extra_info"] for o in outputs]
    assert [i["acc"] for i in infos] == [s["acc"] for s in SAMPLES]
    assert [i["judge_called"] for i in infos] == [1.0, 1.0, 0.0, 0.0]
    assert len({frozenset(i) for i in infos}) == 1  # the same keys for every sample
    payloads = server.stats()["payloads"]
    assert len(payloads) == 2 and {p["model"] for p in payloads} == {MODEL}
    assert all(
        p["messages"][0]["content"].startswith(f"Problem: {QUESTION}\n\nStudent Solution: ") for p in payloads
    )


def test_config_selects_the_async_entry_and_composes_with_the_in_job_reward_model(
    tokenizer_dir: Path,
) -> None:
    config = _config(tokenizer_dir)
    assert config.reward.custom_reward_function.name == "compute_score_async"
    assert config.reward.reward_model.enable is True
    assert config.reward.custom_reward_function.reward_kwargs.reward_type == "judge_prm_format"


def test_naive_manager_awaits_the_judge_through_the_router_address(
    tokenizer_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from transformers import AutoTokenizer
    from verl.trainer.ppo.reward import load_reward_manager

    monkeypatch.delenv("GENRM_ENDPOINT", raising=False)
    monkeypatch.setenv("GENRM_MODEL_PATH", MODEL)
    tokenizer = AutoTokenizer.from_pretrained(str(tokenizer_dir))
    with judge_server(rules=VERDICTS, latency=0.05) as server:
        manager = load_reward_manager(
            _config(tokenizer_dir),
            tokenizer,
            reward_router_address=f"127.0.0.1:{server.port}",
            reward_model_tokenizer=tokenizer,
        )
        assert manager.is_async_reward_score
        batch = make_batch(tokenizer, SAMPLES)

        async def score_all() -> list[dict[str, Any]]:
            return list(
                await asyncio.gather(*(manager.run_single(batch[i : i + 1]) for i in range(len(SAMPLES))))
            )

        outputs = manager.loop.run_until_complete(score_all())
        _check(outputs, server)


def test_reward_loop_worker_actor_asks_the_judge_at_the_router_address(tokenizer_dir: Path) -> None:
    import ray
    from transformers import AutoTokenizer
    from verl.experimental.reward_loop.reward_loop import RewardLoopWorker

    batch = make_batch(AutoTokenizer.from_pretrained(str(tokenizer_dir)), SAMPLES)
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        with judge_server(rules=VERDICTS) as server:
            actor = (
                ray.remote(RewardLoopWorker)
                .options(runtime_env={"env_vars": {"GENRM_MODEL_PATH": MODEL, "GENRM_BASE_DELAY": "0"}})
                .remote(_config(tokenizer_dir), f"127.0.0.1:{server.port}")
            )
            outputs = ray.get(
                [actor.compute_score.remote(batch[i : i + 1]) for i in range(len(SAMPLES))], timeout=300
            )
            _check(outputs, server)
    finally:
        ray.shutdown()
