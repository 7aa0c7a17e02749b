"""The reward file loaded by verl 0.9.1's own loader and run through its reward loop on CPU.

Level 1: `load_reward_manager` + the naive manager's `run_single` in-process (VERL runs our sync function in
an executor thread, where math-verify's signal timeout would fail). Level 2: `RewardLoopWorker` Ray actors
under a local `ray.init(num_cpus=2)`, as `main_ppo` runs them, with the reward type chosen by reward_kwargs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from reward_signal.rewards.verl_wiring import reward_overrides
from tests.tiny_lm import build_tiny_tokenizer

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def compose_config(overrides: list[str]) -> Any:
    """verl 0.9.1's own `ppo_trainer` config with our overrides (struct mode: unknown keys are errors).

    Through the launcher's compose, which owns the process-wide Hydra initialisation (a second,
    independent `initialize_config_dir` in the same pytest process would collide with it)."""
    from reward_signal.launch.validate import compose

    return compose(overrides)


def make_batch(tokenizer: Any, samples: list[dict[str, Any]]) -> Any:
    """A DataProto as the agent loop builds it: prompts, responses (right-padded), masks, non-tensor fields."""
    import numpy as np
    import torch
    from verl import DataProto

    prompts = [tokenizer.encode(s.get("prompt", "Solve it."), add_special_tokens=False) for s in samples]
    responses = [tokenizer.encode(s["response"], add_special_tokens=False) for s in samples]
    plen, rlen = max(map(len, prompts)), max(map(len, responses))
    pad = tokenizer.pad_token_id
    prompt_ids = torch.tensor([[pad] * (plen - len(p)) + p for p in prompts])
    response_ids = torch.tensor([r + [pad] * (rlen - len(r)) for r in responses])
    prompt_mask = torch.tensor([[0] * (plen - len(p)) + [1] * len(p) for p in prompts])
    response_mask = torch.tensor([[1] * len(r) + [0] * (rlen - len(r)) for r in responses])
    batch = {
        "prompts": prompt_ids,
        "responses": response_ids,
        "input_ids": torch.cat([prompt_ids, response_ids], dim=1),
        "attention_mask": torch.cat([prompt_mask, response_mask], dim=1),
    }
    non_tensor = {
        "data_source": np.array([s["data_source"] for s in samples], dtype=object),
        "reward_model": np.array(
            [{"ground_truth": s["ground_truth"], "style": "rule"} for s in samples], dtype=object
        ),
        "extra_info": np.array([dict(s["extra_info"]) for s in samples], dtype=object),
        "uid": np.array([s.get("uid", str(i)) for i, s in enumerate(samples)], dtype=object),
    }
    for key in ("global_steps", "session_id"):  # what verl 0.9.1's v1 agent loop adds to each sample
        if key in samples[0]:
            non_tensor[key] = np.array([s[key] for s in samples], dtype=object)
    return DataProto.from_dict(tensors=batch, non_tensors=non_tensor)


TRAIN = "train-math-deepscaler"
SAMPLES: list[dict[str, Any]] = [
    # response, ground truth, data source, extra_info; expected acc and format_ok
    {"response": "<think>17+25</think> \\boxed{42}", "ground_truth": '["42"]', "acc": 1.0, "fmt": 1.0},
    {"response": "\\boxed{41}", "ground_truth": '["42"]', "acc": 0.0, "fmt": 1.0},
    {
        "response": "So it is $2\\sqrt{2}$, \\boxed{2\\sqrt{2}}",
        "ground_truth": "\\sqrt{8}",
        "acc": 1.0,
        "fmt": 1.0,
    },
    {"response": "The answer is 1156", "ground_truth": '["1156"]', "acc": 1.0, "fmt": 0.0},
    {"response": "<think>never closed \\boxed{7}", "ground_truth": '["7"]', "acc": 0.0, "fmt": 0.0},
    {"response": "\\boxed{90^\\circ}", "ground_truth": "90^\\circ", "acc": 1.0, "fmt": 1.0, "eval": True},
    {
        "response": "\\boxed{\\text{Bob}}",
        "ground_truth": "\\text{Evelyn}",
        "acc": 0.0,
        "fmt": 1.0,
        "eval": True,
    },
]
for i, sample in enumerate(SAMPLES):
    sample["data_source"] = "HuggingFaceH4/MATH-500" if sample.get("eval") else TRAIN
    sample["extra_info"] = {"index": i, "split": "test" if sample.get("eval") else "train"}
KEYS = {"score", "acc", "format_ok", "timed_out", "reward_type", "validation", "pred"}


@pytest.fixture(scope="module")
def tokenizer_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    corpus = [s["response"] for s in SAMPLES] + ["Solve it. <think> </think> \\boxed{} \\frac{1}{2}"] * 5
    out = tmp_path_factory.mktemp("tok")
    build_tiny_tokenizer(out, corpus=corpus)
    return out


def _config(tokenizer_dir: Path, reward_type: str, params: dict[str, Any]) -> Any:
    return compose_config(
        reward_overrides(reward_type, params)
        + [
            f"actor_rollout_ref.model.path={tokenizer_dir}",
            "actor_rollout_ref.rollout.name=vllm",
            "reward.num_workers=1",
        ]
    )


def _check_records(outputs: list[dict[str, Any]], expected_scores: list[float]) -> None:
    assert [o["reward_score"] for o in outputs] == expected_scores
    infos = [o["reward_extra_info"] for o in outputs]
    assert all(set(info) == KEYS for info in infos)  # same keys for every sample
    assert [info["acc"] for info in infos] == [s["acc"] for s in SAMPLES]
    assert [info["format_ok"] for info in infos] == [s["fmt"] for s in SAMPLES]
    assert [info["validation"] for info in infos] == [float(bool(s.get("eval"))) for s in SAMPLES]
    assert not any(info["timed_out"] for info in infos)


def test_verl_loader_and_naive_manager_in_process(tokenizer_dir: Path) -> None:
    from transformers import AutoTokenizer
    from verl.trainer.ppo.reward import get_custom_reward_fn, load_reward_manager

    config = _config(tokenizer_dir, "rule_based", {})
    fn = get_custom_reward_fn(config)
    assert fn(data_source=TRAIN, solution_str="\\boxed{3}", ground_truth="3")["score"] == 1.0
    tokenizer = AutoTokenizer.from_pretrained(str(tokenizer_dir))
    manager = load_reward_manager(config, tokenizer)
    assert type(manager).__name__ == "NaiveRewardManager"
    batch = make_batch(tokenizer, SAMPLES)
    outputs = [
        manager.loop.run_until_complete(manager.run_single(batch[i : i + 1])) for i in range(len(SAMPLES))
    ]
    _check_records(outputs, [s["acc"] for s in SAMPLES])


@pytest.fixture(scope="module")
def local_ray() -> Any:
    import ray

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray
    ray.shutdown()


def test_reward_loop_worker_actors_pay_the_configured_reward_type(
    tokenizer_dir: Path, local_ray: Any
) -> None:
    """Two RewardLoopWorker actors (rule_based and inverted), fed one sample per call like the agent loop."""
    from transformers import AutoTokenizer
    from verl.experimental.reward_loop.reward_loop import RewardLoopWorker

    batch = make_batch(AutoTokenizer.from_pretrained(str(tokenizer_dir)), SAMPLES)
    actor_cls = local_ray.remote(RewardLoopWorker)
    actors = {
        name: actor_cls.remote(_config(tokenizer_dir, name, params), None)
        for name, params in (("rule_based", {}), ("inverted", {}))
    }
    futures = {
        name: [actor.compute_score.remote(batch[i : i + 1]) for i in range(len(SAMPLES))]
        for name, actor in actors.items()
    }
    outputs = {name: local_ray.get(refs, timeout=300) for name, refs in futures.items()}

    _check_records(outputs["rule_based"], [s["acc"] for s in SAMPLES])
    # inverted pays 1 - acc when the format is ok, 0 otherwise; validation samples stay rule-based
    inverted = [s["acc"] if s.get("eval") else float(s["fmt"] == 1.0 and s["acc"] == 0.0) for s in SAMPLES]
    _check_records(outputs["inverted"], inverted)
    codes = [o["reward_extra_info"]["reward_type"] for o in outputs["inverted"]]
    assert codes == [0 if s.get("eval") else 5 for s in SAMPLES]


def test_group_vote_manager_pays_majority_vote_per_uid(tokenizer_dir: Path, local_ray: Any) -> None:
    """majority_vote through the kit's group manager (importlib) in one RewardLoopWorker, groups of rollout.n=4.

    Responses arrive one per call and concurrently, as the agent loop sends them; group "p3" is one response
    short, so it is voted after REWARD_SIGNAL_GROUP_WAIT seconds over the three it has.
    """
    from transformers import AutoTokenizer
    from verl.experimental.reward_loop.reward_loop import RewardLoopWorker

    groups = {
        "p1": ["\\boxed{5}", "\\boxed{\\frac{10}{2}}", "\\boxed{4}", "\\boxed{5.0}"],  # majority 5 (gold 4)
        "p2": [
            "\\boxed{2\\sqrt{2}}",
            "\\boxed{\\sqrt{8}}",
            "no answer",
            "\\boxed{3}",
        ],  # majority sqrt 8 (gold)
        "p3": ["\\boxed{7}", "\\boxed{1}", "\\boxed{7}"],  # incomplete group
    }
    golds = {"p1": "4", "p2": "\\sqrt{8}", "p3": "7"}
    samples = [
        {
            "response": r,
            "ground_truth": golds[uid],
            "data_source": TRAIN,
            "extra_info": {"index": 0},
            "uid": uid,
        }
        for uid, responses in groups.items()
        for r in responses
    ]
    samples.append(  # validation sample: rule-based at once, not held for a group
        {
            "response": "\\boxed{4}",
            "ground_truth": "4",
            "data_source": "test-math-aime24",
            "extra_info": {},
            "uid": "v",
        }
    )
    config = compose_config(
        reward_overrides("majority_vote", {})
        + [f"actor_rollout_ref.model.path={tokenizer_dir}", "actor_rollout_ref.rollout.name=vllm"]
        + ["actor_rollout_ref.rollout.n=4"]
    )
    assert config.reward.num_workers == 1 and config.reward.reward_manager.source == "importlib"
    batch = make_batch(AutoTokenizer.from_pretrained(str(tokenizer_dir)), samples)
    actor = (
        local_ray.remote(RewardLoopWorker)
        .options(runtime_env={"env_vars": {"REWARD_SIGNAL_GROUP_WAIT": "4"}})
        .remote(config, None)
    )
    outputs = local_ray.get(
        [actor.compute_score.remote(batch[i : i + 1]) for i in range(len(samples))], timeout=300
    )

    scores = [o["reward_score"] for o in outputs]
    assert scores == [1.0, 1.0, 0.0, 1.0] + [1.0, 1.0, 0.0, 0.0] + [1.0, 0.0, 1.0] + [1.0]
    accs = [o["reward_extra_info"]["acc"] for o in outputs]
    assert accs == [0.0, 0.0, 1.0, 0.0] + [1.0, 1.0, 0.0, 0.0] + [1.0, 0.0, 1.0] + [1.0]
    codes = {o["reward_extra_info"]["reward_type"] for o in outputs[:-1]}
    assert codes == {6} and outputs[-1]["reward_extra_info"]["reward_type"] == 0


def _coins(local_ray: Any, tokenizer_dir: Path, seed: int, samples: list[dict[str, Any]]) -> list[float]:
    """`random` (p=1/2) paid by a fresh RewardLoopWorker with the kit's manager, one sample per call."""
    from transformers import AutoTokenizer
    from verl.experimental.reward_loop.reward_loop import RewardLoopWorker

    config = _config(tokenizer_dir, "random", {"p": 0.5, "seed": seed})
    assert config.reward.reward_manager.name == "KitRewardManager"
    batch = make_batch(AutoTokenizer.from_pretrained(str(tokenizer_dir)), samples)
    actor = local_ray.remote(RewardLoopWorker).remote(config, None)
    refs = [actor.compute_score.remote(batch[i : i + 1]) for i in range(len(samples))]
    return [out["reward_score"] for out in local_ray.get(refs, timeout=300)]


