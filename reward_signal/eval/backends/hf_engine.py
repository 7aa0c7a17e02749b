"""transformers `generate` backend: slow but runs anywhere (CPU tests, quick checks)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from reward_signal.common.errors import KitError
from reward_signal.eval.backends import Batch, Completion, Request
from reward_signal.eval.sampling import Sampling


class HFBackend:
    """One prompt at a time with `n` return sequences, seeded per problem, yielded as soon as it is done."""

    def __init__(self, weights: str, sampling: Sampling) -> None:
        import torch
        from transformers import AutoModelForCausalLM

        from reward_signal.eval.prompts import load_tokenizer

        self.device = "cuda" if torch.cuda.is_available() else "cpu"
        # bf16 checkpoints are slow and imprecise on CPU; keep the saved dtype only on GPU.
        dtype = "auto" if self.device == "cuda" else torch.float32
        try:
            self.model = AutoModelForCausalLM.from_pretrained(weights, dtype=dtype).to(self.device).eval()
        except (OSError, ValueError, RuntimeError) as exc:
            raise KitError(f"cannot load the model {weights} with transformers: {exc}") from exc
        self.tokenizer = load_tokenizer(weights)
        self.sampling = sampling
        eos = self.model.generation_config.eos_token_id
        self.eos_ids = set(eos if isinstance(eos, list) else [] if eos is None else [eos])
        pad = self.model.generation_config.pad_token_id
        self.pad_id = pad if pad is not None else (min(self.eos_ids) if self.eos_ids else 0)

    def _sampling_kwargs(self) -> dict[str, object]:
        """Only temperature and top_p shape sampling, as with vLLM's explicit SamplingParams: the
        model's generation_config may not add a top-k cut (transformers' default is 50) or a
        repetition penalty."""
        s = self.sampling
        if s.greedy:
            return {
                "do_sample": False,
                "temperature": None,
                "top_p": None,
                "top_k": None,
                "repetition_penalty": 1.0,
            }
        return {
            "do_sample": True,
            "temperature": s.temperature,
            "top_p": s.top_p,
            "top_k": 0,
            "repetition_penalty": 1.0,
        }

    def _completion(self, token_ids: list[int]) -> Completion:
        stop = next((i for i, t in enumerate(token_ids) if t in self.eos_ids), None)
        generated = token_ids if stop is None else token_ids[: stop + 1]
        reason = "stop" if stop is not None or len(generated) < self.sampling.max_tokens else "length"
        text = self.tokenizer.decode(generated, skip_special_tokens=True)
        return Completion(text=text, n_tokens=len(generated), finish_reason=reason)

    def generate(self, requests: Sequence[Request]) -> Iterator[Batch]:
        import torch

        for request in requests:
            torch.manual_seed(request.seed)
            input_ids = torch.tensor([request.prompt_token_ids], device=self.device)
            with torch.no_grad():
                output = self.model.generate(
                    input_ids=input_ids,
                    attention_mask=torch.ones_like(input_ids),
                    max_new_tokens=self.sampling.max_tokens,
                    num_return_sequences=self.sampling.n,
                    pad_token_id=self.pad_id,
                    **self._sampling_kwargs(),
                )
            new_tokens = output[:, input_ids.shape[1] :].tolist()
            yield [(request, [self._completion(row) for row in new_tokens])]
