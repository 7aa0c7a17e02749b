"""Backend glue. vLLM cannot run on this CPU machine: its adapter is checked against a stand-in module
with vLLM's documented surface (LLM.generate over token prompts, SamplingParams, RequestOutput.outputs)."""

from __future__ import annotations

import sys
import types
from dataclasses import dataclass, field

import pytest

from reward_signal.common.errors import ConfigError
from reward_signal.eval.backends import Completion, Request, make_backend
from reward_signal.eval.sampling import Sampling


@dataclass
class _Output:
    text: str
    token_ids: list[int]
    finish_reason: str


@dataclass
class _StandInLLM:
    model: str
    tensor_parallel_size: int
    seed: int
    calls: list = field(default_factory=list)

    def generate(self, prompts, params, use_tqdm=True):  # noqa: ANN001, ANN201
        self.calls.append((prompts, params))
        return [
            types.SimpleNamespace(
                outputs=[_Output(f"{p['prompt_token_ids']}#{i}", [1] * (i + 1), "stop") for i in range(s.n)]
            )
            for p, s in zip(prompts, params, strict=True)
        ]


def test_vllm_adapter_submits_everything_once_with_per_problem_seeds(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = types.ModuleType("vllm")
    fake.LLM = _StandInLLM
    fake.SamplingParams = lambda **kw: types.SimpleNamespace(**kw)
    monkeypatch.setitem(sys.modules, "vllm", fake)
    sampling = Sampling(n=2, temperature=0.6, top_p=0.95, max_tokens=64, seed=5)
    backend = make_backend("vllm", "/models/m", sampling, tensor_parallel=2)
    assert (backend.llm.model, backend.llm.tensor_parallel_size, backend.llm.seed) == ("/models/m", 2, 5)
    requests = [Request(("d", 0), (7, 8), seed=11), Request(("d", 1), (9,), seed=12)]
    batches = list(backend.generate(requests))
    assert len(batches) == 1 and len(backend.llm.calls) == 1
    prompts, params = backend.llm.calls[0]
    assert prompts == [{"prompt_token_ids": [7, 8]}, {"prompt_token_ids": [9]}]
    assert [(p.n, p.temperature, p.top_p, p.max_tokens, p.seed) for p in params] == [
        (2, 0.6, 0.95, 64, 11),
        (2, 0.6, 0.95, 64, 12),
    ]
    (first, completions), _ = batches[0]
    assert first is requests[0]
    assert completions == [Completion("[7, 8]#0", 1, "stop"), Completion("[7, 8]#1", 2, "stop")]


def test_backend_choice_errors() -> None:
    with pytest.raises(ConfigError, match="unknown backend 'tgi'"):
        make_backend("tgi", "m", Sampling())
    with pytest.raises(ConfigError, match="--tp applies to the vllm backend only"):
        make_backend("hf", "m", Sampling(), tensor_parallel=2)