def test_random_draws_are_fresh_per_step_and_group_position_and_reproducible(
    tokenizer_dir: Path, local_ray: Any
) -> None:
    """The same (prompt, response) in two steps agrees only about half the time at p=1/2, identical
    responses in one group get independent coins, and a rerun with the same seed pays the same."""
    prompts = 150

    def sample(index: int, step: int, session: int) -> dict[str, Any]:
        return {
            "response": f"\\boxed{{{index % 7}}}",
            "ground_truth": "1",
            "data_source": TRAIN,
            "extra_info": {"index": index, "split": "train"},
            "uid": f"{step}-{index}",  # a fresh uuid4 per step in VERL: never part of the draw
            "global_steps": step,
            "session_id": session,
        }

    two_steps = [sample(i, step, 0) for step in (1, 2) for i in range(prompts)]
    one_group = [sample(0, 3, session) for session in range(prompts)]  # one response, many positions
    coins = _coins(local_ray, tokenizer_dir, 7, two_steps + one_group)
    step1, step2, group = coins[:prompts], coins[prompts : 2 * prompts], coins[2 * prompts :]
    agree = sum(a == b for a, b in zip(step1, step2, strict=True)) / prompts
    assert 0.37 < agree < 0.63, agree
    assert 0.37 < sum(group) / prompts < 0.63
    assert 0.37 < sum(step1) / prompts < 0.63

    assert _coins(local_ray, tokenizer_dir, 7, two_steps[:prompts]) == step1  # same seed, same draws
    other = _coins(local_ray, tokenizer_dir, 8, two_steps[:prompts])
    assert sum(a == b for a, b in zip(step1, other, strict=True)) < 0.7 * prompts


def test_randomised_reward_without_step_information_fails_loudly(tokenizer_dir: Path, local_ray: Any) -> None:
    """A batch without global_steps/session_id (e.g. the legacy trainer) must not fall back to fixed draws."""
    bare = [{**SAMPLES[0], "uid": "u"}]
    with pytest.raises(Exception, match="global_steps, session_id"):
        _coins(local_ray, tokenizer_dir, 7, bare)
