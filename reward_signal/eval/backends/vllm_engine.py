"""vLLM offline backend (the image's engine): one engine, every prompt submitted in one call."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from reward_signal.eval.backends import Batch, Completion, Request
from reward_signal.eval.sampling import Sampling


class VLLMBackend:
    """`LLM.generate` over token-id prompts with `n` samples each and a per-request seed.

    Per-request seeds make each problem's samples independent of batch composition, so a resumed
    run draws what an uninterrupted one would have.
    """

    def __init__(self, weights: str, sampling: Sampling, tensor_parallel: int) -> None:
        from vllm import LLM

        self.llm = LLM(model=weights, tensor_parallel_size=tensor_parallel, seed=sampling.seed)
        self.sampling = sampling

    def generate(self, requests: Sequence[Request]) -> Iterator[Batch]:
        from vllm import SamplingParams

        s = self.sampling
        params = [
            SamplingParams(
                n=s.n, temperature=s.temperature, top_p=s.top_p, max_tokens=s.max_tokens, seed=r.seed
            )
            for r in requests
        ]
        prompts = [{"prompt_token_ids": list(r.prompt_token_ids)} for r in requests]
        outputs = self.llm.generate(prompts, params, use_tqdm=True)
        yield [
            (
                request,
                [Completion(o.text, len(o.token_ids), o.finish_reason or "unknown") for o in output.outputs],
            )
            for request, output in zip(requests, outputs, strict=True)
        ]
