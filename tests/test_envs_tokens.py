"""Phase-1 tokens and masks from a real tokenizer built locally (no hub)."""

from __future__ import annotations

import pytest

from hermes_core.envs.testing import build_tokenizer
from hermes_core.envs.tokens import IGNORE, render, template_messages, tokenize_trajectory

TOOLS = [{"type": "function", "function": {"name": "python", "description": "run", "parameters": {}}}]
CALL = {"id": "c1", "type": "function", "function": {"name": "python", "arguments": '{"code": "print(6*7)"}'}}
TRAJECTORY = [
    {"role": "system", "content": "Be brief."},
    {"role": "user", "content": "What is six times seven?"},
    {"role": "assistant", "content": None, "tool_calls": [CALL]},
    {"role": "tool", "tool_call_id": "c1", "content": '{"output": "42"}'},
    {"role": "assistant", "content": "\\boxed{42}"},
]


@pytest.fixture(scope="module")
def tokenizer(tmp_path_factory):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(build_tokenizer(tmp_path_factory.mktemp("tok"))))


def test_template_messages_decodes_arguments_and_fills_content():
    out = template_messages(TRAJECTORY)
    assert out[2]["content"] == ""
    assert out[2]["tool_calls"][0]["function"]["arguments"] == {"code": "print(6*7)"}
    assert TRAJECTORY[2]["tool_calls"][0]["function"]["arguments"].startswith("{")  # input untouched
    broken = template_messages(
        [{"role": "assistant", "tool_calls": [{"function": {"arguments": "not json"}}]}]
    )
    assert broken[0]["tool_calls"][0]["function"]["arguments"] == "not json"


def test_tokens_are_the_rendered_text_and_only_assistant_turns_train(tokenizer):
    tokens, masks = tokenize_trajectory(tokenizer, TRAJECTORY, TOOLS)
    assert len(tokens) == len(masks)
    assert tokenizer.decode(tokens, skip_special_tokens=False) == render(tokenizer, TRAJECTORY, TOOLS)
    trained = tokenizer.decode([t for t in masks if t != IGNORE], skip_special_tokens=False)
    assert trained == (
        '<tool_call>{"name": "python", "arguments": {"code": "print(6*7)"}}</tool_call><|im_end|>\n'
        "\\boxed{42}<|im_end|>\n"
    )
    assert all(m in (IGNORE, t) for t, m in zip(tokens, masks, strict=True))
    # the prompt (with the tool definitions) and the tool output are never trained on
    prompt_len = len(
        tokenizer(render(tokenizer, TRAJECTORY[:2], TOOLS, True), add_special_tokens=False)["input_ids"]
    )
    assert set(masks[:prompt_len]) == {IGNORE}
    masked = tokenizer.decode([t for t, m in zip(tokens, masks, strict=True) if m == IGNORE])
    assert '<tool_response>{"output": "42"}</tool_response>' in masked


def test_no_assistant_turn_means_nothing_to_train(tokenizer):
    tokens, masks = tokenize_trajectory(tokenizer, TRAJECTORY[:2])
    assert tokens and set(masks) == {IGNORE}
