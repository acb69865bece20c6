"""What one client may cost: body size, JSON value count, nesting, time to send, requests at once.

A request body is refused (413) past ``max_body_bytes`` while it is read, and past ``max_json_values``
before it is decoded (a body of ``{}`` items costs ~20x its size as Python objects); nesting too deep for
the decoder is a 400, a body sent slower than ``client_timeout`` a 408. :class:`ConcurrencyCap` answers
429 past ``max_concurrent`` requests in flight (streams count until their last byte), and
:class:`BodyBudget` past ``max_body_bytes_in_flight`` bytes of bodies held at once: a body counts from
its first byte read until its request's last byte is sent (it and its decoded form live that long), so
clients arriving one after another with bodies under the per-request cap cannot add up to gigabytes.
"""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from hermes_serve.config import ServeConfig
from hermes_serve.errors import ProxyError

# a JSON string, escapes included; written as "unrolled loop" so matching is linear
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')


def json_values(raw: bytes) -> int:
    """An upper bound on the values in a JSON text: every value but a container's first follows ``,``
    or ``:``; strings are taken out first, so what they hold does not count."""
    bare = _JSON_STRING.sub(b"", raw) if b'"' in raw else raw
    return bare.count(b",") + bare.count(b":") + bare.count(b"[") + bare.count(b"{") + 1


def refuse(status: int, message: str, code: str | None = None) -> ProxyError:
    return ProxyError(status, message, "invalid_request_error", code)


class BodyBudget:
    """Bytes of request bodies held at once by all requests in flight (one event loop: no lock)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0

    def take(self, size: int) -> None:
        if self.used + size > self.limit:
            message = "too many large request bodies in flight, retry shortly"
            raise ProxyError(429, message, "rate_limit_error", "overloaded")
        self.used += size


BODY_BYTES = "hermes_serve.body_bytes"
"""Where a request's scope notes the body bytes it holds of the budget (:class:`ConcurrencyCap` gives
them back when the request ends)."""


async def read_json(
    request: Request, config: ServeConfig, budget: BodyBudget
) -> tuple[bytes, dict[str, Any]]:
    """The request body and its decoded JSON object, within every limit. The bytes taken of ``budget``
    stay taken until the request ends (given back by :class:`ConcurrencyCap`)."""
    scope = request.scope
    limit = config.max_body_bytes
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise refuse(413, f"request body over {limit} bytes", "request_too_large")
    parts, size = [], 0
    try:
        async with asyncio.timeout(config.client_timeout):
            async for part in request.stream():
                size += len(part)
                if size > limit:
                    raise refuse(413, f"request body over {limit} bytes", "request_too_large")
                budget.take(len(part))
                scope[BODY_BYTES] = scope.get(BODY_BYTES, 0) + len(part)
                parts.append(part)
    except TimeoutError:
        raise refuse(408, f"the request body was not sent within {config.client_timeout:g} s") from None
    raw = b"".join(parts)
    if json_values(raw) > config.max_json_values:
        limit = config.max_json_values
        raise refuse(413, f"request body holds over {limit} JSON values", "request_too_large")
    try:
        body = json.loads(raw)
    except RecursionError:
        raise refuse(400, "the request body is nested too deeply") from None
    except ValueError as exc:
        raise refuse(400, f"the request body is not JSON: {exc}") from None
    if not isinstance(body, dict):
        raise refuse(400, "the request body must be a JSON object")
    return raw, body


class ConcurrencyCap:
    """ASGI middleware: at most ``limit`` requests to ``/v1/`` in flight; more get 429 at once (queueing
    them would hold their sockets and, soon, their bodies). A request's share of ``budget`` is given
    back when it ends, its last byte sent or its client gone."""

    def __init__(self, app: ASGIApp, limit: int, budget: BodyBudget | None = None) -> None:
        self.app = app
        self.limit = limit
        self.active = 0
        self.budget = budget

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/v1/"):
            await self.app(scope, receive, send)
            return
        if self.active >= self.limit:
            error = ProxyError(
                429, f"over {self.limit} requests in flight, retry shortly", "rate_limit_error", "overloaded"
            )
            await error.response()(scope, receive, send)
            return
        self.active += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.active -= 1
            if self.budget is not None:
                self.budget.used -= scope.pop(BODY_BYTES, 0)
