"""The pool's slot bookkeeping: how many sandboxes exist, which are idle or lent, who waits for one.

Kept apart from :mod:`hermes_core.pool` (which creates, checks and destroys sandboxes) so the capacity
rules — bounded size, first come first served hand-over, a freed place handed to the oldest waiter —
read in one place. Every method here takes the pool's lock itself or says it expects it held.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import deque
from dataclasses import asdict, dataclass

from hermes_core.terminal import Sandbox, SandboxError


class PoolTimeout(SandboxError):
    """No sandbox became free before the caller's deadline."""


class PoolClosed(SandboxError):
    """The pool was closed."""


@dataclass
class PoolMetrics:
    """Counters; the gauges (``waiting``, ``in_use``, ``idle``, ``creating``, ``size``) are read from the
    pool's own state by :meth:`SlotBook.snapshot`."""

    created: int = 0
    reused: int = 0
    destroyed: int = 0
    create_failures: int = 0
    setup_failures: int = 0
    dead_replaced: int = 0
    retired: int = 0
    timeouts: int = 0
    peak_size: int = 0

    def to_dict(self) -> dict[str, int]:
        return asdict(self)


class _Slot:
    __slots__ = ("born", "dead", "last_used", "sandbox", "uses")

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.born = self.last_used = time.monotonic()
        self.uses = 0
        self.dead = False  # destroyed by close() while in use


class _Waiter:
    __slots__ = ("event", "grant")

    def __init__(self) -> None:
        self.event = threading.Event()
        self.grant: tuple[str, _Slot | None] | None = (
            None  # ("slot", s) | ("create", None) | ("closed", None)
        )


class SlotBook:
    """Capacity of at most ``max_size`` sandboxes: idle slots, lent slots, waiters, places being filled."""

    def __init__(self, name: str, max_size: int) -> None:
        if max_size < 1:
            raise ValueError("max_size must be at least 1")
        self.name = name
        self.max_size = max_size
        self.metrics = PoolMetrics()
        self._lock = threading.Lock()
        self._idle: deque[_Slot] = deque()  # right end = most recently returned
        self._in_use: set[_Slot] = set()
        self._waiters: deque[_Waiter] = deque()
        self._size = 0  # idle + in use + being created + capacity handed to a waiter
        self._creating = 0
        self._closed = False
        self._all_released = threading.Condition(self._lock)

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return {
                **self.metrics.to_dict(),
                "waiting": len(self._waiters),
                "in_use": len(self._in_use),
                "idle": len(self._idle),
                "creating": self._creating,
                "size": self._size,
            }

    @property
    def closed(self) -> bool:
        return self._closed

    # -- capacity ------------------------------------------------------------------------------------

    def _take(self, deadline: float, wait: float) -> _Slot | None:
        """An idle slot, or ``None`` meaning "you may create one"; FIFO among waiters."""
        with self._lock:
            if self._closed:
                raise PoolClosed(f"{self.name} is closed")
            if not self._waiters:
                while self._idle:
                    slot = self._idle.pop()
                    self.metrics.reused += 1
                    return self._lend(slot)
                if self._size < self.max_size:
                    self._size += 1
                    self.metrics.peak_size = max(self.metrics.peak_size, self._size)
                    return None
            waiter = _Waiter()
            self._waiters.append(waiter)
        waiter.event.wait(max(0.0, deadline - time.monotonic()))
        with self._lock:
            if waiter.grant is None:  # deadline passed, nothing handed to us
                with contextlib.suppress(ValueError):
                    self._waiters.remove(waiter)
                self.metrics.timeouts += 1
                raise PoolTimeout(
                    f"{self.name}: no sandbox free within {wait:g}s (all {self.max_size} in use, "
                    f"{len(self._waiters)} other tasks waiting); raise the pool size or the timeout"
                )
            kind, slot = waiter.grant
            if kind == "closed":
                raise PoolClosed(f"{self.name} was closed while waiting")
            if kind == "slot":
                self.metrics.reused += 1
                return slot  # already marked in use by _return
            return None

    def _lend(self, slot: _Slot) -> _Slot:
        # called with the lock held
        self._in_use.add(slot)
        return slot

    def _give_back_capacity(self) -> None:
        """A sandbox slot freed (or never filled): the oldest waiter may create one, else shrink."""
        with self._lock:
            if self._waiters and not self._closed:
                waiter = self._waiters.popleft()
                waiter.grant = ("create", None)
                waiter.event.set()
            else:
                self._size -= 1
            self._all_released.notify_all()

    def _return(self, slot: _Slot) -> None:
        with self._lock:
            self._in_use.discard(slot)
            slot.last_used = time.monotonic()
            if self._waiters:
                waiter = self._waiters.popleft()
                waiter.grant = ("slot", slot)
                self._in_use.add(slot)  # in use on the waiter's behalf from now on
                waiter.event.set()
            else:
                self._idle.append(slot)
            self._all_released.notify_all()
