"""Calling the lifecycle hooks (``hermes_core.hookspecs``, "Lifecycle hooks") from the agent loop.

The implementations of each hook are looked up once per loop, so a hook nobody implements costs one
falsy attribute test per call site. Each implementation is called on its own, not through pluggy's
``hook.x()``, for three reasons: an ``async def`` implementation is awaited, one that raises is recorded
against its plugin while the others still run, and a run never fails because of a plugin.
"""

from __future__ import annotations

import inspect
import logging
from dataclasses import dataclass, field
from typing import Any

from hermes_core.hookspecs import LIFECYCLE_HOOKS

__all__ = ["RunHooks", "RunInfo"]

log = logging.getLogger("hermes.hooks")

MAX_RECORDED_ERRORS = 5
"""Distinct hook errors kept on one plugin's record (a hook failing on every call must not grow it)."""


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
    __slots__ = ("argnames", "function", "plugin_name")

    def __init__(self, plugin_name: str, function: Any, argnames: tuple[str, ...]) -> None:
        self.plugin_name, self.function, self.argnames = plugin_name, function, argnames


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

    def __init__(self, host: Any = None) -> None:
        self.host = host
        self.strict = bool(getattr(host, "strict", False))
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

        return cls(get_hermes())

    def __bool__(self) -> bool:
        return any(getattr(self, name) for name in LIFECYCLE_HOOKS)

    async def call(self, name: str, **kwargs: Any) -> list[Any]:
        """Call every implementation of ``name``; the non-``None`` results, in call order."""
        results = []
        for impl in getattr(self, name):
            try:
                value = impl.function(*[kwargs[arg] for arg in impl.argnames])
                if value is not None and inspect.isawaitable(value):
                    value = await value
            except Exception as exc:  # a plugin's bug is its own: recorded, and the run goes on
                self._failed(impl, name, exc)
                continue
            if value is not None:
                results.append(value)
        return results

    async def chain(self, name: str, key: str, **kwargs: Any) -> Any:
        """Call each implementation with ``kwargs[key]`` set to the previous one's non-``None`` result;
        the last value (``transform_tool_result``, ``pre_trajectory_write``)."""
        for impl in getattr(self, name):
            try:
                value = impl.function(*[kwargs[arg] for arg in impl.argnames])
                if value is not None and inspect.isawaitable(value):
                    value = await value
            except Exception as exc:
                self._failed(impl, name, exc)
                continue
            if value is not None:
                kwargs[key] = value
        return kwargs[key]

    def _failed(self, impl: _Impl, name: str, exc: Exception) -> None:
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
