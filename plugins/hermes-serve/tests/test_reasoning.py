"""``hermes serve --reasoning-parser NAME``: the model's thinking comes back as ``reasoning_content`` (as
vLLM's ``--reasoning-parser`` answers), streaming and not, and tool calls are read from the content."""

from __future__ import annotations

import openai
import pytest
from hermes_serve.recording import read_session
from serve_kit import HERMES_CALL, PARIS, USER, WEATHER_TOOLS, accumulate, answer, message_calls

pytest.importorskip("hermes_reasoning_parsers")

THOUGHT = "The user wants Paris; get_weather takes a city."


def api(server) -> openai.OpenAI:
    return openai.OpenAI(base_url=server.url + "/v1", api_key="x", max_retries=0)


def reasoning_of(chunks) -> str:
    return "".join(getattr(c.choices[0].delta, "reasoning_content", None) or "" for c in chunks if c.choices)


def test_whole_answers_get_reasoning_content_and_calls_from_the_content(serve, upstream, tmp_path):
    upstream.responder = lambda body: answer(f"<think>{THOUGHT}</think>{HERMES_CALL}")
    server = serve(reasoning_parser="qwen3", record_dir=tmp_path)
    reply = api(server).chat.completions.create(model="m", messages=USER, tools=WEATHER_TOOLS)
    message = reply.choices[0].message
    assert message.reasoning_content == THOUGHT and message.content == "Let me check the weather."
    assert message_calls(message) == PARIS and reply.choices[0].finish_reason == "tool_calls"
    plain = api(server).chat.completions.create(model="m", messages=USER)  # no tools: split all the same
    assert plain.choices[0].message.reasoning_content == THOUGHT
    assert plain.choices[0].message.content == HERMES_CALL
    first, _ = read_session(tmp_path / "default.jsonl")
    assert first["parsed"]["reasoning_content"] == THOUGHT and first["raw"].startswith("<think>")


@pytest.mark.parametrize("size", [1, 3, 7])
def test_streams_get_reasoning_deltas_first(serve, upstream, size):
    upstream.responder = lambda body: answer(f"<think>{THOUGHT}</think>{HERMES_CALL}", chunk=size)
    server = serve(reasoning_parser="qwen3")
    chunks = list(
        api(server).chat.completions.create(model="m", messages=USER, tools=WEATHER_TOOLS, stream=True)
    )
    got = accumulate(chunks)
    assert reasoning_of(chunks) == THOUGHT
    assert (
        got["calls"] == PARIS
        and got["content"] == "Let me check the weather."
        and got["finish"] == "tool_calls"
    )
    assert "<think>" not in (got["content"] or "") and "</think>" not in reasoning_of(chunks)
    first_content = next(i for i, c in enumerate(chunks) if c.choices and c.choices[0].delta.content)
    assert reasoning_of(chunks[:first_content]) == THOUGHT  # the thinking streamed before the answer
    plain = list(api(server).chat.completions.create(model="m", messages=USER, stream=True))
    assert reasoning_of(plain) == THOUGHT and accumulate(plain)["content"] == HERMES_CALL


def test_the_request_can_turn_thinking_off(serve, upstream):
    """Qwen3's turn starts inside the thinking; ``enable_thinking: false`` (vLLM reads it from
    ``chat_template_kwargs``) makes the whole turn the answer."""
    upstream.responder = lambda body: answer("Just the answer.")
    server = serve(reasoning_parser="qwen3")
    on = api(server).chat.completions.create(model="m", messages=USER)
    assert (
        on.choices[0].message.reasoning_content == "Just the answer."
        and on.choices[0].message.content is None
    )
    off = api(server).chat.completions.create(
        model="m", messages=USER, extra_body={"chat_template_kwargs": {"enable_thinking": False}}
    )
    assert off.choices[0].message.content == "Just the answer."
    assert getattr(off.choices[0].message, "reasoning_content", None) is None


def test_without_a_reasoning_parser_thinking_stays_text(serve, upstream):
    upstream.responder = lambda body: answer(f"<think>{THOUGHT}</think>Hi.")
    reply = api(serve()).chat.completions.create(model="m", messages=USER)
    assert reply.choices[0].message.content == f"<think>{THOUGHT}</think>Hi."
