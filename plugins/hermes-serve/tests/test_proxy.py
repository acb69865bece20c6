"""The real ``openai`` client (sync and async, streaming and not) through ``hermes serve``."""

from __future__ import annotations

import asyncio
import json

import httpx
import openai
from serve_kit import HERMES_CALL, USER, WEATHER_TOOLS, accumulate, answer, message_calls
from serve_kit import refusing_auto_tool_choice as refusing

PARIS = [("get_weather", {"city": "Paris", "days": 3})]


def client(server, **kwargs):
    return openai.OpenAI(base_url=server.url + "/v1", api_key="x", max_retries=0, **kwargs)


def test_text_tool_calls_become_tool_calls(serve):
    reply = client(serve()).chat.completions.create(model="m", messages=USER, tools=WEATHER_TOOLS)
    choice = reply.choices[0]
    assert choice.finish_reason == "tool_calls"
    assert choice.message.content == "Let me check the weather."
    assert message_calls(choice.message) == PARIS
    assert choice.message.tool_calls[0].id.startswith("call_")


def test_streaming_gives_tool_call_deltas_and_content_first(serve, upstream):
    upstream.responder = lambda body: answer(HERMES_CALL, chunk=2)
    stream = client(serve()).chat.completions.create(
        model="m", messages=USER, tools=WEATHER_TOOLS, stream=True
    )
    chunks = list(stream)
    got = accumulate(chunks)
    assert got["calls"] == PARIS and got["content"] == "Let me check the weather."
    assert got["finish"] == "tool_calls"
    # content went out as it arrived, before any tool-call delta
    first_call = next(i for i, c in enumerate(chunks) if c.choices and c.choices[0].delta.tool_calls)
    assert sum(1 for c in chunks[:first_call] if c.choices and c.choices[0].delta.content) >= 5
    assert chunks[0].choices[0].delta.role == "assistant"


def test_async_client_streaming_and_not(serve):
    server = serve()

    async def go():
        async with openai.AsyncOpenAI(base_url=server.url + "/v1", api_key="x", max_retries=0) as api:
            plain = await api.chat.completions.create(model="m", messages=USER, tools=WEATHER_TOOLS)
            stream = await api.chat.completions.create(
                model="m", messages=USER, tools=WEATHER_TOOLS, stream=True
            )
            return plain, accumulate([chunk async for chunk in stream])

    plain, streamed = asyncio.run(go())
    assert message_calls(plain.choices[0].message) == PARIS == streamed["calls"]
    assert plain.choices[0].message.content == streamed["content"]


def test_plain_answers_pass_unchanged(serve, upstream):
    upstream.responder = lambda body: answer("  Just text, <tool no call here>  ", chunk=4)
    api = client(serve())
    plain = api.chat.completions.create(model="m", messages=USER, tools=WEATHER_TOOLS)
    assert plain.choices[0].message.content == "  Just text, <tool no call here>  "
    assert plain.choices[0].message.tool_calls is None and plain.choices[0].finish_reason == "stop"
    streamed = accumulate(
        api.chat.completions.create(model="m", messages=USER, tools=WEATHER_TOOLS, stream=True)
    )
    assert streamed == {
        "content": "  Just text, <tool no call here>  ",
        "calls": [],
        "ids": [],
        "finish": "stop",
    }


def test_native_tool_calls_pass_through_untouched(serve, upstream):
    native = {
        "id": "call_native_1",
        "type": "function",
        "function": {"name": "get_weather", "arguments": '{"city": "Oslo"}'},
    }
    upstream.responder = lambda body: answer(None, tool_calls=[native])
    api = client(serve())
    plain = api.chat.completions.create(model="m", messages=USER, tools=WEATHER_TOOLS)
    assert plain.choices[0].message.tool_calls[0].model_dump() == native
    streamed = accumulate(
        api.chat.completions.create(model="m", messages=USER, tools=WEATHER_TOOLS, stream=True)
    )
    assert streamed["calls"] == [("get_weather", {"city": "Oslo"})] and streamed["ids"] == ["call_native_1"]
    assert streamed["finish"] == "tool_calls"


