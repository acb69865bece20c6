"""A streaming response that stops its producer as soon as the client goes away.

Starlette's ``StreamingResponse`` under ASGI 2.4 notices a disconnect only when it next writes; a proxy
waiting on a slow upstream would keep the upstream generating for nobody. This one also listens for
``http.disconnect`` and cancels the producer at once, so its ``finally`` closes the upstream request.
Plain asyncio tasks (not an anyio cancel scope) let that ``finally`` still await the close.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from starlette.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


class EventStreamResponse(StreamingResponse):
    def __init__(self, events: AsyncIterator[bytes]) -> None:
        super().__init__(events, media_type="text/event-stream", headers=SSE_HEADERS)

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
                with contextlib.suppress(asyncio.CancelledError, OSError):
                    await task

    async def _produce(self, send: Send) -> None:
        try:
            await self.stream_response(send)
        finally:
            close = getattr(self.body_iterator, "aclose", None)
            if close is not None:
                await close()
