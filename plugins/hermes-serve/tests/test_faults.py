"""Upstream failures become OpenAI-shaped errors with the right status; safe defaults hold."""

from __future__ import annotations

import asyncio
import time

import httpx
import openai
import pytest
from hermes_serve.config import ServeConfig
from serve_kit import USER, WEATHER_TOOLS, answer, chunk, serve_in_thread, sse

from hermes_core.registry import HermesError
from hermes_testkit.openai_server import Reply, error
from hermes_testkit.ports import free_port


def api(server, **kwargs):
    return openai.OpenAI(base_url=server.url + "/v1", api_key="x", max_retries=0, **kwargs)


def create(server, **kwargs):
    return api(server).chat.completions.create(model="m", messages=USER, tools=WEATHER_TOOLS, **kwargs)


def test_upstream_5xx_is_502_with_its_message(serve, upstream):
    upstream.responder = lambda body: error(500, "scripted 500")
    server = serve()
    for stream in (False, True):
        with pytest.raises(openai.InternalServerError) as caught:
            create(server, stream=stream)
        assert caught.value.status_code == 502 and "scripted 500" in caught.value.message


def test_upstream_4xx_keeps_its_status(serve, upstream):
    upstream.responder = lambda body: error(400, "scripted 400")
    with pytest.raises(openai.BadRequestError) as caught:
        create(serve())
    assert caught.value.status_code == 400 and caught.value.body["message"] == "scripted 400"


def test_upstream_timeout_is_504(serve, upstream):
    upstream.responder = lambda body: answer(delay=3)
    server = serve(upstream_timeout=0.3)
    for stream in (False, True):
        with pytest.raises(openai.APIStatusError) as caught:
            create(server, stream=stream)
        assert caught.value.status_code == 504 and caught.value.body["code"] == "upstream_timeout"


def test_connection_refused_is_502():
    server = serve_in_thread(
        ServeConfig(upstream=f"http://127.0.0.1:{free_port()}/v1", parser="hermes", port=0)
    )
    try:
        for call in (lambda: create(server), lambda: create(server, stream=True), api(server).models.list):
            with pytest.raises(openai.APIStatusError) as caught:
                call()
            assert caught.value.status_code == 502 and caught.value.body["code"] == "upstream_unreachable"
        assert httpx.get(server.url + "/health").status_code == 200
    finally:
        server.stop()


def test_malformed_json_is_502(serve, upstream):
    broken = sse(chunk({"role": "assistant"}), b"data: {not json\n\n")
    upstream.responder = lambda body: Reply(raw=broken if body.get("stream") else b'{"choices": [')
    server = serve()
    with pytest.raises(openai.APIStatusError) as caught:
        create(server)
    assert caught.value.status_code == 502 and caught.value.body["code"] == "upstream_malformed"
    # mid-stream the status line has gone out: the error arrives as an event, which the SDK raises
    with pytest.raises(openai.APIError, match="not valid JSON"):
        list(create(server, stream=True))


def test_client_disconnect_mid_stream_frees_the_upstream_request(serve, upstream):
    upstream.responder = lambda body: answer("word " * 2000, chunk=5, chunk_delay=0.01)
    server = serve()

    async def read_a_little():
        async with httpx.AsyncClient(timeout=10) as http:
            body = {"model": "m", "messages": USER, "tools": WEATHER_TOOLS, "stream": True}
            async with http.stream("POST", server.url + "/v1/chat/completions", json=body) as response:
                seen = 0
                async for _ in response.aiter_lines():
                    seen += 1
                    if seen > 5:
                        break
                assert upstream.open_streams == 1
        # leaving the blocks closed the connection mid-stream

    asyncio.run(read_a_little())
    deadline = time.monotonic() + 10
    while upstream.open_streams and time.monotonic() < deadline:
        time.sleep(0.02)
    assert upstream.open_streams == 0 and upstream.cut_streams == 1  # 2000 chunks would take 20 s


def test_api_key_is_required_when_set(serve):
    server = serve(api_key="s3cret")
    with pytest.raises(openai.AuthenticationError) as caught:
        create(server)
    assert caught.value.status_code == 401 and caught.value.body["type"] == "authentication_error"
    with pytest.raises(openai.AuthenticationError):
        api(server).models.list()
    good = openai.OpenAI(base_url=server.url + "/v1", api_key="s3cret", max_retries=0)
    assert (
        good.chat.completions.create(model="m", messages=USER, tools=WEATHER_TOOLS)
        .choices[0]
        .message.tool_calls
    )


def test_binding_beyond_loopback_needs_an_api_key():
    with pytest.raises(HermesError, match="--api-key"):
        ServeConfig(upstream="http://127.0.0.1:1/v1", host="0.0.0.0")
    assert ServeConfig(upstream="http://127.0.0.1:1/v1", host="0.0.0.0", api_key="k").host == "0.0.0.0"
    assert ServeConfig(upstream="http://127.0.0.1:1/v1").host == "127.0.0.1"  # the default


def test_large_and_bad_bodies_are_refused(serve):
    server = serve(max_body_bytes=4096)
    big = [{"role": "user", "content": "x" * 5000}]
    with pytest.raises(openai.APIStatusError) as caught:
        api(server).chat.completions.create(model="m", messages=big)
    assert caught.value.status_code == 413

    def chunked():  # no Content-Length: the limit holds while reading
        yield b'{"model": "m", "messages": [{"role": "user", "content": "'
        for _ in range(10):
            yield b"y" * 1000
        yield b'"}]}'

    response = httpx.post(server.url + "/v1/chat/completions", content=chunked())
    assert response.status_code == 413 and response.json()["error"]["message"]
    response = httpx.post(server.url + "/v1/chat/completions", content=b"{not json")
    assert response.status_code == 400 and "not JSON" in response.json()["error"]["message"]
