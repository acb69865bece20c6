"""The ASGI application: ``POST /v1/chat/completions``, ``GET /v1/models``, ``GET /health``.

Starlette routes and responses, ``httpx.AsyncClient`` for the upstream (:mod:`hermes_serve.upstream`,
both directions streamed); see the plugin's README for why this stack. Requests are forwarded as the
client wrote them (the bytes are not re-encoded), answers are checked (:mod:`hermes_serve.shapes`) and
rewritten (:mod:`hermes_serve.rewrite`, :mod:`hermes_serve.relay` for streams). Every limit is in
:mod:`hermes_serve.limits`; every message that leaves goes through the :class:`Redactor`.
"""

from __future__ import annotations

import hmac
import json
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from hermes_core.parsing import ToolCallParser
from hermes_serve.config import ServeConfig
from hermes_serve.errors import ProxyError, malformed
from hermes_serve.limits import BodyBudget, ConcurrencyCap, read_json
from hermes_serve.recording import Recorder, session_of
from hermes_serve.redact import Redactor
from hermes_serve.relay import Relay, exchange, plain_record
from hermes_serve.rewrite import rewrite_completion, thinking_switch, wants_parsing
from hermes_serve.shapes import check_completion
from hermes_serve.sse import EventStreamResponse
from hermes_serve.stream_rewrite import StreamRewriter
from hermes_serve.upstream import Upstream


class Proxy:
    """The state one server shares between requests: config, parser, upstream, recorder, redactor."""

    def __init__(
        self, config: ServeConfig, parser: ToolCallParser | None = None, redact: Redactor | None = None
    ) -> None:
        from hermes_core.plugins import get_hermes

        if parser is None:
            parser = get_hermes().parser(config.parser)
        self.reasoning_class = None
        if config.reasoning_parser:
            self.reasoning_class = get_hermes().reasoning_parsers.get(config.reasoning_parser)
        self.config = config
        self.parser = parser
        self.redact = redact or Redactor.for_config(config)
        self.recorder = Recorder(config.record_dir, self.redact) if config.record_dir else None
        self.upstream = Upstream(config, self.redact(config.upstream))
        self.tokens_mode: Any = None
        self._auth = f"Bearer {config.api_key}".encode() if config.api_key else None
        self.body_budget = BodyBudget(config.max_body_bytes_in_flight)

    async def start(self) -> None:
        await self.upstream.start()
        if self.config.upstream_mode == "completions":
            from hermes_serve.tokens_mode import TokensMode

            self.tokens_mode = TokensMode(self)
            self.tokens_mode.start()

    async def stop(self) -> None:
        if self.tokens_mode is not None:
            await self.tokens_mode.stop()
        await self.upstream.stop()

    def check_auth(self, request: Request) -> None:
        if self._auth is None:
            return
        given = request.headers.get("authorization", "").encode()
        if not hmac.compare_digest(given, self._auth):
            raise ProxyError(
                401, "missing or wrong API key (Authorization: Bearer KEY)", "authentication_error"
            )

    # -- endpoints --------------------------------------------------------------------------------------

    async def health(self, request: Request) -> Response:
        upstream = self.upstream.public_url  # credentials masked: /health needs no key
        return JSONResponse({"status": "ok", "parser": self.parser.name, "upstream": upstream})

    async def models(self, request: Request) -> Response:
        self.check_auth(request)
        return Response(await self.upstream.get_raw("models"), media_type="application/json")

    async def chat_completions(self, request: Request) -> Response:
        self.check_auth(request)
        raw, body = await read_json(request, self.config, self.body_budget)
        session = session_of(request.headers, body)
        if self.tokens_mode is not None:
            return await self.tokens_mode.handle(body, session, len(raw))
        tools = body.get("tools") or None
        parser = self.parser if wants_parsing(body) else None
        reasoning = self.reasoning_class(thinking=thinking_switch(body)) if self.reasoning_class else None
        rewrites = parser is not None or reasoning is not None
        answer = await self.upstream.chat(raw, body)
        if body.get("stream"):
            rewriter = None
            if rewrites or self.recorder:
                held, keep = self.config.max_held_chars, self.recorder is not None
                rewriter = StreamRewriter(parser, tools, held, keep_raw=keep, reasoning=reasoning)
            relay = Relay(
                self.upstream, answer, rewriter, rewrites, self.recorder, body, session, self.redact
            )
            return EventStreamResponse(relay.run(), write_timeout=self.config.client_timeout)
        try:
            check_completion(answer)
        except ValueError as exc:
            raise malformed(str(exc)) from None
        if rewrites:
            records = rewrite_completion(answer, parser, tools, reasoning)
        else:
            records = [plain_record(c) for c in answer.get("choices") or ()]
        if self.recorder is not None:
            finish = [c.get("finish_reason") for c in answer.get("choices") or ()]
            await self.recorder.record(session, exchange(body, records, finish, stream=False))
        return Response(json.dumps(answer, ensure_ascii=False), media_type="application/json")


def create_app(
    config: ServeConfig, parser: ToolCallParser | None = None, redact: Redactor | None = None
) -> ConcurrencyCap:
    proxy = Proxy(config, parser, redact)

    @asynccontextmanager
    async def lifespan(app: Starlette):
        await proxy.start()
        try:
            yield
        finally:
            await proxy.stop()

    async def proxy_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ProxyError)
        return exc.response(proxy.redact)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        return ProxyError(exc.status_code, str(exc.detail), "invalid_request_error").response()

    async def internal_error(request: Request, exc: Exception) -> Response:
        """Anything unforeseen is still an OpenAI-shaped 500 (its traceback goes to the masked log)."""
        return ProxyError(500, f"internal error: {type(exc).__name__}", "server_error").response()

    app = Starlette(
        routes=[
            Route("/health", proxy.health, methods=["GET"]),
            Route("/v1/models", proxy.models, methods=["GET"]),
            Route("/v1/chat/completions", proxy.chat_completions, methods=["POST"]),
        ],
        exception_handlers={ProxyError: proxy_error, HTTPException: http_error, Exception: internal_error},
        lifespan=lifespan,
    )
    # no redirect from ".../completions/": Starlette builds its Location from the client's Host header
    app.router.redirect_slashes = False
    app.state.proxy = proxy
    capped = ConcurrencyCap(app, config.max_concurrent, proxy.body_budget)
    capped.state = app.state  # type: ignore[attr-defined]
    return capped
