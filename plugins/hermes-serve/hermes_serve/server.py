"""uvicorn, set up as ``hermes serve`` runs it: masked logs, and a deadline on every request's head.

uvicorn times out a keep-alive connection only after a response; a connection that never sends a whole
request head (an idle socket, or one header byte every few seconds) would be kept for ever. The protocol
class here closes a connection that has no request in progress and has not completed a request head
within ``client_timeout`` seconds; a request's body has its own deadline (:mod:`hermes_serve.limits`).
"""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import uvicorn
from uvicorn.protocols.http.auto import AutoHTTPProtocol

from hermes_serve.config import ServeConfig


def with_head_deadline(base: type, seconds: float) -> type:
    class HeadDeadlineProtocol(base):  # type: ignore[misc, valid-type]
        _head_timer: asyncio.TimerHandle | None = None

        def connection_made(self, transport: Any) -> None:
            super().connection_made(transport)
            self._arm()

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            if self._busy():
                self._disarm()
            else:
                self._arm()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            self._arm()

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

        def _busy(self) -> bool:
            cycle = getattr(self, "cycle", None)
            return cycle is not None and not cycle.response_complete

        def _arm(self) -> None:
            if self._head_timer is None:
                self._head_timer = asyncio.get_running_loop().call_later(seconds, self._expire)

        def _disarm(self) -> None:
            if self._head_timer is not None:
                self._head_timer.cancel()
                self._head_timer = None

        def _expire(self) -> None:
            self._head_timer = None
            if not self._busy() and not self.transport.is_closing():
                self.transport.close()

    return HeadDeadlineProtocol


def make_server(
    config: ServeConfig, parser: Any = None, log_level: str = "warning", redact: Any = None
) -> uvicorn.Server:
    """The uvicorn server for ``config`` (``redact``: a :class:`~hermes_serve.redact.Redactor` to share)."""
    from hermes_serve.app import create_app
    from hermes_serve.redact import Redactor, mask_logs

    redact = redact or Redactor.for_config(config)
    uv_config = uvicorn.Config(
        create_app(config, parser, redact),
        host=config.host,
        port=config.port,
        log_level=log_level,
        timeout_graceful_shutdown=5,
        backlog=4096,
        http=with_head_deadline(AutoHTTPProtocol, config.client_timeout),
        lifespan="on",
    )
    mask_logs(redact)  # after uvicorn configured its loggers
    return uvicorn.Server(uv_config)


def loopback_socket(host: str, port: int = 0) -> socket.socket:
    """A bound TCP socket (a free port when 0) to hand to ``server.run(sockets=[...])``. ``IPPROTO_TCP``:
    asyncio sets ``TCP_NODELAY`` on accepted sockets only then (uvicorn issue #3149)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    return sock
