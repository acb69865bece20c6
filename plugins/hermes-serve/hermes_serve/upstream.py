"""The upstream model server: one pooled ``httpx.AsyncClient``, every answer read under a size cap.

Every failure becomes a :class:`~hermes_serve.errors.ProxyError` (502 unreachable / too large /
malformed, 504 timeout, 4xx kept); a stream is read with :class:`~hermes_serve.sse.EventDecoder`.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx

from hermes_serve.config import ServeConfig
from hermes_serve.errors import ProxyError, from_status, from_transport, malformed
from hermes_serve.limits import json_values
from hermes_serve.sse import EventDecoder

ERROR_BODY_BYTES = 64 * 1024  # an upstream's error answer: its message is all that is kept
COUNT_VALUES_PAST = 64 * 1024
"""JSON this long has its values counted before it is decoded (shorter text cannot cost much)."""


def too_large(limit: int, what: str = "bytes") -> ProxyError:
    return ProxyError(502, f"the upstream's answer is over {limit} {what}", code="upstream_too_large")


class Upstream:
    def __init__(self, config: ServeConfig, public_url: str) -> None:
        self.config = config
        self.public_url = public_url  # the URL with its credentials masked, for messages
        self.limit = config.max_upstream_bytes
        self.http: httpx.AsyncClient | None = None
        self.headers = {"Content-Type": "application/json"}
        if config.upstream_api_key:
            self.headers["Authorization"] = f"Bearer {config.upstream_api_key}"

    async def start(self) -> None:
        timeout = httpx.Timeout(self.config.upstream_timeout, connect=min(self.config.upstream_timeout, 30.0))
        # no pool cap of its own: the server's concurrency cap bounds the streams held open
        limits = httpx.Limits(max_connections=None, max_keepalive_connections=1024)
        self.http = httpx.AsyncClient(timeout=timeout, limits=limits)

    async def stop(self) -> None:
        if self.http is not None:
            await self.http.aclose()

    def url(self, path: str) -> str:
        return f"{self.config.upstream_base}/{path}"

    async def _send(self, method: str, path: str, content: bytes | None) -> httpx.Response:
        """Send and return the streamed response; a pooled keep-alive connection the upstream had just
        closed (``RemoteProtocolError`` / ``ReadError`` / ``WriteError`` before any answer) is retried
        once on a fresh connection, as browsers and requests' adapters do — a chat completion is stateless.
        """
        for attempt in (1, 2):
            request = self.http.build_request(method, self.url(path), content=content, headers=self.headers)
            try:
                return await self.http.send(request, stream=True)
            except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as exc:
                if attempt == 2:
                    raise from_transport(exc, self.public_url) from None
            except (httpx.TimeoutException, httpx.TransportError) as exc:
                raise from_transport(exc, self.public_url) from None
        raise AssertionError("unreachable")

    async def _read(self, response: httpx.Response, limit: int) -> bytes:
        parts, size = [], 0
        try:
            async for part in response.aiter_bytes():  # decoded, should a proxy gzip it
                size += len(part)
                if size > limit:
                    raise too_large(limit)
                parts.append(part)
        except (httpx.TimeoutException, httpx.TransportError) as exc:
            raise from_transport(exc, self.public_url) from None
        finally:
            await response.aclose()
        return b"".join(parts)

    async def _json(self, method: str, path: str, content: bytes | None) -> tuple[dict[str, Any], bytes]:
        response = await self._send(method, path, content)
        if response.status_code >= 400:
            raise from_status(response.status_code, await self._read(response, ERROR_BODY_BYTES))
        raw = await self._read(response, self.limit)
        try:
            data = self.decode(raw)
        except (ValueError, RecursionError) as exc:
            raise malformed(str(exc)[:200]) from None
        if not isinstance(data, dict):
            raise malformed("not an object")
        return data, raw

    def decode(self, raw: bytes) -> Any:
        """An answer or one stream event, decoded; past ``max_json_values`` values it is not (a 32 MB
        answer of ``{}`` items would take ~900 MB as Python objects): 502 ``upstream_too_large``."""
        limit = self.config.max_json_values
        if len(raw) > COUNT_VALUES_PAST and json_values(raw) > limit:
            raise too_large(limit, "JSON values")
        return json.loads(raw)

    async def post_json(self, path: str, content: bytes) -> dict[str, Any]:
        """POST and return the upstream's JSON object."""
        return (await self._json("POST", path, content))[0]

    async def get_raw(self, path: str) -> bytes:
        """GET a JSON answer and return its bytes (checked to be a JSON object)."""
        return (await self._json("GET", path, None))[1]

    async def open_stream(self, path: str, content: bytes) -> httpx.Response:
        response = await self._send("POST", path, content)
        if response.status_code >= 400:
            raise from_status(response.status_code, await self._read(response, ERROR_BODY_BYTES))
        if not response.headers.get("content-type", "").startswith("text/event-stream"):
            await response.aclose()
            raise malformed(
                f"a stream was asked for, the upstream sent {response.headers.get('content-type')}"
            )
        return response

    async def events(self, response: httpx.Response, decoder: EventDecoder) -> AsyncIterator[list[bytes]]:
        """The ``data`` of the events each read completes; 502 past the size cap, transport errors as
        :class:`ProxyError`. The caller closes ``response``."""
        size = 0
        try:
            async for part in response.aiter_bytes():
                size += len(part)
                if size > self.limit:
                    raise too_large(self.limit)
                events = decoder.feed(part)
                if events:
                    yield events
        except (httpx.TimeoutException, httpx.TransportError) as exc:
            raise from_transport(exc, self.public_url) from None

    # -- upstreams without a tool parser -----------------------------------------------------------------

    async def chat(self, raw: bytes, body: dict[str, Any]) -> dict[str, Any] | httpx.Response:
        """``/chat/completions`` as the client asked (a stream or a whole answer). When the upstream refuses
        ``tool_choice: auto`` (vLLM without ``--enable-auto-tool-choice`` does), this request is sent again
        with ``none``, which still renders the tools into the prompt; the calls are then ours to parse.
        Decided per request: one client's refusal never changes what another's request says."""
        call = self.open_stream if body.get("stream") else self.post_json
        try:
            return await call("chat/completions", raw)
        except ProxyError as exc:
            if not refused_tool_choice(exc, body):
                raise
        retry = json.dumps({**body, "tool_choice": "none"}, ensure_ascii=False).encode()
        return await call("chat/completions", retry)


def refused_tool_choice(error: ProxyError, body: dict[str, Any]) -> bool:
    if error.status != 400 or not body.get("tools") or body.get("tool_choice", "auto") != "auto":
        return False
    message = error.message.lower()
    return "tool choice" in message or "tool_choice" in message