def test_without_tools_nothing_is_parsed(serve):
    """As vLLM: no ``tools`` (or ``tool_choice: none``) means the text is the answer."""
    api = client(serve())
    for extra in ({}, {"tools": WEATHER_TOOLS, "tool_choice": "none"}):
        plain = api.chat.completions.create(model="m", messages=USER, **extra)
        assert plain.choices[0].message.content == HERMES_CALL and not plain.choices[0].message.tool_calls
        streamed = accumulate(api.chat.completions.create(model="m", messages=USER, stream=True, **extra))
        assert streamed["content"] == HERMES_CALL and streamed["calls"] == []


def test_request_tools_reach_the_parser_for_schema_typed_values(serve, upstream):
    """qwen3_coder writes every value as text; the request's schema makes ``days`` an integer."""
    text = (
        "<tool_call>\n<function=get_weather>\n<parameter=city>\nParis\n</parameter>\n"
        "<parameter=days>\n3\n</parameter>\n</function>\n</tool_call>"
    )
    upstream.responder = lambda body: answer(text, chunk=5)
    api = client(serve(parser="qwen3_coder"))
    plain = api.chat.completions.create(model="m", messages=USER, tools=WEATHER_TOOLS)
    assert message_calls(plain.choices[0].message) == PARIS
    streamed = accumulate(
        api.chat.completions.create(model="m", messages=USER, tools=WEATHER_TOOLS, stream=True)
    )
    assert streamed["calls"] == PARIS
    untyped = [{**WEATHER_TOOLS[0], "function": {"name": "get_weather", "parameters": {"type": "object"}}}]
    loose = api.chat.completions.create(model="m", messages=USER, tools=untyped)
    assert message_calls(loose.choices[0].message) == [("get_weather", {"city": "Paris", "days": "3"})] or (
        message_calls(loose.choices[0].message) == PARIS  # a parser may also guess numbers without a schema
    )


def test_the_request_reaches_the_upstream_as_sent(serve, upstream):
    api = client(serve())
    api.chat.completions.create(model="m", messages=USER, tools=WEATHER_TOOLS, temperature=0.25, seed=7)
    body = upstream.requests[-1]
    assert body["messages"] == USER and body["tools"] == WEATHER_TOOLS
    assert body["temperature"] == 0.25 and body["seed"] == 7


def test_usage_chunk_passes_through(serve):
    stream = client(serve()).chat.completions.create(
        model="m", messages=USER, tools=WEATHER_TOOLS, stream=True, stream_options={"include_usage": True}
    )
    chunks = list(stream)
    assert chunks[-1].usage is not None and chunks[-1].usage.total_tokens == 15 and chunks[-1].choices == []
    assert accumulate(chunks)["calls"] == PARIS


def test_models_and_health(serve):
    server = serve()
    assert [m.id for m in client(server).models.list()] == ["upstream-model"]
    health = httpx.get(server.url + "/health").json()
    assert health["status"] == "ok" and health["parser"] == "hermes"


def test_unknown_route_is_an_openai_error(serve):
    response = httpx.post(serve().url + "/v1/embeddings", json={})
    assert response.status_code == 404 and "message" in response.json()["error"]
    assert json.loads(httpx.get(serve().url + "/v1/chat/completions").text)["error"]["message"]


def test_an_upstream_without_a_tool_parser_gets_tool_choice_none(serve, upstream):
    """Plain vLLM refuses ``tool_choice: auto`` with tools; the proxy asks again with ``none`` (the template
    still shows the tools) and parses the calls itself. Decided per request: one refusal never changes
    what a later request (maybe another client's, to a fixed upstream) asks for."""
    upstream.responder = refusing(upstream.responder)
    api = client(serve())
    for stream in (False, True, False):
        answer = api.chat.completions.create(model="m", messages=USER, tools=WEATHER_TOOLS, stream=stream)
        calls = accumulate(answer)["calls"] if stream else message_calls(answer.choices[0].message)
        assert calls == PARIS
    choices = [r.get("tool_choice", "auto") for r in upstream.requests]
    assert choices == ["auto", "none"] * 3
    assert all(r["tools"] == WEATHER_TOOLS for r in upstream.requests)
