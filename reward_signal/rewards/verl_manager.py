"""The kit's verl 0.9.1 reward manager, for rewards that need more than one sample's text and gold.

Randomised rewards (random, random_format_gated, noisy) need a fresh draw per step and per response:
verl 0.9.1's naive manager hands the reward function only the dataset's `extra_info`, so the same response
to the same prompt would get the same coin in every epoch. The v1 agent loop puts the trainer's
`global_steps` and the response's `session_id` (its position 0..n-1 in the group) into the DataProto it
sends to the reward worker; this manager makes them the draw's occasion. The prompt's `uid` is a fresh
uuid4 per step, so it is left out: the same seed gives the same draws on a rerun.

Majority vote (and the difficulty hybrids, whose majority half it is) needs the whole group. verl 0.9.1 streams rewards: the agent loop sends every finished response on its own to a
`RewardLoopWorker`, whose manager's `run_single` scores that one sample. There is no hook that receives a
group. But the n responses of a prompt are generated as concurrent tasks of one agent-loop worker
(`agent_loop_tq._run_prompt`), carry the prompt's `uid`, and `run_single` is a coroutine in an async Ray
actor. So with a single reward actor (`reward.num_workers=1`, set by `verl_wiring`) this manager parks each
graded response until all `actor_rollout_ref.rollout.n` responses of its `uid` have arrived, votes once, and
answers them all. If a group stays incomplete for $REWARD_SIGNAL_GROUP_WAIT seconds (default 600; e.g. a
failed session), it votes over the responses it has, so training can never deadlock on a reward.
Loaded by VERL via `reward.reward_manager.source=importlib` (module path `pkg://reward_signal.rewards.verl_manager`).
"""

from __future__ import annotations

import asyncio
import functools
import os
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from verl import DataProto
from verl.experimental.reward_loop.reward_manager.base import RewardManagerBase

from reward_signal.common.errors import ConfigError
from reward_signal.rewards.grading import Grade
from reward_signal.rewards.majority import agrees, majority_answer
from reward_signal.rewards.records import GROUP_REWARD_TYPES, grade_with, is_validation, prompt_key, record
from reward_signal.rewards.reward_types import resolve_params
from reward_signal.rewards.verl_entry import settings

GROUP_WAIT_ENV = "REWARD_SIGNAL_GROUP_WAIT"
_FINISHED_MEMORY = 4096  # majorities kept for responses that arrive after their group was voted


@dataclass
class _Group:
    preds: list[str | None] = field(default_factory=list)
    voted: asyncio.Future | None = None
    voting: bool = False


def occasion(non_tensor: dict[str, Any]) -> str:
    """`step=<global_steps>/session=<session_id>` of one streamed sample (see the module docstring)."""
    step, session = non_tensor.get("global_steps"), non_tensor.get("session_id")
    if step is None or session is None:
        raise ConfigError(
            "a randomised reward needs the step and group position of each response, which verl 0.9.1's "
            "v1 agent loop sends (global_steps, session_id); this batch has neither: train with "
            "trainer.use_v1=true (the default) and the overrides of verl_wiring.reward_overrides"
        )
    return f"step={step}/session={session}"


class KitRewardManager(RewardManagerBase):
    """Pays each streamed response its record: a fresh draw per step and group position for randomised
    rewards; for majority vote, collects each prompt's responses by `uid` and votes once per group."""

    def __init__(self, config: Any, tokenizer: Any, compute_score: Any, **_unused: Any) -> None:
        super().__init__(config, tokenizer, compute_score)
        reward_kwargs = dict(config.reward.custom_reward_function.get("reward_kwargs") or {})
        self.reward_type, self.timeout, self.params = settings(reward_kwargs)
        self.kind, merged = resolve_params(self.reward_type, dict(self.params))
        self.grader = merged["grader"]
        self.group_size = int(config.actor_rollout_ref.rollout.n)
        self.wait = float(os.environ.get(GROUP_WAIT_ENV, "600"))
        self._groups: dict[str, _Group] = {}
        self._finished: OrderedDict[str, str | None] = OrderedDict()

    async def run_single(self, data: DataProto) -> dict[str, Any]:
        item = data[-1:][0]
        response_ids = item.batch["responses"]
        valid = int(item.batch["attention_mask"][-response_ids.shape[-1] :].sum())
        loop = asyncio.get_running_loop()
        response = await loop.run_in_executor(
            None, lambda: self.tokenizer.decode(response_ids[:valid], skip_special_tokens=True)
        )
        data_source = item.non_tensor_batch["data_source"]
        ground_truth = item.non_tensor_batch["reward_model"]["ground_truth"]
        extra_info = dict(item.non_tensor_batch.get("extra_info") or {})
        truncated = valid >= response_ids.shape[-1]  # it filled the response budget: stopped at the limit
        verdict: Grade = await loop.run_in_executor(
            None, grade_with, self.grader, response, ground_truth, self.timeout, data_source, truncated
        )
        params, when, agreement = dict(self.params), "", 0.0
        validation = is_validation(data_source, extra_info)  # scored rule-based: no vote, no draw
        if not validation and self.reward_type in GROUP_REWARD_TYPES:
            uid = item.non_tensor_batch.get("uid")
            key = str(uid) if uid is not None else prompt_key(extra_info)
            params["majority_answer"] = await self._vote(key, verdict.pred)
            agreement = float(
                await loop.run_in_executor(
                    None, agrees, params["majority_answer"], ground_truth, self.timeout, data_source
                )
            )
        if not validation and self.kind.draws:
            when = occasion(item.non_tensor_batch)
        scored = functools.partial(record, majority_agrees=agreement)
        result = await loop.run_in_executor(
            None,
            scored,
            verdict,
            response,
            self.reward_type,
            data_source,
            extra_info,
            self.timeout,
            params,
            str(ground_truth),
            when,
        )
        return {"reward_score": result["score"], "reward_extra_info": result}

    async def _vote(self, key: str, pred: str | None) -> str | None:
        """Join `key`'s group and return its majority answer once the group is complete (or waited out)."""
        if key in self._finished:
            return self._finished[key]
        group = self._groups.setdefault(key, _Group())
        if group.voted is None:
            group.voted = asyncio.get_running_loop().create_future()
        group.preds.append(pred)
        if len(group.preds) >= self.group_size:
            await self._finish(key, group)
        else:
            try:
                await asyncio.wait_for(asyncio.shield(group.voted), timeout=self.wait)
            except TimeoutError:
                await self._finish(key, group)
        return await group.voted

    async def _finish(self, key: str, group: _Group) -> None:
        if group.voting:
            return
        group.voting = True
        loop = asyncio.get_running_loop()
        winner = await loop.run_in_executor(None, majority_answer, list(group.preds), self.timeout)
        self._finished[key] = winner
        while len(self._finished) > _FINISHED_MEMORY:
            self._finished.popitem(last=False)
        self._groups.pop(key, None)
        group.voted.set_result(winner)
