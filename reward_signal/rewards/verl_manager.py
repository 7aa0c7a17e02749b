"""A verl 0.9.1 reward manager that sees each prompt's whole group of responses (majority_vote and the
difficulty hybrids, whose majority half needs the group).

verl 0.9.1 streams rewards: the agent loop sends every finished response on its own to a
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

from reward_signal.rewards.grading import Grade, grade
from reward_signal.rewards.majority import agrees, majority_answer
from reward_signal.rewards.records import is_validation, prompt_key, record
from reward_signal.rewards.verl_entry import settings

GROUP_WAIT_ENV = "REWARD_SIGNAL_GROUP_WAIT"
_FINISHED_MEMORY = 4096  # majorities kept for responses that arrive after their group was voted


@dataclass
class _Group:
    preds: list[str | None] = field(default_factory=list)
    voted: asyncio.Future | None = None
    voting: bool = False


class GroupVoteRewardManager(RewardManagerBase):
    """Collects each prompt's responses by `uid`, votes once per group, pays every response its record."""

    def __init__(self, config: Any, tokenizer: Any, compute_score: Any, **_unused: Any) -> None:
        super().__init__(config, tokenizer, compute_score)
        reward_kwargs = dict(config.reward.custom_reward_function.get("reward_kwargs") or {})
        self.reward_type, self.timeout, self.params = settings(reward_kwargs)
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
        verdict: Grade = await loop.run_in_executor(
            None, grade, response, ground_truth, self.timeout, data_source
        )
        params = dict(self.params)
        agreement = 0.0
        if not is_validation(data_source, extra_info):  # validation is scored rule-based, no vote needed
            uid = item.non_tensor_batch.get("uid")
            key = str(uid) if uid is not None else prompt_key(extra_info)
            params["majority_answer"] = await self._vote(key, verdict.pred)
            agreement = float(
                await loop.run_in_executor(
                    None, agrees, params["majority_answer"], ground_truth, self.timeout, data_source
                )
            )
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
