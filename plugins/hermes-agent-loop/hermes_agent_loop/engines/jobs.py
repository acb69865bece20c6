"""What an engine runs: keyed jobs (plain callables of picklable arguments returning a JSON-able dict)
and what it hands back (one :class:`Outcome` per key). Shared by the local and the Ray engine.
"""

from __future__ import annotations

import asyncio
import inspect
import threading
from collections.abc import Awaitable, Callable, Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Job:
    """One unit of work. ``fn`` must be importable by name (a module-level function) so that a Ray
    worker can load it; ``args``/``kwargs`` must pickle. ``fn`` may be sync (run in a thread) or async,
    and returns a dict (JSON-able), or raises: the error becomes the key's outcome, not the run's."""

    key: str
    fn: Callable[..., dict[str, Any] | Awaitable[dict[str, Any]]]
    args: tuple[Any, ...] = ()
    kwargs: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Outcome:
    """What one key came to: ``result`` (the dict ``fn`` returned) or ``error`` (one line: the
    exception ``fn`` raised, or why the job could not run after its retries)."""

    key: str
    result: dict[str, Any] | None = None
    error: str | None = None

    @classmethod
    def of(cls, key: str, status: str, value: Any) -> Outcome:
        """From :func:`call_job`'s ``(status, value)``."""
        return cls(key, value, None) if status == "ok" else cls(key, None, value)

    @property
    def ok(self) -> bool:
        return self.error is None


def describe(exc: BaseException) -> str:
    """``Type: message`` on one line (Ray's errors carry a whole traceback after the first line)."""
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0] if lines else ''}".rstrip(": ")


async def call_job(fn: Callable[..., Any], args: tuple, kwargs: Mapping[str, Any]) -> tuple[str, Any]:
    """``("ok", dict)`` or ``("error", one line)``: the job's own failure never escapes as an exception,
    so an engine can tell it from a lost worker (which it retries)."""
    try:
        if inspect.iscoroutinefunction(fn):
            value = await fn(*args, **kwargs)
        else:
            value = await asyncio.to_thread(fn, *args, **dict(kwargs))
            if inspect.isawaitable(value):
                value = await value
    except Exception as exc:
        return "error", describe(exc)
    if not isinstance(value, dict):
        return "error", f"job returned {type(value).__name__}, expected a dict"
    return "ok", value


# -- resources a worker keeps between jobs ------------------------------------------------------------

_resources: dict[tuple[int, Hashable], tuple[Any, Callable[[Any], Any] | None]] = {}
_resources_lock = threading.Lock()


def _scope() -> int:
    """The running event loop's id; 0 (the process) for a sync job running in a thread."""
    try:
        return id(asyncio.get_running_loop())
    except RuntimeError:
        return 0


def worker_local(key: Hashable, factory: Callable[[], Any], close: Callable[[Any], Any] | None = None) -> Any:
    """A value made once per worker and event loop and shared by every job it runs there (an HTTP
    client, a plugin host's hooks). Call it from inside a job. The local engine closes these when its run
    ends; a Ray worker keeps them for its life. ``close(value)`` may return an awaitable."""
    slot = (_scope(), key)
    with _resources_lock:
        if slot not in _resources:
            _resources[slot] = (factory(), close)
        return _resources[slot][0]


async def close_worker_locals() -> None:
    """Close and forget what :func:`worker_local` made on the running loop (errors ignored: closing)."""
    scope = _scope()
    with _resources_lock:
        mine = [_resources.pop(slot) for slot in [s for s in _resources if s[0] == scope]]
    for value, close in mine:
        if close is None:
            continue
        try:
            done = close(value)
            if inspect.isawaitable(done):
                await done
        except Exception:
            pass
