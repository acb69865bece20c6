"""The upstream's event stream is read as the SSE specification says, in linear time; events of the
wrong shape and streams cut short reach the client as errors, never as a cut or a made-up ``stop``."""

from __future__ import annotations

import json
import time

import httpx
import openai
import pytest
from hermes_serve.sse import EventDecoder
from serve_kit import HERMES_CALL, PARIS, USER, WEATHER_TOOLS, accumulate, chunk, sse

from hermes_testkit.openai_server import Reply

CHAT = "/v1/chat/completions"


def api(server) -> openai.OpenAI:
    return openai.OpenAI(base_url=server.url + "/v1", api_key="x", max_retries=0)


def raw_events(server, **extra) -> list[str]:
    body = {"model": "m", "messages": USER, "tools": WEATHER_TOOLS, "stream": True, **extra}
    with httpx.stream("POST", server.url + CHAT, json=body) as response:
        assert response.status_code == 200
        return [line for line in response.iter_lines() if line]


def events_of(text: str, newline: str) -> list[bytes]:
    """``text`` as vLLM streams it, with ``newline`` as the line end."""
    pieces = [chunk({"role": "assistant", "content": ""})]
    pieces += [chunk({"content": text[i : i + 7]}) for i in range(0, len(text), 7)]
    pieces += [chunk({}, "stop")]
    return [
        (b"data: " + json.dumps(p).encode() + b"\n\n").replace(b"\n", newline.encode()) for p in pieces
    ] + [f"data: [DONE]{newline}{newline}".encode()]


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_every_sse_line_end_is_read(serve, upstream, newline):
    """CR-only is valid SSE (the openai SDK reads it); before, the whole answer was lost."""
    upstream.responder = lambda body: Reply(raw=events_of(HERMES_CALL, newline))
    got = accumulate(
        api(serve()).chat.completions.create(model="m", messages=USER, tools=WEATHER_TOOLS, stream=True)
    )
    assert (
        got["calls"] == PARIS
        and got["content"] == "Let me check the weather."
        and got["finish"] == "tool_calls"
    )


def test_an_event_on_several_data_lines_is_one_event(serve, upstream):
    role = json.dumps(chunk({"role": "assistant", "content": "Hi"}), indent=1).encode()
    multi = b"data: " + role.replace(b"\n", b"\ndata: ") + b"\n\n"
    upstream.responder = lambda body: Reply(
        raw=sse(b": a comment\n\n", multi, chunk({"content": " there"}), chunk({}, "stop"))
    )
    server = serve()
    got = accumulate(api(server).chat.completions.create(model="m", messages=USER, stream=True))
    assert got["content"] == "Hi there" and got["finish"] == "stop"
    got = accumulate(
        api(server).chat.completions.create(model="m", messages=USER, tools=WEATHER_TOOLS, stream=True)
    )
    assert got["content"] == "Hi there" and got["finish"] == "stop"


BAD_CHUNKS = {
    "choices is a string": {"id": "x", "choices": "xyz"},
    "choices holds null": {"id": "x", "choices": [None]},
    "delta is a string": chunk("str"),
    "content is a number": chunk({"content": 5}),
}


@pytest.mark.parametrize("name", list(BAD_CHUNKS))
def test_an_event_of_the_wrong_shape_is_an_error_event_and_done(serve, upstream, name):
    bad = BAD_CHUNKS[name]
    upstream.responder = lambda body: Reply(
        raw=sse(chunk({"role": "assistant", "content": "ok"}), bad, chunk({}, "stop"))
    )
    server = serve()
    for tools in (WEATHER_TOOLS, None):  # parsed, and forwarded as written: checked either way
        lines = raw_events(server, tools=tools)
        assert lines[-1] == "data: [DONE]"
        assert json.loads(lines[-2][len("data: ") :])["error"]["code"] == "upstream_malformed"
    with pytest.raises(openai.APIError, match="not valid JSON|not a|holds a"):
        accumulate(
            api(server).chat.completions.create(model="m", messages=USER, tools=WEATHER_TOOLS, stream=True)
        )


@pytest.mark.parametrize("name", list(BAD_CHUNKS)[:3])
def test_a_whole_answer_of_the_wrong_shape_is_a_json_502(serve, upstream, name):
    bad = {**BAD_CHUNKS[name], "object": "chat.completion"}
    if name == "delta is a string":
        bad = {"id": "x", "choices": [{"index": 0, "message": "str", "finish_reason": "stop"}]}
    upstream.responder = lambda body: Reply(raw=json.dumps(bad).encode())
    response = httpx.post(serve().url + CHAT, json={"model": "m", "messages": USER, "tools": WEATHER_TOOLS})
    assert response.status_code == 502 and response.headers["content-type"] == "application/json"
    assert response.json()["error"]["code"] == "upstream_malformed"


