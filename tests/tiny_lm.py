"""A tiny causal LM and tokenizer built locally, for tests that must run a real model without the hub."""

from __future__ import annotations

from pathlib import Path

CHAT_TEMPLATE = (
    "{% for m in messages %}<|{{ m['role'] }}|>{{ m['content'] }}\n{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>{% endif %}"
)
CORPUS = ["The answer is \\boxed{42}.", "What is 17 + 25? Simplify 6/8.", "Find the number of minutes."]


def build_tiny_tokenizer(  # noqa: ANN201
    out: Path, chat_template: str | None = CHAT_TEMPLATE, corpus: list[str] = CORPUS
):
    """A byte-level BPE (any text encodes and decodes exactly) trained on a few strings, saved as a
    Hugging Face tokenizer directory (what VERL and transformers load in place of a hub model)."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=400,
        special_tokens=["<s>", "</s>", "<pad>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    tokenizer.train_from_iterator(corpus * 5, trainer)
    tokenizer.post_processor = processors.TemplateProcessing(single="<s> $A", special_tokens=[("<s>", 0)])
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer, bos_token="<s>", eos_token="</s>", pad_token="<pad>"
    )
    fast.chat_template = chat_template
    fast.save_pretrained(out)
    return fast


def build_tiny_model(out: Path) -> Path:
    """A 2-layer random Llama (about 15k parameters) with the tiny tokenizer; no hub download."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    fast = build_tiny_tokenizer(out)
    config = LlamaConfig(
        vocab_size=len(fast),
        hidden_size=16,
        intermediate_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        num_key_value_heads=1,
        max_position_embeddings=4096,
        bos_token_id=fast.bos_token_id,
        eos_token_id=fast.eos_token_id,
        pad_token_id=fast.pad_token_id,
        architectures=["LlamaForCausalLM"],  # VERL's merger needs it
    )
    torch.manual_seed(0)
    LlamaForCausalLM(config).save_pretrained(out)
    return out
