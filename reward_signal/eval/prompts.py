"""Render each problem's chat messages to prompt token ids, once, for whichever backend samples them."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from reward_signal.common.errors import KitError
from reward_signal.eval.problems import EvalProblem

TEMPLATES = ("chat", "raw")


def load_tokenizer(weights: str) -> Any:
    from transformers import AutoTokenizer

    try:
        return AutoTokenizer.from_pretrained(weights)
    except (OSError, ValueError) as exc:
        raise KitError(f"cannot load the tokenizer of {weights}: {exc}") from exc


def render(tokenizer: Any, messages: Sequence[dict[str, str]], template: str) -> str:
    """`chat`: the model's own chat template with the generation prompt, as in training.
    `raw`: the messages' contents separated by blank lines, for base models without a template."""
    if template == "raw":
        return "\n\n".join(m["content"] for m in messages) + "\n\n"
    if not getattr(tokenizer, "chat_template", None):
        raise KitError(
            f"{tokenizer.name_or_path}: the tokenizer has no chat template; "
            f"for a base model pass --prompt-template raw"
        )
    return tokenizer.apply_chat_template(list(messages), add_generation_prompt=True, tokenize=False)


def encode(tokenizer: Any, problem: EvalProblem, template: str) -> tuple[str, list[int]]:
    """(prompt hash, token ids). A chat template already writes its special tokens; raw text gets BOS."""
    text = render(tokenizer, problem.messages, template)
    ids = tokenizer(text, add_special_tokens=template == "raw")["input_ids"]
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16], list(ids)
