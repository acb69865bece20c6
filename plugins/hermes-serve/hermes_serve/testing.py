"""Test and benchmark helpers: a scripted upstream that streams as vLLM does, and servers in threads.

:class:`ScriptedUpstream` is a real HTTP server on 127.0.0.1 (Starlette on uvicorn, like vLLM's own
FastAPI server) whose answers ``respond(body) -> Answer`` decides: text streamed in chunks of a few
characters with vLLM's chunk shapes (a role chunk, content chunks, a finish chunk, a usage chunk when
asked, ``[DONE]``), native ``tool_calls``, error statuses, malformed JSON, a hang, and ``/completions``
with token ids and logprobs from a local tokenizer. It counts open streams and streams cut by the
client, which is how a test sees that a disconnect freed the upstream request. :func:`accumulate` puts
``openai`` stream chunks back together as a client does.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route


@dataclass
class Answer:
    """One upstream answer. ``text`` is streamed ``chunk`` characters at a time, ``delay`` s apart."""

    text: str | None = ""
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    chunk: int = 3
    delay: float = 0.0
    status: int = 200
    malformed: bool = False
    hang: float = 0.0
    """Seconds to wait before answering at all (upstream timeout tests)."""
    finish_reason: str | None = None


def split_text(text: str, size: int) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), max(1, size))]


class ScriptedUpstream:
    """An OpenAI-compatible upstream on 127.0.0.1; see the module docstring."""

    def __init__(
        self,
        respond: Callable[[dict[str, Any]], Answer] | None = None,
        tokenizer_path: str | None = None,
        complete: Callable[[str], str] | None = None,
        logprob: float = -0.5,
        model: str = "upstream-model",
        auto_tool_choice: bool = True,
    ) -> None:
        self.respond = respond or (lambda body: Answer("Hello from upstream."))
        self.model = model
        self.auto_tool_choice = auto_tool_choice
        """False: refuse ``tool_choice: auto`` with tools, as vLLM without a tool parser does."""
        self.requests: list[dict[str, Any]] = []
        self.keep_requests = True
        self.open_streams = 0
        self.cut_streams = 0
        self.complete = complete
        self.logprob = logprob
        self.tokenizer = None
        if tokenizer_path:
            from transformers import AutoTokenizer

            self.tokenizer = AutoTokenizer.from_pretrained(tokenizer_path)
        self.app = Starlette(
            routes=[
                Route("/v1/models", self._models, methods=["GET"]),
                Route("/v1/chat/completions", self._chat, methods=["POST"]),
                Route("/v1/completions", self._completions, methods=["POST"]),
            ]
        )
        self.server = ThreadedServer(self.app)

    @property
    def base_url(self) -> str:
        return self.server.url + "/v1"

    def start(self) -> ScriptedUpstream:
        self.server.start()
        return self

    def stop(self) -> None:
        self.server.stop()

    def __enter__(self) -> ScriptedUpstream:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def _models(self, request: Request) -> Response:
        return JSONResponse({"object": "list", "data": [{"id": self.model, "object": "model"}]})

    async def _chat(self, request: Request) -> Response:
        body = await request.json()
        if self.keep_requests:
            self.requests.append(body)
        if not self.auto_tool_choice and body.get("tools") and body.get("tool_choice", "auto") == "auto":
            # vLLM's words (serving_chat.py) when started without --enable-auto-tool-choice
            message = '"auto" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set'
            return JSONResponse({"error": {"message": message, "type": "BadRequestError", "code": 400}}, 400)
        answer = self.respond(body)
        if answer.hang:
            await asyncio.sleep(answer.hang)
        if answer.status != 200:
            error = {"error": {"message": f"scripted {answer.status}", "type": "server_error"}}
            return JSONResponse(error, status_code=answer.status)
        if answer.malformed and not body.get("stream"):
            return Response(b'{"id": "chatcmpl-x", "choices": [', media_type="application/json")
        model = body.get("model") or self.model
        finish = answer.finish_reason or ("tool_calls" if answer.tool_calls else "stop")
        if not body.get("stream"):
            message: dict[str, Any] = {"role": "assistant", "content": answer.text}
            if answer.tool_calls:
                message["tool_calls"] = answer.tool_calls
            return JSONResponse(
                {
                    "id": "chatcmpl-upstream",
                    "object": "chat.completion",
                    "created": int(time.time()),
                    "model": model,
                    "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": finish}],
                    "usage": {"prompt_tokens": 7, "completion_tokens": 5, "total_tokens": 12},
                }
            )
        usage = bool((body.get("stream_options") or {}).get("include_usage"))
        return StreamingResponse(self._events(answer, model, finish, usage), media_type="text/event-stream")

    async def _events(self, answer: Answer, model: str, finish: str, usage: bool):
        base = {"id": "chatcmpl-upstream", "object": "chat.completion.chunk", "created": int(time.time())}
        base["model"] = model

        def event(delta: dict[str, Any], reason: str | None = None, **extra: Any) -> bytes:
            choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": reason}
            return b"data: " + json.dumps({**base, "choices": [choice], **extra}).encode() + b"\n\n"

        self.open_streams += 1
        completed = False
        try:
            yield event({"role": "assistant", "content": ""})
            if answer.malformed:
                yield b"data: {not json\n\n"
            for piece in split_text(answer.text or "", answer.chunk):
                if answer.delay:
                    await asyncio.sleep(answer.delay)
                yield event({"content": piece})
            for index, call in enumerate(answer.tool_calls):
                yield event({"tool_calls": [{"index": index, **call}]})
            yield event({}, finish)
            if usage:
                tail = {"prompt_tokens": 7, "completion_tokens": 5, "total_tokens": 12}
                yield b"data: " + json.dumps({**base, "choices": [], "usage": tail}).encode() + b"\n\n"
            yield b"data: [DONE]\n\n"
            completed = True
        finally:
            self.open_streams -= 1
            if not completed:
                self.cut_streams += 1

    async def _completions(self, request: Request) -> Response:
        """vLLM's ``/v1/completions`` with ``return_token_ids``: the text ``complete(prompt)`` chooses,
        its ids plus the EOS id (vLLM stops there), a fixed logprob each."""
        body = await request.json()
        if self.keep_requests:
            self.requests.append(body)
        tokenizer = self.tokenizer
        prompt = body["prompt"]
        text_prompt = (
            tokenizer.decode(prompt, skip_special_tokens=False) if isinstance(prompt, list) else prompt
        )
        ids = tokenizer.encode(self.complete(text_prompt), add_special_tokens=False) + [
            tokenizer.eos_token_id
        ]
        choice = {
            "index": 0,
            "text": tokenizer.decode(ids, skip_special_tokens=False),
            "token_ids": ids,
            "logprobs": {
                "tokens": [f"token_id:{i}" for i in ids],
                "token_logprobs": [self.logprob] * len(ids),
                "top_logprobs": None,
                "text_offset": [],
            },
            "finish_reason": "stop",
        }
        return JSONResponse(
            {
                "id": "cmpl-upstream",
                "object": "text_completion",
                "created": int(time.time()),
                "model": body.get("model") or self.model,
                "choices": [choice],
                "usage": {"prompt_tokens": len(prompt), "completion_tokens": len(ids)},
            }
        )


class ThreadedServer:
    """An ASGI app on uvicorn in a daemon thread, on a free 127.0.0.1 port chosen before it starts."""

    def __init__(self, app: Any, host: str = "127.0.0.1", port: int = 0) -> None:
        import uvicorn

        # proto must say TCP: asyncio sets TCP_NODELAY on accepted sockets only then, and without it every
        # keep-alive request waits ~40 ms on a delayed ACK (uvicorn issue #3149)
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.socket.bind((host, port))
        self.host, self.port = self.socket.getsockname()[:2]
        config = uvicorn.Config(
            app, log_level="warning", lifespan="on", backlog=4096, timeout_graceful_shutdown=2
        )
        self.server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> ThreadedServer:
        self._thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.socket]}, name="uvicorn", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        self.socket.close()

    def __enter__(self) -> ThreadedServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def serve_in_thread(config: Any, parser: Any = None) -> ThreadedServer:
    """``hermes serve`` with ``config`` in this process (tests, benchmarks), started."""
    from dataclasses import replace

    from hermes_serve.app import create_app

    server = ThreadedServer(create_app(config, parser), host=config.host)
    server.config = replace(config, port=server.port)
    return server.start()


# -- sample data and client-side helpers ------------------------------------------------------------

WEATHER_TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Weather for a city",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string"}, "days": {"type": "integer"}},
                "required": ["city"],
            },
        },
    }
]
HERMES_CALL = (
    "Let me check the weather.\n<tool_call>\n"
    '{"name": "get_weather", "arguments": {"city": "Paris", "days": 3}}\n</tool_call>'
)
USER = [{"role": "user", "content": "Weather in Paris for 3 days?"}]


def accumulate(chunks) -> dict:
    """Put ``openai`` stream chunks back together: content, tool calls by index, finish reason."""
    content, calls, finish = [], {}, None
    for chunk in chunks:
        for choice in chunk.choices:
            delta = choice.delta
            if delta.content:
                content.append(delta.content)
            for part in delta.tool_calls or ():
                call = calls.setdefault(part.index, {"id": None, "name": "", "arguments": ""})
                call["id"] = part.id or call["id"]
                if part.function is not None:
                    call["name"] += part.function.name or ""
                    call["arguments"] += part.function.arguments or ""
            finish = choice.finish_reason or finish
    return {
        "content": "".join(content) or None,
        "calls": [(c["name"], json.loads(c["arguments"])) for _, c in sorted(calls.items())],
        "ids": [c["id"] for _, c in sorted(calls.items())],
        "finish": finish,
    }


def message_calls(message) -> list:
    return [(c.function.name, json.loads(c.function.arguments)) for c in message.tool_calls or ()]
