"""Generation backends behind one interface: requests in, `n` completions per request out.

Both render nothing themselves: prompts arrive as token ids (see `prompts.py`) with a per-problem
seed, so switching backend changes nothing downstream of `generate`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

from reward_signal.common.errors import ConfigError
from reward_signal.eval.sampling import Sampling

BACKENDS = ("vllm", "hf")


@dataclass(frozen=True)
class Request:
    """One prompt to sample `Sampling.n` times; `key` is (dataset, index)."""

    key: tuple[str, int]
    prompt_token_ids: tuple[int, ...]
    seed: int


@dataclass(frozen=True)
class Completion:
    """One sample: decoded text, generated token count and why it stopped ("stop" or "length")."""

    text: str
    n_tokens: int
    finish_reason: str


Batch = list[tuple[Request, list[Completion]]]


class Backend(Protocol):
    def generate(self, requests: Sequence[Request]) -> Iterator[Batch]:
        """Yield finished requests in batches, as soon as the engine returns them."""
        ...


def make_backend(name: str, weights: str, sampling: Sampling, tensor_parallel: int = 1) -> Backend:
    """Load the model into the chosen engine (heavy imports happen here, not at module import)."""
    if name == "vllm":
        from reward_signal.eval.backends.vllm_engine import VLLMBackend

        return VLLMBackend(weights, sampling, tensor_parallel)
    if name == "hf":
        if tensor_parallel != 1:
            raise ConfigError("--tp applies to the vllm backend only; the hf backend runs on one device")
        from reward_signal.eval.backends.hf_engine import HFBackend

        return HFBackend(weights, sampling)
    raise ConfigError(f"unknown backend {name!r}; choose one of {', '.join(BACKENDS)}")
