"""Difficulty hybrids through the kit's group manager as verl 0.9.1 loads it (in-process, no Ray).

The responses of each prompt arrive one per `run_single` call, concurrently, as the agent loop streams
them; the manager holds them until the group (rollout.n = 4) is complete, votes, and pays each response
rule-based or by the vote according to its prompt's difficulty.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from reward_signal.rewards.verl_wiring import reward_overrides
from tests.integration.test_reward_verl import compose_config, make_batch
from tests.tiny_lm import build_tiny_tokenizer

pytestmark = [pytest.mark.integration, pytest.mark.slow]

MODEL = "DeepSeek-R1-Distill-Qwen-1.5B"
# "hard" (difficulty 12): majority 5, gold 4. "easy" (difficulty 3): majority 7 = gold.
GROUPS = {
    "hard": (12, "4", ["\\boxed{5}", "\\boxed{\\frac{10}{2}}", "\\boxed{4}", "\\boxed{5.0}"]),
    "easy": (3, "7", ["\\boxed{7}", "\\boxed{7}", "\\boxed{6}", "no answer"]),
}
SAMPLES = [
    {
        "response": response,
        "ground_truth": gold,
        "data_source": "train-math",
        "extra_info": {"index": n, "model_difficulty": {MODEL: level}},
        "uid": uid,
    }
    for n, (uid, (level, gold, responses)) in enumerate(GROUPS.items())
    for response in responses
]


@pytest.fixture(scope="module")
def tokenizer_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("tok")
    build_tiny_tokenizer(out, corpus=[s["response"] for s in SAMPLES] * 3)
    return out


@pytest.mark.parametrize(
    ("reward_type", "paid"),
    [
        ("majority_hard_rule_easy", [1.0, 1.0, 0.0, 1.0] + [1.0, 1.0, 0.0, 0.0]),
        ("majority_easy_rule_hard", [0.0, 0.0, 1.0, 0.0] + [1.0, 1.0, 0.0, 0.0]),
    ],
)
def test_group_manager_pays_each_half(tokenizer_dir: Path, reward_type: str, paid: list[float]) -> None:
    from transformers import AutoTokenizer
    from verl.trainer.ppo.reward import load_reward_manager

    config = compose_config(
        reward_overrides(reward_type, {})
        + [f"actor_rollout_ref.model.path={tokenizer_dir}", "actor_rollout_ref.rollout.name=vllm"]
        + ["actor_rollout_ref.rollout.n=4"]
    )
    tokenizer = AutoTokenizer.from_pretrained(str(tokenizer_dir))
    manager = load_reward_manager(config, tokenizer)
    batch = make_batch(tokenizer, SAMPLES)

    async def stream() -> list[dict[str, Any]]:
        return list(
            await asyncio.gather(*(manager.run_single(batch[i : i + 1]) for i in range(len(SAMPLES))))
        )

    outputs = manager.loop.run_until_complete(stream())
    assert [o["reward_score"] for o in outputs] == paid
    infos = [o["reward_extra_info"] for o in outputs]
    assert [i["majority_agrees"] for i in infos] == [0.0] * 4 + [1.0] * 4
    assert [i["acc"] for i in infos] == [0.0, 0.0, 1.0, 0.0] + [1.0, 1.0, 0.0, 0.0]
