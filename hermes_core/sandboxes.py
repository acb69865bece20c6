"""Which sandbox belongs to which task: backend selection and the per-task sandbox table.

Tools that act in a sandbox (``terminal``, the file tools, an environment's ``ToolContext``) all ask
:func:`sandbox_for` with their ``task_id`` and so share one sandbox per task; :func:`cleanup_task` is
what an RL environment calls on every path out of a rollout.

Selection follows hermes-agent: ``TERMINAL_ENV`` (default ``local``) names a registered backend; an
unknown or unavailable one is an error naming the installed backends, never a silent fall-back to local.
``TERMINAL_POOL_MAX=N`` pools any backend (N warm sandboxes reused across tasks, see
:mod:`hermes_core.pool`); modal also honours hermes-agent's ``TERMINAL_MODAL_MODE=pool``.

:func:`install_signal_cleanup` makes SIGTERM and SIGHUP release every sandbox before the process goes.
"""

from __future__ import annotations

import signal
import threading
from dataclasses import dataclass, field
from typing import Any

from hermes_core.registry import HermesError
from hermes_core.terminal import DEFAULT_TIMEOUT, Sandbox, SandboxError, SandboxRequest, TerminalBackend

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
    return configured("terminal.backend") or "local"


def configured(key: str) -> Any:
    """A setting by hermes's precedence (flags > environment > ``.env`` > config.yaml > default).

    A bad value is a one-line :class:`HermesError` naming it, never silently replaced by a default; a
    key that no installed plugin declares reads as ``None`` (the backend's own default applies).
    """
    from hermes_core import config

    try:
        return config.resolve(key)
    except HermesError as exc:
        if str(exc).startswith("unknown config key"):
            return None
        raise


def make_backend(name: str | None = None, **options: Any) -> TerminalBackend:
    """Instantiate backend ``name`` (default: the selected one); raise if unknown or unavailable."""
    from hermes_core.plugins import get_hermes

    name = name or selected_backend_name()
    registry = get_hermes().backends
    installed = ", ".join(registry.names()) or "none"
    if name not in registry:
        raise BackendUnavailable(f"{registry.unknown_message(name)} (terminal.backend, TERMINAL_ENV)")
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
        self._creating: dict[str, threading.Event] = {}  # task_id -> the creation in flight, set once over

    def set_overrides(self, task_id: str, overrides: TaskOverrides) -> None:
        self._overrides[task_id] = overrides

    def backend(self, name: str | None = None) -> TerminalBackend:
        name = name or selected_backend_name()
        with self._lock:
            if name not in self._backends:
                backend = make_backend(name)
                pool_max = configured("terminal.pool_max") or 0
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
                    token = self._creating[task_id] = threading.Event()
                    overrides = self._overrides.get(task_id, TaskOverrides())
                return self._create(task_id, overrides, token)

    def _create(self, task_id: str, overrides: TaskOverrides, token: threading.Event) -> Sandbox:
        try:
            return self._create_or_cancel(task_id, overrides, token)
        finally:
            token.set()  # cleanup_all waits for this: a cancelled creation has cleaned up its sandbox

    def _create_or_cancel(self, task_id: str, overrides: TaskOverrides, token: threading.Event) -> Sandbox:
        try:
            backend = self.backend(overrides.backend)
            request = SandboxRequest(
                task_id,
                image=overrides.image,
                cwd=overrides.cwd or configured("terminal.cwd"),
                timeout=float(configured("terminal.timeout") or DEFAULT_TIMEOUT),
                options=dict(overrides.options),
            )
            sandbox = backend.create(request)
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
        """Release every sandbox, cancel every creation in flight and wait until each has cleaned up
        what it created (``release_all`` bounds that wait on a signal), then close the backends."""
        with self._lock:
            tasks, in_flight = [*self._sandboxes, *self._creating], list(self._creating.values())
        for task_id in tasks:
            self.cleanup(task_id)
        for creation in in_flight:
            creation.wait()
        with self._lock:
            backends, self._backends = list(self._backends.values()), {}
        for backend in backends:
            backend.close()

    def active(self) -> list[str]:
        return list(self._sandboxes)


_table = SandboxTable()


def sandbox_for(task_id: str | None) -> Sandbox:
    return _table.get(task_id)


def cleanup_task(task_id: str | None) -> None:
    _table.cleanup(task_id)


def sandbox_table() -> SandboxTable:
    return _table


# -- leaving on a signal ---------------------------------------------------------------------------------

_installed: dict[int, Any] = {}
_releasing = threading.Event()
REMOTE_CLEANUP_SECONDS = 10.0


def release_all(remote_timeout: float = REMOTE_CLEANUP_SECONDS) -> None:
    """Kill every local process our sandboxes started, remove our ``hermes-<pid>-*`` folders, then give
    the remote sandboxes (containers, cloud sandboxes) up to ``remote_timeout`` seconds to go.

    Safe from a signal handler: the local part takes no lock, and the table's cleanup runs in a thread
    that is abandoned if the interrupted code holds the table's lock.
    """
    from hermes_core.process import release_everything

    release_everything()
    worker = threading.Thread(target=_table.cleanup_all, name="hermes-signal-cleanup", daemon=True)
    worker.start()
    worker.join(remote_timeout)
    release_everything()  # anything a racing command started meanwhile


def _on_signal(signum: int, frame: Any) -> None:
    if not _releasing.is_set():
        _releasing.set()
        release_all()
    previous = _installed.get(signum)
    if callable(previous):
        previous(signum, frame)
    raise SystemExit(128 + signum)


def install_signal_cleanup(signals: tuple[int, ...] = (signal.SIGTERM, signal.SIGHUP)) -> bool:
    """Make SIGTERM and SIGHUP clean up every sandbox before the process exits; call once, at the start
    of a long command (``hermes run``, ``batch``, ``chat``, an environment's serve loop).

    On the signal: processes started in local sandboxes (``setsid`` ones included) are killed, this
    process's ``/tmp/hermes-<pid>-*`` folders removed, remote sandboxes cleaned up (bounded wait), any
    handler installed before is called, and ``SystemExit(128 + signum)`` raised so that ``finally``
    blocks and ``atexit`` still run. Also reclaims what an earlier hermes killed with ``-9`` left
    (:func:`hermes_core.process.reclaim_orphans`). Returns ``False`` (and changes nothing) outside the
    main thread, where Python cannot install handlers. Idempotent.
    """
    from hermes_core.process import reclaim_orphans

    if threading.current_thread() is not threading.main_thread():
        return False
    reclaim_orphans()
    for signum in signals:
        if signum in _installed:
            continue
        previous = signal.getsignal(signum)
        if previous == signal.SIG_IGN:  # ``nohup`` asked for SIGHUP to be ignored: keep it so
            continue
        _installed[signum] = previous if callable(previous) else None
        signal.signal(signum, _on_signal)
    return True
