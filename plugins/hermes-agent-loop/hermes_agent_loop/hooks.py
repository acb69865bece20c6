"""Calling the lifecycle hooks (:mod:`hermes_agent_loop.hookspecs`) from the agent loop.

The implementations of each hook are looked up once per loop, so a hook nobody implements costs one
falsy attribute test per call site. Each implementation is called on its own rather than through
pluggy's ``pm.hook.x(...)``, because pluggy's call runs every implementation in one synchronous loop:
one that raises stops the ones after it, one that hangs hangs the run, and an ``async def`` one only
returns a coroutine. Here each runs under a deadline (``agent.hook_timeout``: sync ones in a daemon
thread, async ones with ``wait_for``), is awaited when async, and whatever it raises or however long it
takes is recorded against its plugin while the run goes on without its result. Only the user's Ctrl-C
and the run's own cancellation get through.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import signal
import threading
from dataclasses import dataclass, field
from typing import Any

from hermes_agent_loop.hookspecs import LIFECYCLE_HOOKS

__all__ = ["DEFAULT_HOOK_TIMEOUT", "HookTimeout", "RunHooks", "RunInfo"]

log = logging.getLogger("hermes.hooks")

MAX_RECORDED_ERRORS = 5
"""Distinct hook errors kept on one plugin's record (a hook failing on every call must not grow it)."""
DEFAULT_HOOK_TIMEOUT = 10.0
"""Seconds one hook implementation may take (``agent.hook_timeout``; 0 for no deadline)."""


class HookTimeout(Exception):
    pass


@dataclass
class RunInfo:
    """What every lifecycle hook gets as ``run``: who is running, and a place to keep per-run data."""

    task_id: str | None
    model: str
    messages: list[dict[str, Any]]
    turn: int = 0
    state: dict[str, Any] = field(default_factory=dict)
    """Per-run scratch space for plugins; key it by your plugin's name."""


class _Impl:
    __slots__ = ("argnames", "function", "is_async", "plugin_name")

    def __init__(self, plugin_name: str, function: Any, argnames: tuple[str, ...]) -> None:
        self.plugin_name, self.function, self.argnames = plugin_name, function, argnames
        self.is_async = inspect.iscoroutinefunction(function)


class _Skipped:
    """The result of an implementation that failed or overran: as if it had returned ``None``."""


_SKIPPED = _Skipped()


