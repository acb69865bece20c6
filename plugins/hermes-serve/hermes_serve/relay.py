"""One streamed answer: upstream events in, checked and rewritten events out, the exchange recorded.

Every event is decoded and checked (:mod:`hermes_serve.shapes`) before it is forwarded, so a malformed
one becomes an error event and ``[DONE]`` rather than a cut stream. A stream that ends with a choice
unfinished and no ``[DONE]`` was cut short: the client gets the text held back, then an error event
saying so (the openai SDK raises it), never a made-up ``stop``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx

from hermes_serve.errors import ProxyError, malformed
from hermes_serve.recording import Recorder
from hermes_serve.shapes import check_chunk
from hermes_serve.sse import DONE, EventDecoder, encode_event
from hermes_serve.stream_rewrite import StreamRewriter
from hermes_serve.upstream import Upstream


def truncated() -> ProxyError:
    return ProxyError(
        502, "the upstream's stream ended before the answer did (no finish_reason, no [DONE])",
        code="upstream_truncated",
    )  # fmt: skip


class Relay:
    """The state of one relayed stream; iterate :meth:`run` for the bytes to send."""

    def __init__(
        self,
        upstream: Upstream,
        response: httpx.Response,
        rewriter: StreamRewriter | None,
        parse: bool,  # the client gets the rewriter's events (tool calls, reasoning), not the upstream's
        recorder: Recorder | None,
        body: dict[str, Any],
        session: str,
        redact: Callable[[str], str],
    ) -> None:
        self.upstream, self.response, self.rewriter, self.parse = upstream, response, rewriter, parse
        self.recorder, self.body, self.session, self.redact = recorder, body, session, redact
        self.finishes: dict[int, Any] = {}
        self.done = False
        self.status = "complete"
        self.recorded = False

    async def record(self) -> None:
        if self.recorder is None or self.rewriter is None or self.recorded:
            return
        self.recorded = True
        self.rewriter.close(self.status == "complete")  # a cut-off stream is still recorded as parsed so far
        records = self.rewriter.records()
        if not self.parse:  # the client got the text as it was: so does the record
            records = [{**r, "parsed": None} for r in records]
        finish = [self.finishes.get(i) for i in range(len(records))]
        await self.recorder.record(
            self.session, exchange(self.body, records, finish, stream=True, status=self.status)
        )

    def _event(self, data: bytes) -> bytes:
        """One upstream event's bytes for the client; ``ValueError`` when it is not a chunk."""
        if data.strip() == b"[DONE]":
            self.done = True
            return b""
        event = self.upstream.decode(data)
        check_chunk(event)
        for choice in event.get("choices") or ():
            index = choice.get("index") or 0
            self.finishes.setdefault(index, None)
            if choice.get("finish_reason") is not None:
                self.finishes[index] = choice["finish_reason"]
        rewritten = self.rewriter.event(event, data) if self.rewriter is not None else b""
        return rewritten if self.parse else encode_event(data)

    def _complete(self) -> bool:
        return self.done or (bool(self.finishes) and all(f is not None for f in self.finishes.values()))

    async def _fail(self, status: str, error: ProxyError, out: list[bytes] | None = None) -> bytes:
        self.status = status
        held = self.rewriter.close(complete=False) if self.rewriter is not None and self.parse else b""
        await self.record()
        return b"".join(out or ()) + held + error.sse(self.redact) + DONE

    async def run(self) -> AsyncIterator[bytes]:
        """The upstream request is closed on every path, and the exchange is recorded before the client
        sees ``[DONE]`` (or when the stream breaks)."""
        decoder = EventDecoder()
        try:
            try:
                async for events in self.upstream.events(self.response, decoder):
                    out: list[bytes] = []  # everything one read brought goes out as one write
                    for data in events:
                        try:
                            out.append(self._event(data))
                        except (ValueError, RecursionError) as exc:
                            yield await self._fail("malformed", malformed(str(exc)[:200]), out)
                            return
                        except ProxyError as exc:  # too many values to decode
                            yield await self._fail("upstream_failed", exc, out)
                            return
                    if any(out):
                        yield b"".join(out)
            except ProxyError as exc:  # transport failure, timeout, answer too large
                yield await self._fail("upstream_failed", exc)
                return
            if not self._complete():
                yield await self._fail("truncated", truncated())
                return
            tail = self.rewriter.close() if self.rewriter is not None and self.parse else b""
            await self.record()
            yield tail + DONE
        except BaseException:
            if not self.recorded:
                self.status = "client_disconnected"
            raise
        finally:
            await self.response.aclose()
            await self.record()


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
