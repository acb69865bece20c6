"""Ctrl-C during one turn of ``hermes chat``: routed to the turn (cancelled), not to the whole command."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable

__all__ = ["on_sigint"]


def on_sigint(callback: Callable[[], None]) -> Callable[[], None]:
    """Route SIGINT to ``callback`` while a turn runs; returns the undo. No-op off the main thread."""
    loop = asyncio.get_running_loop()
    try:
        loop.add_signal_handler(signal.SIGINT, callback)
    except (NotImplementedError, RuntimeError, ValueError):
        return lambda: None

    def undo() -> None:
        try:
            loop.remove_signal_handler(signal.SIGINT)
        except (NotImplementedError, RuntimeError, ValueError):
            pass

    return undo
