"""Prompt rendering: the model's chat template (as in training), or raw text with BOS for base models."""

from __future__ import annotations

from pathlib import Path

import pytest

from reward_signal.common.errors import KitError
from reward_signal.eval.problems import EvalProblem
from reward_signal.eval.prompts import encode, load_tokenizer, render
from tests.tiny_lm import build_tiny_tokenizer

MESSAGES = ({"role": "system", "content": "Box it."}, {"role": "user", "content": "What is 17 + 25?"})
PROBLEM = EvalProblem(dataset="d", index=0, data_source="d", messages=MESSAGES, ground_truth="42")


def test_chat_and_raw_rendering(tmp_path: Path) -> None:
    build_tiny_tokenizer(tmp_path)
    tok = load_tokenizer(str(tmp_path))
    assert render(tok, MESSAGES, "chat") == "<|system|>Box it.\n<|user|>What is 17 + 25?\n<|assistant|>"
    assert render(tok, MESSAGES, "raw") == "Box it.\n\nWhat is 17 + 25?\n\n"
    chat_hash, chat_ids = encode(tok, PROBLEM, "chat")
    raw_hash, raw_ids = encode(tok, PROBLEM, "raw")
    assert (
        chat_ids[0] != tok.bos_token_id and raw_ids[0] == tok.bos_token_id
    )  # the template owns special tokens
    assert tok.decode(chat_ids) == render(tok, MESSAGES, "chat")
    assert len(chat_hash) == 16 and chat_hash != raw_hash


def test_model_without_chat_template_points_to_the_raw_flag(tmp_path: Path) -> None:
    build_tiny_tokenizer(tmp_path, chat_template=None)
    with pytest.raises(KitError, match="no chat template; for a base model pass --prompt-template raw"):
        render(load_tokenizer(str(tmp_path)), MESSAGES, "chat")


def test_unloadable_tokenizer_names_the_model(tmp_path: Path) -> None:
    with pytest.raises(KitError, match=f"cannot load the tokenizer of {tmp_path}"):
        load_tokenizer(str(tmp_path))