def test_a_stream_cut_short_is_reported_as_such(serve, upstream):
    """No finish_reason and no [DONE]: the text so far, then an error (before: a clean ``stop``)."""
    cut = sse(chunk({"role": "assistant", "content": ""}), chunk({"content": "The answer is"}), done=False)
    upstream.responder = lambda body: Reply(raw=cut)
    server = serve()
    lines = raw_events(server)
    assert lines[-1] == "data: [DONE]" and "upstream_truncated" in lines[-2]
    assert not any('"finish_reason": "stop"' in line for line in lines)
    with pytest.raises(openai.APIError, match="ended before"):
        accumulate(
            api(server).chat.completions.create(model="m", messages=USER, tools=WEATHER_TOOLS, stream=True)
        )
    # an event begun and never ended counts as cut too; finish_reason without [DONE] is complete
    upstream.responder = lambda body: Reply(raw=[*cut, chunk_line({"content": "!"})[:-2]])
    assert "upstream_truncated" in raw_events(server)[-2]
    upstream.responder = lambda body: Reply(
        raw=sse(chunk({"content": "Done."}), chunk({}, "stop"), done=False)
    )
    got = accumulate(
        api(server).chat.completions.create(model="m", messages=USER, tools=WEATHER_TOOLS, stream=True)
    )
    assert got == {"content": "Done.", "calls": [], "ids": [], "finish": "stop"}


def chunk_line(delta: dict) -> bytes:
    return b"data: " + json.dumps(chunk(delta)).encode() + b"\n\n"


def test_the_decoder_is_linear_on_a_60_mb_line():
    """Before: each read re-split everything buffered, 24.8 s of CPU for 60 MB in one line."""
    decoder = EventDecoder()
    piece = b"x" * 65536
    start = time.process_time()
    assert decoder.feed(b"data: ") == []
    for _ in range(60 * 16):
        assert decoder.feed(piece) == []
    (event,) = decoder.feed(b"\n\n")
    assert len(event) == 60 * 2**20
    assert time.process_time() - start < 5  # linear: well under a second on any machine here


def test_the_decoder_follows_the_spec():
    """Cases of httpx-sse's decoder tests and the WHATWG examples: cuts anywhere, CRLF split across
    reads, a BOM, comments, fields other than data, ``data`` without a colon, no space after it."""
    stream = (
        b"\xef\xbb\xbf: hi\r\nevent: x\r\ndata: a\r\ndata:b\r\ndata\r\nid: 1\r\n\r\ndata: c\n\ndata: unended"
    )
    for cut in range(1, len(stream)):
        decoder = EventDecoder()
        events = decoder.feed(stream[:cut]) + decoder.feed(stream[cut:])
        assert events == [b"a\nb\n", b"c"], cut
        assert decoder.pending


def test_an_upstream_answer_of_too_many_values_is_refused_before_decoding(serve, upstream):
    """Under the size cap, 32 MB of ``{}`` items still took ~900 MB decoded (whole, or as one event):
    past ``max_json_values`` the answer is a 502 / an error event, never decoded."""
    pad = [{}] * 30_000  # 90 KB
    whole = {"id": "x", "choices": [{"index": 0, "message": {"content": "hi"}, "finish_reason": "stop"}]}
    server = serve(max_json_values=10_000)
    upstream.responder = lambda body: Reply(raw=json.dumps({**whole, "pad": pad}).encode())
    response = httpx.post(server.url + CHAT, json={"model": "m", "messages": USER})
    assert response.status_code == 502 and response.json()["error"]["code"] == "upstream_too_large"
    assert "JSON values" in response.json()["error"]["message"]
    upstream.responder = lambda body: Reply(raw=sse(chunk({"content": "hi"}, pad=pad), chunk({}, "stop")))
    lines = raw_events(server)
    assert lines[-1] == "data: [DONE]" and "JSON values" in lines[-2] and "upstream_too_large" in lines[-2]
    upstream.responder = lambda body: Reply(raw=json.dumps({**whole, "pad": pad[:5000]}).encode())
    assert api(server).chat.completions.create(model="m", messages=USER).choices[0].message.content == "hi"


@pytest.mark.parametrize("choices", [[{"index": 128, "delta": {"content": "a"}}], [{"delta": {}}] * 129])
def test_a_stream_naming_too_many_choices_is_an_error(serve, upstream, choices):
    """Each streamed choice keeps parser state: a million indexes took ~1 GB. OpenAI's ``n`` is at most
    128, and so are the choices of an answer."""
    upstream.responder = lambda body: Reply(raw=sse({"id": "x", "choices": choices}, chunk({}, "stop")))
    lines = raw_events(serve())
    assert lines[-1] == "data: [DONE]" and "upstream_malformed" in lines[-2] and "128" in lines[-2]
