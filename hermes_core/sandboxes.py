"""Which sandbox belongs to which task: backend selection and the per-task sandbox table.

Tools that act in a sandbox (``terminal``, the file tools, an environment's ``ToolContext``) all ask
:func:`sandbox_for` with their ``task_id`` and so share one sandbox per task; :func:`cleanup_task` is
what an RL environment calls on every path out of a rollout.

Selection follows hermes-agent: ``TERMINAL_ENV`` (default ``local``) names a registered backend; an
unknown or unavailable one is an error naming the installed backends, never a silent fall-back to local.
``TERMINAL_POOL_MAX=N`` pools any backend (N warm sandboxes reused across tasks, see
:mod:`hermes_core.pool`); modal also honours hermes-agent's ``TERMINAL_MODAL_MODE=pool``.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from typing import Any

from hermes_core.registry import HermesError
from hermes_core.terminal import DEFAULT_TIMEOUT, Sandbox, SandboxError, TerminalBackend

DEFAULT_TASK = "default"


class BackendUnavailable(HermesError):
    pass


@dataclass
class TaskOverrides:
    """Per-task sandbox settings (an environment may give each task its own image or cwd)."""

    backend: str | None = None
    image: str | None = None
    cwd: str | None = None
    options: dict[str, Any] = field(default_factory=dict)


def selected_backend_name() -> str:
    return _configured("terminal.backend") or "local"


def _configured(key: str) -> Any:
    """A setting by hermes's precedence (``TERMINAL_*`` variables > ~/.hermes config > default); a bad
    value is a :class:`HermesError` naming it, never silently replaced by a default."""
    from hermes_core.config import get_value

    return get_value(key)


def make_backend(name: str | None = None, **options: Any) -> TerminalBackend:
    """Instantiate backend ``name`` (default: the selected one); raise if unknown or unavailable."""
    from hermes_core.plugins import get_hermes

    name = name or selected_backend_name()
    registry = get_hermes().backends
    installed = ", ".join(registry.names()) or "none"
    if name not in registry:
        raise BackendUnavailable(f"unknown terminal backend {name!r} (TERMINAL_ENV); installed: {installed}")
    backend = registry.get(name)(**options)
    reason = backend.unavailable_reason()
    if reason:
        raise BackendUnavailable(
            f"terminal backend {name!r} is unavailable: {reason}; installed: {installed}"
        )
    return backend


class SandboxTable:
    """task_id → sandbox, created on first use and removed by :meth:`cleanup`; thread-safe."""

    def __init__(self) -> None:
        self._sandboxes: dict[str, Sandbox] = {}
        self._overrides: dict[str, TaskOverrides] = {}
        self._backends: dict[str, TerminalBackend] = {}
        self._lock = threading.Lock()
        self._task_locks: dict[str, threading.Lock] = {}
        self._creating: dict[str, object] = {}  # task_id -> token of the creation in flight

    def set_overrides(self, task_id: str, overrides: TaskOverrides) -> None:
        self._overrides[task_id] = overrides

    def backend(self, name: str | None = None) -> TerminalBackend:
        name = name or selected_backend_name()
        with self._lock:
            if name not in self._backends:
                backend = make_backend(name)
                pool_max = int(os.environ.get("TERMINAL_POOL_MAX") or 0)
                if pool_max > 0:
                    from hermes_core.pool import PooledBackend

                    backend = PooledBackend(backend, max_size=pool_max, name=f"{name}-pool")
                self._backends[name] = backend
            return self._backends[name]

    def get(self, task_id: str | None) -> Sandbox:
        task_id = task_id or DEFAULT_TASK
        while True:
            with self._lock:
                task_lock = self._task_locks.setdefault(task_id, threading.Lock())
            with task_lock:  # one creation per task even when tools race
                with self._lock:
                    if self._task_locks.get(task_id) is not task_lock:
                        continue  # the task was cleaned up while we waited: start over
                    sandbox = self._sandboxes.get(task_id)
                    if sandbox is not None:
                        return sandbox
                    token = self._creating[task_id] = object()
                    overrides = self._overrides.get(task_id, TaskOverrides())
                return self._create(task_id, overrides, token)

    def _create(self, task_id: str, overrides: TaskOverrides, token: object) -> Sandbox:
        try:
            backend = self.backend(overrides.backend)
            sandbox = backend.create(
                task_id,
                image=overrides.image,
                cwd=overrides.cwd or _configured("terminal.cwd"),
                timeout=float(_configured("terminal.timeout") or DEFAULT_TIMEOUT),
                **overrides.options,
            )
        except BaseException:
            with self._lock:
                if self._creating.get(task_id) is token:
                    del self._creating[task_id]
            raise
        with self._lock:
            current = self._creating.get(task_id) is token
            if current:
                del self._creating[task_id]
                self._sandboxes[task_id] = sandbox
        if not current:  # cleanup_task ran while the backend was creating it (a tool timed out, say)
            sandbox.cleanup()
            raise SandboxError(f"task {task_id!r} was cleaned up while its sandbox was being created")
        return sandbox

    def cleanup(self, task_id: str | None) -> None:
        """Release the task's sandbox; a creation still in flight is cancelled and cleans up itself."""
        task_id = task_id or DEFAULT_TASK
        with self._lock:
            sandbox = self._sandboxes.pop(task_id, None)
            self._overrides.pop(task_id, None)
            self._task_locks.pop(task_id, None)
            self._creating.pop(task_id, None)
        if sandbox is not None:
            sandbox.cleanup()

    def cleanup_all(self) -> None:
        for task_id in list(self._sandboxes):
            self.cleanup(task_id)
        with self._lock:
            backends, self._backends = list(self._backends.values()), {}
        for backend in backends:
            close = getattr(backend, "close", None)
            if close is not None:
                close()

    def active(self) -> list[str]:
        return list(self._sandboxes)


_table = SandboxTable()


def sandbox_for(task_id: str | None) -> Sandbox:
    return _table.get(task_id)


def cleanup_task(task_id: str | None) -> None:
    _table.cleanup(task_id)


def sandbox_table() -> SandboxTable:
    return _table
