"""A real OpenAI-compatible HTTP server on 127.0.0.1 whose replies each test scripts.

The agent loop, ``hermes run``/``batch``/``chat`` and the RL environments are tested through the real
``openai`` client against this server, so retries, error statuses and wire shapes are the real ones::

    with ScriptedOpenAIServer() as server:
        server.queue(reply(tool_calls=[("terminal", {"command": "ls"})]), reply("done"))
        client = openai.AsyncOpenAI(base_url=server.base_url, api_key="x")

Replies are taken in order from the queue; ``server.responder = fn(body) -> Reply`` answers dynamically
instead (e.g. an "instant model" for benchmarks, or a GSM8K solver). Every request body is kept in
``server.requests``. For proxies (``hermes serve``): ``Reply(chunk=N, chunk_delay=S)`` streams the content
N characters at a time as vLLM does, ``Reply(raw=...)`` sends bytes as they are (broken streams),
``server.routes[path] = fn(body) -> dict`` answers another POST path (``/v1/completions``), and
``open_streams`` / ``cut_streams`` count streams running and streams the client cut.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_ids = itertools.count(1)


@dataclass
class Reply:
    """One scripted answer: a chat completion, or an HTTP error with ``status``."""

    content: str | None = None
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    reasoning_content: str | None = None
    finish_reason: str | None = None
    status: int = 200
    error_message: str = "scripted error"
    delay: float = 0.0
    usage: dict[str, int] | None = None
    extra_message: dict[str, Any] = field(default_factory=dict)
    chunk: int = 0
    """Stream the content this many characters a chunk (vLLM's shapes: role, content..., finish); 0: one."""
    chunk_delay: float = 0.0
    """Seconds between two streamed chunks."""
    raw: bytes | Iterable[bytes] | None = None
    """The response body exactly as given (each piece one write): malformed or cut-off answers."""

    def body(self, model: str) -> dict[str, Any]:
        message: dict[str, Any] = {"role": "assistant", "content": self.content}
        if self.tool_calls:
            message["tool_calls"] = self.tool_calls
        if self.reasoning_content is not None:
            message["reasoning_content"] = self.reasoning_content
        message.update(self.extra_message)
        finish = self.finish_reason or ("tool_calls" if self.tool_calls else "stop")
        return {
            "id": f"chatcmpl-{next(_ids)}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "choices": [{"index": 0, "message": message, "finish_reason": finish, "logprobs": None}],
            "usage": self.usage or {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
        }


def tool_call(name: str, arguments: Any, call_id: str | None = None) -> dict[str, Any]:
    """An OpenAI tool call; ``arguments`` that is not a string is JSON-encoded (a string goes raw)."""
    raw = arguments if isinstance(arguments, str) else json.dumps(arguments)
    return {
        "id": call_id or f"call_{next(_ids)}",
        "type": "function",
        "function": {"name": name, "arguments": raw},
    }


def reply(
    content: str | None = None,
    tool_calls: list[tuple[str, Any]] | None = None,
    reasoning_content: str | None = None,
    **kwargs: Any,
) -> Reply:
    """A completion: ``reply("done")`` or ``reply(tool_calls=[("terminal", {"command": "ls"})])``."""
    calls = [tool_call(name, args) for name, args in tool_calls or []]
    return Reply(content=content, tool_calls=calls, reasoning_content=reasoning_content, **kwargs)


def error(status: int, message: str = "scripted error") -> Reply:
    return Reply(status=status, error_message=message)


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024  # the default backlog of 5 drops SYNs when 512 agent runs connect at once

    def handle_error(self, request, client_address) -> None:
        """A client that hangs up mid-answer (a timeout test, a cancelled stream) is expected here: no
        traceback in the test output for it; anything else is printed as usual."""
        import sys

        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class ScriptedOpenAIServer:
    """``POST /v1/chat/completions`` (plain and ``stream: true``) and ``GET /v1/models`` on loopback."""

    def __init__(self, model: str = "scripted-model", host: str = "127.0.0.1", port: int = 0) -> None:
        self.model = model
        self._queue: deque[Reply] = deque()
        self._lock = threading.Lock()
        self.requests: list[dict[str, Any]] = []
        self.responder: Callable[[dict[str, Any]], Reply] | None = None
        self.keep_requests = True
        self.routes: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {}
        """More POST paths (``"/v1/completions"``) answered with ``fn(body)``'s JSON."""
        self.open_streams = 0
        self.cut_streams = 0
        self._httpd = _HTTPServer((host, port), self._handler_class())
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/v1"

    def queue(self, *replies: Reply) -> None:
        with self._lock:
            self._queue.extend(replies)

    def next_reply(self, body: dict[str, Any]) -> Reply:
        with self._lock:
            if self.keep_requests:
                self.requests.append(body)
            if self._queue:
                return self._queue.popleft()
        if self.responder is not None:
            return self.responder(body)
        return error(500, "the test scripted no more replies")

    def start(self) -> ScriptedOpenAIServer:
        # a short poll interval makes stop() (and so every test's teardown) take ~50 ms, not 500 ms
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="scripted-openai",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> ScriptedOpenAIServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body are two writes: Nagle + delayed ACK = 40 ms

            def log_message(self, *args: Any) -> None:  # keep test output quiet
                pass

            def _send_json(self, status: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                if self.path.rstrip("/").endswith("/models"):
                    self._send_json(
                        200, {"object": "list", "data": [{"id": server.model, "object": "model"}]}
                    )
                else:
                    self._send_json(404, {"error": {"message": "not found"}})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                try:
                    body = json.loads(self.rfile.read(length) or b"{}")
                except ValueError:
                    self._send_json(400, {"error": {"message": "invalid JSON"}})
                    return
                route = server.routes.get(self.path.rstrip("/"))
                if route is not None:
                    if server.keep_requests:
                        with server._lock:
                            server.requests.append(body)
                    self._send_json(200, route(body))
                    return
                if not self.path.rstrip("/").endswith("/chat/completions"):
                    self._send_json(404, {"error": {"message": f"no route {self.path}"}})
                    return
                answer = server.next_reply(body)
                if answer.delay:
                    time.sleep(answer.delay)
                if answer.status != 200:
                    self._send_json(
                        answer.status,
                        {
                            "error": {
                                "message": answer.error_message,
                                "type": "scripted",
                                "code": answer.status,
                            }
                        },
                    )
                    return
                if answer.raw is not None:
                    self._send_raw(answer, bool(body.get("stream")))
                    return
                payload = answer.body(body.get("model") or server.model)
                if body.get("stream") and answer.chunk:
                    usage = bool((body.get("stream_options") or {}).get("include_usage"))
                    self._send_raw(answer, True, _chunked_events(payload, answer.chunk, usage))
                elif body.get("stream"):
                    self._stream(payload)
                else:
                    self._send_json(200, payload)

            def _send_raw(self, answer: Reply, stream: bool, pieces: Any = None) -> None:
                """Pieces written one by one, ``chunk_delay`` apart; a stream the client may cut."""
                pieces = answer.raw if pieces is None else pieces
                pieces = [pieces] if isinstance(pieces, bytes) else pieces
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream" if stream else "application/json")
                self.send_header("Connection", "close")
                self.end_headers()
                self.close_connection = True
                with server._lock:
                    server.open_streams += 1
                try:
                    for index, piece in enumerate(pieces):
                        if index and answer.chunk_delay:
                            time.sleep(answer.chunk_delay)
                        self.wfile.write(piece)
                        self.wfile.flush()
                except OSError:  # the client went away
                    with server._lock:
                        server.cut_streams += 1
                finally:
                    with server._lock:
                        server.open_streams -= 1

            def _stream(self, payload: dict[str, Any]) -> None:
                choice = payload["choices"][0]
                message = dict(choice["message"])
                if message.get("tool_calls"):
                    message["tool_calls"] = [{"index": i, **c} for i, c in enumerate(message["tool_calls"])]
                chunks = [
                    {"index": 0, "delta": message, "finish_reason": None},
                    {"index": 0, "delta": {}, "finish_reason": choice["finish_reason"]},
                ]
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Connection", "close")
                self.end_headers()
                for chunk in chunks:
                    event = {**payload, "object": "chat.completion.chunk", "choices": [chunk]}
                    self.wfile.write(f"data: {json.dumps(event)}\n\n".encode())
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()
                self.close_connection = True

        return Handler


def _chunked_events(payload: dict[str, Any], size: int, usage: bool):
    """A completion as vLLM streams it: a role chunk, content ``size`` characters a chunk, the tool calls,
    the finish chunk, a usage chunk when asked, ``[DONE]``."""
    choice = payload["choices"][0]
    message = choice["message"]
    base = {k: payload[k] for k in ("id", "created", "model")} | {"object": "chat.completion.chunk"}

    def event(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> bytes:
        chunk = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
        return f"data: {json.dumps({**base, 'choices': [chunk], **extra})}\n\n".encode()

    yield event({"role": "assistant", "content": ""})
    text = message.get("content") or ""
    for start in range(0, len(text), size):
        yield event({"content": text[start : start + size]})
    for index, call in enumerate(message.get("tool_calls") or ()):
        yield event({"tool_calls": [{"index": index, **call}]})
    yield event({}, choice["finish_reason"])
    if usage:
        yield f"data: {json.dumps({**base, 'choices': [], 'usage': payload['usage']})}\n\n".encode()
    yield b"data: [DONE]\n\n"