class RunHooks:
    """The lifecycle hook implementations of one host, in pluggy's call order.

    Each hook name is an attribute holding a (possibly empty) tuple, so call sites test
    ``if hooks.pre_tool_call:`` before building any arguments.
    """

    on_run_start: tuple[_Impl, ...]
    pre_llm_call: tuple[_Impl, ...]
    post_llm_call: tuple[_Impl, ...]
    pre_tool_call: tuple[_Impl, ...]
    post_tool_call: tuple[_Impl, ...]
    transform_tool_result: tuple[_Impl, ...]
    on_run_end: tuple[_Impl, ...]
    pre_trajectory_write: tuple[_Impl, ...]

    def __init__(self, host: Any = None, *, timeout: float | None = DEFAULT_HOOK_TIMEOUT) -> None:
        self.host = host
        self.strict = bool(getattr(host, "strict", False))
        self.timeout = timeout if timeout and timeout > 0 else None
        callers = host.pm.hook if host is not None else None
        for name in LIFECYCLE_HOOKS:
            caller = getattr(callers, name, None) if callers is not None else None
            impls = caller.get_hookimpls() if caller is not None else []
            # pluggy calls the last registered first (tryfirst/trylast respected): do the same
            setattr(
                self,
                name,
                tuple(_Impl(i.plugin_name, i.function, tuple(i.argnames)) for i in reversed(impls)),
            )

    @classmethod
    def of_current_host(cls) -> RunHooks:
        from hermes_core.plugins import get_hermes

        return cls(get_hermes(), timeout=configured_timeout())

    def __bool__(self) -> bool:
        return any(getattr(self, name) for name in LIFECYCLE_HOOKS)

    async def call(self, name: str, **kwargs: Any) -> list[Any]:
        """Call every implementation of ``name``; the non-``None`` results, in call order."""
        results = []
        for impl in getattr(self, name):
            value = await self._one(impl, name, kwargs)
            if value is not None and value is not _SKIPPED:
                results.append(value)
        return results

    async def chain(self, name: str, key: str, **kwargs: Any) -> Any:
        """Call each implementation with ``kwargs[key]`` set to the previous one's non-``None`` result;
        the last value (``transform_tool_result``, ``pre_trajectory_write``)."""
        for impl in getattr(self, name):
            value = await self._one(impl, name, kwargs)
            if value is not None and value is not _SKIPPED:
                kwargs[key] = value
        return kwargs[key]

    async def _one(self, impl: _Impl, name: str, kwargs: dict[str, Any]) -> Any:
        args = [kwargs[arg] for arg in impl.argnames]
        try:
            if impl.is_async:
                ok, value = await self._bounded(impl.function(*args))
            elif self.timeout:
                ok, value = await _in_daemon_thread(impl.function, args, self.timeout)
            else:
                ok, value = _outcome(impl.function, args)
            if ok and value is not None and inspect.isawaitable(value):  # a sync function's coroutine
                ok, value = await self._bounded(value)
            if not ok:
                raise value
        except asyncio.CancelledError as exc:
            task = asyncio.current_task()
            if task is not None and task.cancelling():  # the run itself is cancelled
                raise
            self._failed(impl, name, exc)
        except _Overran:
            self._failed(impl, name, HookTimeout(f"took longer than {self.timeout:g}s (agent.hook_timeout)"))
        except KeyboardInterrupt as exc:
            if impl.is_async and signal.getsignal(signal.SIGINT) is signal.default_int_handler:
                raise  # raised in the run's thread with Python's own handler in place: the user's Ctrl-C
            self._failed(impl, name, exc)
        except BaseException as exc:  # SystemExit, GeneratorExit, a plugin's own: never the run's end
            self._failed(impl, name, exc)
        else:
            return value
        return _SKIPPED

    async def _bounded(self, awaitable: Any) -> tuple[bool, Any]:
        """``(ok, value_or_exception)`` of an async hook within the deadline. It runs caught inside its
        own task (a task that raises ``SystemExit`` takes the event loop down) and past the deadline it
        is cancelled without waiting: a hook that ignores cancellation must not hold the run."""
        if not self.timeout:
            return await _guarded(awaitable)
        task = asyncio.ensure_future(_guarded(awaitable))
        try:
            done, _ = await asyncio.wait({task}, timeout=self.timeout)
        finally:
            if not task.done():
                task.cancel()
        if not done:
            raise _Overran()
        return task.result()

    def _failed(self, impl: _Impl, name: str, exc: BaseException) -> None:
        self.record_error(impl.plugin_name, name, exc)
        if self.strict:
            raise exc

    def record_error(self, plugin_name: str, hook: str, exc: BaseException) -> None:
        """Put ``hook``'s failure on the plugin's record (``hermes plugins list``, ``doctor``)."""
        message = " ".join(f"{hook}: {type(exc).__name__}: {exc}".split())
        log.warning("plugin %s: %s", plugin_name, message)
        records = getattr(self.host, "records", None) or {}
        record = records.get(plugin_name)
        if record is None:
            return
        known = record.error.split("; ") if record.error else []
        if message not in known and len(known) < MAX_RECORDED_ERRORS:
            record.error = "; ".join([*known, message])


class _Overran(Exception):
    pass


def _outcome(function: Any, args: list[Any]) -> tuple[bool, Any]:
    try:
        return True, function(*args)
    except BaseException as exc:  # handed to the run, which records it
        return False, exc


async def _guarded(awaitable: Any) -> tuple[bool, Any]:
    try:
        return True, await awaitable
    except asyncio.CancelledError:
        raise
    except BaseException as exc:  # handed to the run, which records it
        return False, exc


async def _in_daemon_thread(function: Any, args: list[Any], timeout: float) -> tuple[bool, Any]:
    """``(ok, value_or_exception)`` of ``function(*args)`` run in a daemon thread (a hung hook must not
    keep the process alive at exit), waited for at most ``timeout`` seconds."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future = loop.create_future()

    def settle(outcome: tuple[bool, Any]) -> None:
        if not future.done():
            future.set_result(outcome)

    def work() -> None:
        outcome = _outcome(function, args)
        try:
            loop.call_soon_threadsafe(settle, outcome)
        except RuntimeError:  # the loop closed while the hook ran
            pass

    threading.Thread(target=work, name="hermes-hook", daemon=True).start()
    try:
        return await asyncio.wait_for(future, timeout)
    except TimeoutError:
        raise _Overran() from None


def configured_timeout() -> float:
    """``agent.hook_timeout`` as configured; the default when it cannot be read."""
    try:
        from hermes_core.config import resolve

        value = resolve("agent.hook_timeout")
    except Exception:  # no config, or this plugin's setting not loaded: the default
        return DEFAULT_HOOK_TIMEOUT
    return DEFAULT_HOOK_TIMEOUT if value is None else float(value)
