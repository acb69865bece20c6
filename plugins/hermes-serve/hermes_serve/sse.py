"""Server-sent events both ways: reading the upstream's stream, writing the client's.

:class:`EventDecoder` follows the WHATWG event-stream rules ("Interpreting an event stream"): lines end
with CRLF, LF or CR (a CRLF split between two reads is one line end), ``data:`` lines of one event are
joined with LF, one space after the colon is dropped, ``:`` lines are comments, an event is dispatched by
a blank line (one still open when the stream ends is not an event). Its cases follow httpx-sse's decoder
tests (``tests/test_decoders.py``), on bytes so a read is scanned once: the cost is linear whatever the
line length or the cuts between reads.

:class:`EventStreamResponse` stops its producer as soon as the client goes away: Starlette's
``StreamingResponse`` under ASGI 2.4 notices a disconnect only when it next writes, so a proxy waiting
on a slow upstream would keep the upstream generating for nobody. It also gives each write a deadline,
so a client that stops reading does not hold an upstream stream (and a concurrency slot) for ever.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from starlette.responses import StreamingResponse
from starlette.types import Message, Receive, Scope, Send

SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
DONE = b"data: [DONE]\n\n"
_BOM = b"\xef\xbb\xbf"


class EventDecoder:
    """Bytes in (any cuts), the ``data`` of each complete event out."""

    def __init__(self) -> None:
        self._partial: list[bytes] = []  # the line not ended yet, in pieces (joined once, at its end)
        self._after_cr = False  # the last read ended with CR: an LF first in the next read is its pair
        self._data: list[bytes] = []
        self._started = False

    def feed(self, chunk: bytes) -> list[bytes]:
        if not self._started and chunk:
            self._started = True
            chunk = chunk.removeprefix(_BOM)
        if self._after_cr:
            self._after_cr = False
            chunk = chunk.removeprefix(b"\n")
        if not chunk:
            return []
        self._after_cr = chunk.endswith(b"\r")
        if b"\r" in chunk:
            chunk = chunk.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        lines = chunk.split(b"\n")
        rest = lines.pop()
        if lines and self._partial:
            lines[0] = b"".join(self._partial) + lines[0]
            self._partial = []
        if rest:
            self._partial.append(rest)
        events: list[bytes] = []
        for line in lines:
            if not line:
                if self._data:
                    events.append(b"\n".join(self._data))
                    self._data = []
            elif line.startswith(b"data"):
                name, _, value = line.partition(b":")
                if name == b"data":
                    self._data.append(value[1:] if value.startswith(b" ") else value)
            # other fields (event, id, retry) and ":" comments carry nothing a chat stream uses
        return events

    @property
    def pending(self) -> bool:
        """Whether an event was begun and never ended (the stream was cut)."""
        return bool(self._data or self._partial)


def encode_event(data: bytes) -> bytes:
    """One event for the client; a payload on several lines stays one event (one ``data:`` per line)."""
    if b"\n" in data:
        data = data.replace(b"\n", b"\ndata: ")
    return b"data: " + data + b"\n\n"


class EventStreamResponse(StreamingResponse):
    def __init__(self, events: AsyncIterator[bytes], write_timeout: float = 60.0) -> None:
        super().__init__(events, media_type="text/event-stream", headers=SSE_HEADERS)
        self.write_timeout = write_timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        producer = asyncio.ensure_future(self._produce(send))
        watcher = asyncio.ensure_future(self.listen_for_disconnect(receive))
        try:
            await asyncio.wait({producer, watcher}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (producer, watcher):
                if not task.done():
                    task.cancel()
            for task in (producer, watcher):
                with contextlib.suppress(asyncio.CancelledError, OSError):  # TimeoutError: a stalled client
                    await task

    async def _produce(self, send: Send) -> None:
        async def send_in_time(message: Message) -> None:
            async with asyncio.timeout(self.write_timeout):
                await send(message)

        try:
            await self.stream_response(send_in_time)
        finally:
            close = getattr(self.body_iterator, "aclose", None)
            if close is not None:
                await close()
