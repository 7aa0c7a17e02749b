"""Shared helpers for the VERL reward tests: a local tokenizer, VERL's composed config, DataProto batches."""

from __future__ import annotations

from pathlib import Path
from typing import Any

CHAT_TEMPLATE = "{% for m in messages %}<|{{ m['role'] }}|>{{ m['content'] }}\n{% endfor %}<|assistant|>"


def build_tokenizer(directory: Path, corpus: list[str]) -> Path:
    """A byte-level BPE tokenizer trained on `corpus` (decodes any text exactly), saved like a hub model."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    special = ["<pad>", "<eos>"]
    trainer = trainers.BpeTrainer(
        vocab_size=400, special_tokens=special, initial_alphabet=pre_tokenizers.ByteLevel.alphabet()
    )
    tok.train_from_iterator(corpus, trainer)
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, pad_token="<pad>", eos_token="<eos>")
    fast.chat_template = CHAT_TEMPLATE
    fast.save_pretrained(str(directory))
    return directory


def compose_config(overrides: list[str]) -> Any:
    """verl 0.9.1's own `ppo_trainer` config with our overrides (struct mode: unknown keys are errors)."""
    import verl
    from hydra import compose, initialize_config_dir

    config_dir = Path(verl.__file__).parent / "trainer" / "config"
    with initialize_config_dir(config_dir=str(config_dir), version_base=None):
        return compose(config_name="ppo_trainer", overrides=overrides)


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
    return DataProto.from_dict(tensors=batch, non_tensors=non_tensor)
