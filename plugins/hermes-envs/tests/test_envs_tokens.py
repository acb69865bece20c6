"""Phase-1 tokens and masks from a real tokenizer built locally (no hub)."""

from __future__ import annotations

import pytest

from hermes_envs.tokens import IGNORE, render, template_messages, tokenize_trajectory
from hermes_testkit.envs import build_tokenizer

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
        '<tool_call>{"name": "python", "arguments": {"code": "print(6*7)"}}</tool_call><|im_end|>'
        "\\boxed{42}<|im_end|>"
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


def _trained_runs(tokens, masks):
    runs, current = [], []
    for token, mask in zip(tokens, masks, strict=True):
        if mask != IGNORE:
            current.append(token)
        elif current:
            runs.append(current)
            current = []
    if current:
        runs.append(current)
    return runs


def test_trained_spans_end_at_the_end_of_turn_token_not_the_template_newline(tokenizer):
    tokens, masks = tokenize_trajectory(tokenizer, TRAJECTORY, TOOLS)
    runs = [tokenizer.decode(run, skip_special_tokens=False) for run in _trained_runs(tokens, masks)]
    assert runs == [
        '<tool_call>{"name": "python", "arguments": {"code": "print(6*7)"}}</tool_call><|im_end|>',
        "\\boxed{42}<|im_end|>",
    ]
    # the "\n" the template writes after each <|im_end|> is there, but masked
    newline = tokenizer("\n", add_special_tokens=False)["input_ids"]
    im_end = tokenizer.convert_tokens_to_ids("<|im_end|>")
    for position, token in enumerate(tokens[:-1]):
        if token == im_end and masks[position] != IGNORE:
            assert tokens[position + 1 : position + 1 + len(newline)] == newline
            assert masks[position + 1] == IGNORE
    assert masks[-1] == IGNORE and tokens[-len(newline) :] == newline


def test_not_prefix_stable_fallback_also_stops_at_the_end_of_turn_token(tokenizer, monkeypatch):
    import hermes_envs.tokens as tokens_module

    real_render = tokens_module.render

    def unstable(tok, messages, tools=None, add_generation_prompt=False):
        text = real_render(tok, messages, tools, add_generation_prompt)
        # an earlier render that the full one does not start with: the template is not prefix-stable
        return text if len(messages) in (2, len(TRAJECTORY)) else text + "#"

    monkeypatch.setattr(tokens_module, "render", unstable)
    tokens, masks = tokenize_trajectory(tokenizer, TRAJECTORY, TOOLS)
    trained = tokenizer.decode([m for m in masks if m != IGNORE], skip_special_tokens=False)
    assert trained.startswith("<tool_call>")
    assert trained.endswith("\\boxed{42}<|im_end|>")
    assert masks[-1] == IGNORE
