"""The ASGI application: ``POST /v1/chat/completions``, ``GET /v1/models``, ``GET /health``.

Starlette routes and responses, ``httpx.AsyncClient`` for the upstream (one pooled client per process,
both directions streamed); see the plugin's README for why this stack. Requests are forwarded as the
client wrote them (the bytes are not re-encoded), answers are rewritten by :mod:`hermes_serve.rewrite`.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from hermes_core.parsing import ToolCallParser
from hermes_serve.config import ServeConfig
from hermes_serve.errors import ProxyError, from_status, from_transport, malformed
from hermes_serve.recording import Recorder, session_of
from hermes_serve.rewrite import StreamRewriter, rewrite_completion, wants_parsing
from hermes_serve.sse import EventStreamResponse

DONE = b"data: [DONE]\n\n"


class Proxy:
    """The state one server shares between requests: config, parser, upstream client, recorder."""

    def __init__(self, config: ServeConfig, parser: ToolCallParser | None = None) -> None:
        if parser is None:
            from hermes_core.plugins import get_hermes

            parser = get_hermes().parser(config.parser)
        self.config = config
        self.parser = parser
        self.recorder = Recorder(config.record_dir) if config.record_dir else None
        self.http: httpx.AsyncClient | None = None
        self.tokens_mode: Any = None
        self._tool_choice_none = False  # set when the upstream refuses tool_choice "auto"
        self._auth = f"Bearer {config.api_key}".encode() if config.api_key else None
        self._upstream_headers = {"Content-Type": "application/json"}
        if config.upstream_api_key:
            self._upstream_headers["Authorization"] = f"Bearer {config.upstream_api_key}"

    # -- lifecycle -------------------------------------------------------------------------------------

    async def start(self) -> None:
        timeout = httpx.Timeout(self.config.upstream_timeout, connect=min(self.config.upstream_timeout, 30.0))
        # no pool cap: every client stream holds one upstream connection for its whole length
        limits = httpx.Limits(max_connections=None, max_keepalive_connections=1024)
        self.http = httpx.AsyncClient(timeout=timeout, limits=limits)
        if self.config.upstream_mode == "completions":
            from hermes_serve.tokens_mode import TokensMode

            self.tokens_mode = TokensMode(self)

    async def stop(self) -> None:
        if self.http is not None:
            await self.http.aclose()

    def url(self, path: str) -> str:
        return f"{self.config.upstream_base}/{path}"

    # -- guards -----------------------------------------------------------------------------------------

    def check_auth(self, request: Request) -> None:
        if self._auth is None:
            return
        given = request.headers.get("authorization", "").encode()
        if not hmac.compare_digest(given, self._auth):
            raise ProxyError(
                401, "missing or wrong API key (Authorization: Bearer KEY)", "authentication_error"
            )

    async def read_json(self, request: Request) -> tuple[bytes, dict[str, Any]]:
        limit = self.config.max_body_bytes
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > limit:
            raise ProxyError(413, f"request body over {limit} bytes", "invalid_request_error")
        parts, size = [], 0
        async for part in request.stream():
            size += len(part)
            if size > limit:
                raise ProxyError(413, f"request body over {limit} bytes", "invalid_request_error")
            parts.append(part)
        raw = b"".join(parts)
        try:
            body = json.loads(raw)
        except ValueError as exc:
            raise ProxyError(400, f"the request body is not JSON: {exc}", "invalid_request_error") from None
        if not isinstance(body, dict):
            raise ProxyError(400, "the request body must be a JSON object", "invalid_request_error")
        return raw, body

    # -- upstream calls ---------------------------------------------------------------------------------

    async def send(self, path: str, content: bytes, stream: bool) -> httpx.Response:
        """POST to the upstream; a pooled keep-alive connection the upstream had just closed (it answers
        nothing: ``RemoteProtocolError`` / ``ReadError`` / ``WriteError`` before any response) is retried
        once on a fresh connection, as browsers and requests' adapters do — a chat completion is stateless.
        """
        for attempt in (1, 2):
            request = self.http.build_request(
                "POST", self.url(path), content=content, headers=self._upstream_headers
            )
            try:
                return await self.http.send(request, stream=stream)
            except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError):
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    async def post_json(self, path: str, content: bytes) -> dict[str, Any]:
        """POST to the upstream and return its JSON object, every failure as a :class:`ProxyError`."""
        try:
            response = await self.send(path, content, stream=False)
        except (httpx.TimeoutException, httpx.TransportError) as exc:
            raise from_transport(exc, self.config.upstream) from None
        if response.status_code >= 400:
            raise from_status(response.status_code, response.content)
        try:
            data = response.json()
        except ValueError as exc:
            raise malformed(str(exc)) from None
        if not isinstance(data, dict):
            raise malformed("not an object")
        return data

    async def open_stream(self, path: str, content: bytes) -> httpx.Response:
        try:
            response = await self.send(path, content, stream=True)
        except (httpx.TimeoutException, httpx.TransportError) as exc:
            raise from_transport(exc, self.config.upstream) from None
        if response.status_code >= 400:
            try:
                body = await response.aread()
            except (httpx.TimeoutException, httpx.TransportError) as exc:
                raise from_transport(exc, self.config.upstream) from None
            finally:
                await response.aclose()
            raise from_status(response.status_code, body)
        if not response.headers.get("content-type", "").startswith("text/event-stream"):
            await response.aclose()
            raise malformed(
                f"a stream was asked for, the upstream sent {response.headers.get('content-type')}"
            )
        return response

    # -- upstreams without a tool parser -----------------------------------------------------------------

    def _for_upstream(self, raw: bytes, body: dict[str, Any]) -> bytes:
        """The request as the upstream takes it: once it refused ``tool_choice: auto`` (vLLM without
        ``--enable-auto-tool-choice`` does), requests ask for ``none``, which still renders the tools
        into the prompt; the calls are then ours to parse."""
        if self._tool_choice_none and body.get("tools") and body.get("tool_choice", "auto") == "auto":
            return json.dumps({**body, "tool_choice": "none"}, ensure_ascii=False).encode()
        return raw

    def _refused_tool_choice(self, error: ProxyError, body: dict[str, Any]) -> bool:
        if self._tool_choice_none or error.status != 400 or not body.get("tools"):
            return False
        if body.get("tool_choice", "auto") != "auto":
            return False
        message = error.message.lower()
        return "tool choice" in message or "tool_choice" in message

    async def _chat_answer(self, raw: bytes, body: dict[str, Any]) -> dict[str, Any]:
        try:
            return await self.post_json("chat/completions", self._for_upstream(raw, body))
        except ProxyError as exc:
            if not self._refused_tool_choice(exc, body):
                raise
            self._tool_choice_none = True
            return await self.post_json("chat/completions", self._for_upstream(raw, body))

    async def _chat_stream(self, raw: bytes, body: dict[str, Any]) -> httpx.Response:
        try:
            return await self.open_stream("chat/completions", self._for_upstream(raw, body))
        except ProxyError as exc:
            if not self._refused_tool_choice(exc, body):
                raise
            self._tool_choice_none = True
            return await self.open_stream("chat/completions", self._for_upstream(raw, body))

    # -- endpoints --------------------------------------------------------------------------------------

    async def health(self, request: Request) -> Response:
        return JSONResponse({"status": "ok", "parser": self.parser.name, "upstream": self.config.upstream})

    async def models(self, request: Request) -> Response:
        self.check_auth(request)
        try:
            response = await self.http.get(self.url("models"), headers=self._upstream_headers)
        except (httpx.TimeoutException, httpx.TransportError) as exc:
            raise from_transport(exc, self.config.upstream) from None
        if response.status_code >= 400:
            raise from_status(response.status_code, response.content)
        try:
            response.json()
        except ValueError as exc:
            raise malformed(str(exc)) from None
        return Response(response.content, media_type="application/json")

    async def chat_completions(self, request: Request) -> Response:
        self.check_auth(request)
        raw, body = await self.read_json(request)
        session = session_of(request.headers, body)
        if self.tokens_mode is not None:
            return await self.tokens_mode.handle(body, session)
        tools = body.get("tools") or None
        parse = wants_parsing(body)
        if body.get("stream"):
            upstream = await self._chat_stream(raw, body)
            rewriter = StreamRewriter(self.parser, tools) if parse or self.recorder else None
            return EventStreamResponse(self._relay(upstream, rewriter, parse, body, session))
        data = await self._chat_answer(raw, body)
        if parse:
            records = rewrite_completion(data, self.parser, tools)
        else:
            records = [plain_record(c) for c in data.get("choices") or ()]
        if self.recorder is not None:
            finish = [c.get("finish_reason") for c in data.get("choices") or ()]
            await self.recorder.record(session, exchange(body, records, finish, stream=False))
        return Response(json.dumps(data, ensure_ascii=False), media_type="application/json")

    async def _relay(
        self,
        upstream: httpx.Response,
        rewriter: StreamRewriter | None,
        parse: bool,
        body: dict[str, Any],
        session: str,
    ) -> AsyncIterator[bytes]:
        """Upstream events in, rewritten events out; the upstream request is closed on every path, and
        the exchange is recorded before the client sees ``[DONE]`` (or when the stream breaks)."""
        buffer = b""
        finishes: dict[int, Any] = {}
        state = {"status": "complete", "recorded": False}

        async def record() -> None:
            if self.recorder is None or rewriter is None or state["recorded"]:
                return
            state["recorded"] = True
            rewriter.close()  # a cut-off stream is still recorded as parsed so far
            records = rewriter.records()
            if not parse:  # the client got the text as it was: so does the record
                records = [{**r, "parsed": None} for r in records]
            finish = [finishes.get(i) for i in range(len(records))]
            await self.recorder.record(
                session, exchange(body, records, finish, stream=True, status=state["status"])
            )

        try:
            try:
                async for part in upstream.aiter_bytes():  # decoded, should a proxy gzip it
                    # everything one read brought goes out as one write: a burst of tokens costs one send
                    lines = (buffer + part).split(b"\n")
                    buffer = lines.pop()
                    out: list[bytes] = []
                    for line in lines:
                        if not line.startswith(b"data:"):
                            continue
                        data = line[5:].strip()
                        if data == b"[DONE]":
                            continue
                        if not parse:
                            out.append(b"data: " + data + b"\n\n")
                        if rewriter is None:
                            continue
                        try:
                            rewritten = rewriter.event(data)
                        except ValueError as exc:
                            state["status"] = "malformed"
                            await record()
                            out += [malformed(str(exc)).sse(), DONE]
                            yield b"".join(out)
                            return
                        if parse:
                            out.append(rewritten)
                        note_finishes(data, finishes)
                    if out:
                        yield b"".join(out)
            except (httpx.TimeoutException, httpx.TransportError) as exc:
                state["status"] = "upstream_failed"
                await record()
                yield from_transport(exc, self.config.upstream).sse() + DONE
                return
            tail = rewriter.close() if rewriter is not None and parse else b""
            await record()
            yield tail + DONE
        except BaseException:
            if not state["recorded"]:
                state["status"] = "client_disconnected"
            raise
        finally:
            await upstream.aclose()
            await record()


def note_finishes(data: bytes, finishes: dict[int, Any]) -> None:
    if b'"finish_reason": null' in data or b'"finish_reason"' not in data:
        return
    for choice in json.loads(data).get("choices") or ():
        if choice.get("finish_reason") is not None:
            finishes[choice.get("index", 0)] = choice["finish_reason"]


def plain_record(choice: dict[str, Any]) -> dict[str, Any]:
    message = choice.get("message") or {}
    record = {"raw": message.get("content"), "parsed": None}
    if message.get("tool_calls"):
        record["native_tool_calls"] = message["tool_calls"]
    return record


def exchange(
    body: dict[str, Any], records: list[dict[str, Any]], finish: list[Any], **extra: Any
) -> dict[str, Any]:
    """The recorded form of one request and its answer (first choice at the top, all under choices)."""
    first = records[0] if records else {"raw": None, "parsed": None}
    out = {
        "model": body.get("model"),
        "messages": body.get("messages") or [],
        "tools": body.get("tools") or [],
        **first,
        "finish_reason": finish[0] if finish else None,
        **extra,
    }
    if len(records) > 1:
        out["choices"] = [{**r, "finish_reason": f} for r, f in zip(records, finish, strict=False)]
    return out


def create_app(config: ServeConfig, parser: ToolCallParser | None = None) -> Starlette:
    proxy = Proxy(config, parser)

    @asynccontextmanager
    async def lifespan(app: Starlette):
        await proxy.start()
        try:
            yield
        finally:
            await proxy.stop()

    async def proxy_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ProxyError)
        return exc.response()

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        return ProxyError(exc.status_code, str(exc.detail), "invalid_request_error").response()

    app = Starlette(
        routes=[
            Route("/health", proxy.health, methods=["GET"]),
            Route("/v1/models", proxy.models, methods=["GET"]),
            Route("/v1/chat/completions", proxy.chat_completions, methods=["POST"]),
        ],
        exception_handlers={ProxyError: proxy_error, HTTPException: http_error},
        lifespan=lifespan,
    )
    app.state.proxy = proxy
    return app
