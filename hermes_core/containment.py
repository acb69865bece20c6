"""Containing a plugin while the host runs its code: a plugin must not be able to take the host down.

While a plugin is imported or asked for its registrations, :func:`contained`:

- gives it a deadline (``HERMES_PLUGIN_TIMEOUT`` seconds, default 30; ``0`` switches it off): an import
  that hangs is interrupted with :class:`PluginTimeout` (SIGALRM on the main thread; from any other
  thread, an exception set asynchronously in the loading thread, delivered at its next Python
  instruction, and an import run in a helper thread waited for at most the deadline, see
  :func:`run_step`), so no command — ``--help`` included — waits on it for longer. The deadline is for
  hangs, not slowness: a legitimate import of a machine-learning library on a loaded machine or a cold
  network file system takes many seconds. It is raised only where raising is safe (:func:`interruptible`);
- refuses ``os._exit`` and ``os.fork`` (its failure: no command ends with empty output or prints twice)
  and makes the threads it starts daemon threads (none keeps a command alive after its work is done);
- sends what it prints to stdout to stderr instead, so ``--json`` output stays parseable;
- tells a real Ctrl-C (re-raised) from a plugin raising ``KeyboardInterrupt`` itself (its failure);
- snapshots the attributes of the ``hermes_core`` modules and their classes, so that a plugin that
  monkeypatched core functions and then failed can have its patches undone (:meth:`Snapshot.restore`).
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any

from hermes_core.registry import HermesError

DEFAULT_TIMEOUT = 30.0
_CORE = "hermes_core"
_RETRY = 0.02
"""Seconds between two tries at raising a deadline that found the plugin somewhere unsafe."""
_NEVER = ("<frozen importlib.",)
"""Where a deadline never raises: the import system's locks are global (one leaked stops every import)."""
_AVOIDED = (
    threading.__file__,
    os.path.join(os.path.dirname(contextlib.__file__), "logging", ""),
    os.path.dirname(__file__) + os.sep,
)
"""Where a deadline raises only once :data:`INSISTING` seconds late (a plugin blocked there for good,
``Event().wait()`` at import, must still be cut; what may leak then is that one primitive's lock)."""
INSISTING = 1.0


def interruptible(frame: Any, late: float = 0.0) -> bool:
    """Whether a deadline ``late`` seconds past may raise in ``frame`` (where a thread is, or where a
    signal caught it).

    Not inside the import system, and for the first :data:`INSISTING` seconds not inside ``threading``,
    ``logging`` or the core either: they take a lock and then enter ``try``, and an exception raised
    between the two leaks the lock. A global import lock leaked so deadlocks every later import in every
    other thread (seen with a deadline that fired mid-import). A plugin's own code, and what it calls
    elsewhere, is fine; the deadline waits until the plugin is back there.
    """
    if frame is None or frame.f_code.co_filename.startswith(_NEVER):
        return False
    return late >= INSISTING or not frame.f_code.co_filename.startswith(_AVOIDED)


class PluginTimeout(HermesError):
    """A plugin's import or hook ran past its deadline."""


class Snapshot:
    """The attributes of every loaded ``hermes_core`` module and of the classes they define.

    Kept as a baseline across plugin steps: :meth:`changes` compares (a C-speed dict comparison per
    module or class when nothing changed) and :meth:`accept` moves the baseline on, so each step costs
    microseconds instead of a fresh copy of every namespace.
    """

    def __init__(self) -> None:
        self.saved: dict[Any, dict[str, Any]] = {}
        self._refresh()

    def _refresh(self) -> None:
        for owner in _owners():
            if owner not in self.saved:
                self.saved[owner] = dict(vars(owner))

    def changes(self) -> list[tuple[Any, str, Any, Any]]:
        """``(owner, attribute, value before, value now)`` for everything changed since the baseline
        (a submodule imported since is not a change)."""
        found = []
        for owner, saved in self.saved.items():
            current = vars(owner)
            with contextlib.suppress(Exception):  # a value with an odd __eq__ just means "look closer"
                if current == saved:
                    continue
            for attr in saved.keys() | current.keys():
                before, now = saved.get(attr, _MISSING), current.get(attr, _MISSING)
                if before is now or attr in ("__dict__", "__weakref__", "__doc__"):
                    continue
                if not (before is _MISSING and isinstance(now, ModuleType)):
                    found.append((owner, attr, before, now))
        self._refresh()
        return found

    def accept(self, changes: list[tuple[Any, str, Any, Any]]) -> None:
        """Make ``changes`` part of the baseline."""
        for owner, attr, _, now in changes:
            if now is _MISSING:
                self.saved[owner].pop(attr, None)
            else:
                self.saved[owner][attr] = now

    def restore(self) -> list[str]:
        """Undo every change since the baseline; returns the names put back (``module.attr``)."""
        return undo(self.changes())


def undo(changes: list[tuple[Any, str, Any, Any]]) -> list[str]:
    """Put back each changed attribute that still holds the value the change gave it."""
    restored = []
    for owner, attr, before, now in changes:
        if vars(owner).get(attr, _MISSING) is not now:
            continue  # changed again since, by someone else
        with contextlib.suppress(AttributeError, TypeError):
            if before is _MISSING:
                delattr(owner, attr)
            else:
                setattr(owner, attr, before)
            where = f"{owner.__module__}.{owner.__qualname__}" if isinstance(owner, type) else owner.__name__
            restored.append(f"{where}.{attr}")
    return restored


_MISSING = object()
_owner_cache: list[Any] = [-1, []]  # [len(sys.modules) when computed, owners]; mutated, never rebound


def _owners() -> list[Any]:
    """The loaded ``hermes_core`` modules and the classes they define (recomputed when imports happen)."""
    if _owner_cache[0] != len(sys.modules):
        owners: list[Any] = []
        for name in [n for n in sys.modules if n.startswith(_CORE)]:
            module = sys.modules.get(name)
            if module is None or not (name == _CORE or name.startswith(_CORE + ".")):
                continue
            owners.append(module)
            owners += [v for v in vars(module).values() if isinstance(v, type) and v.__module__ == name]
        _owner_cache[:] = [len(sys.modules), owners]
    return _owner_cache[1]


def timeout_seconds() -> float:
    try:
        return max(0.0, float(os.environ.get("HERMES_PLUGIN_TIMEOUT", "") or DEFAULT_TIMEOUT))
    except ValueError:
        return DEFAULT_TIMEOUT


class _Session:
    """Signal handlers installed once for a whole plugin load (``signal.signal`` is not free)."""

    def __init__(self) -> None:
        self.depth = 0
        self.interrupted = False
        self.what = ""
        self.seconds = 0.0
        self.due = 0.0  # time.monotonic() of the current deadline
        self.previous: dict[int, Any] = {}

    def on_interrupt(self, signum: int, frame: Any) -> None:
        self.interrupted = True
        raise KeyboardInterrupt

    def on_alarm(self, signum: int, frame: Any) -> None:
        if self.what and interruptible(frame, time.monotonic() - self.due):
            raise PluginTimeout(f"{self.what} took longer than {self.seconds:g}s (HERMES_PLUGIN_TIMEOUT)")
        # not here: the interval the timer was armed with brings the alarm back in a moment


_session = _Session()


@contextlib.contextmanager
def session() -> Iterator[_Session]:
    """Install the handlers :func:`contained` needs for the duration (nested sessions share them)."""
    on_main = threading.current_thread() is threading.main_thread()
    if _session.depth or not on_main:
        _session.depth += 1
        try:
            yield _session
        finally:
            _session.depth -= 1
        return
    _session.depth, _session.interrupted = 1, False
    with contextlib.suppress(ValueError, OSError):
        _session.previous[signal.SIGINT] = signal.signal(signal.SIGINT, _session.on_interrupt)
    if hasattr(signal, "setitimer"):
        _session.previous[signal.SIGALRM] = signal.signal(signal.SIGALRM, _session.on_alarm)
    try:
        yield _session
    finally:
        _session.depth = 0
        for signum, handler in _session.previous.items():
            signal.signal(signum, handler)
        _session.previous.clear()


@contextlib.contextmanager
def contained(what: str) -> Iterator[_Session]:
    """Run a plugin's code with a deadline, stdout sent to stderr, process-level exits refused, and
    real Ctrl-C told apart."""
    with session() as current:
        seconds = timeout_seconds()
        timed = signal.SIGALRM in current.previous and seconds > 0
        outer = (0.0, 0.0)
        started = time.monotonic()
        if timed:
            current.what, current.seconds, current.due = what, seconds, started + seconds
            outer = signal.setitimer(signal.ITIMER_REAL, seconds, _RETRY)
        watchdog = _Watchdog(what, seconds) if seconds > 0 and not timed else None
        outer_bound = getattr(_bounds, "current", None)
        _bounds.current = watchdog
        try:
            with contextlib.redirect_stdout(sys.stderr), _process_guards(what):
                if watchdog is None:
                    yield current
                else:
                    with watchdog:
                        yield current
        finally:
            _bounds.current = outer_bound
            if timed:
                current.what = ""
                signal.setitimer(signal.ITIMER_REAL, 0)
                if outer[0] > 0:  # someone else's alarm (pytest-timeout): give back what is left
                    left = max(0.001, outer[0] - (time.monotonic() - started))
                    signal.setitimer(signal.ITIMER_REAL, left, outer[1])


class _Overran(PluginTimeout):
    """Set asynchronously in a step left running past its deadline (no message can go with it)."""


_bounds = threading.local()
"""Per loading thread: the :class:`_Watchdog` of the step it runs off the main thread, if any."""


def run_step(step: Callable[[], Any]) -> Any:
    """``step()`` inside :func:`contained`, for a plugin's import. On the main thread it runs here
    (SIGALRM interrupts it, a blocking call included). Off the main thread neither a signal nor the
    watchdog's exception interrupts a blocking call (``time.sleep``, a socket read) at import, so the
    step runs in a daemon helper thread this one waits for at most the deadline (not for hook steps:
    they take the host's locks, which the waiting thread holds). Past it, the load goes on with
    :class:`PluginTimeout` and the watchdog, retargeted at the helper, raises :class:`_Overran` there at
    its next Python instruction: what the step would do after its blocking call (``os._exit`` once the
    guards are gone) never runs."""
    watchdog = getattr(_bounds, "current", None)
    if watchdog is None:
        return step()
    outcome: dict[str, Any] = {}

    def work() -> None:
        try:
            outcome["value"] = step()
        except BaseException as exc:  # handed to the loading thread (or dropped once it gave up)
            outcome["error"] = exc

    helper = threading.Thread(target=work, name="hermes-plugin-step", daemon=True)
    helper.start()
    watchdog.retarget(helper)
    helper.join(watchdog.seconds)
    if helper.is_alive() or isinstance(outcome.get("error"), _Overran):
        raise PluginTimeout(f"{watchdog.what} took longer than {watchdog.seconds:g}s (HERMES_PLUGIN_TIMEOUT)")
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


class _Watchdog:
    """The deadline off the main thread: past it, :class:`PluginTimeout` is raised in the loading
    thread (CPython's ``PyThreadState_SetAsyncExc``: a pure-Python loop is stopped at once, a blocking
    call when it returns), as soon as that thread is somewhere :func:`interruptible`."""

    def __init__(self, what: str, seconds: float) -> None:
        self.what, self.seconds = what, seconds
        self.thread = threading.get_ident()
        self.lock = threading.Lock()
        self.fired = False
        self.helper: threading.Thread | None = None
        self.done = threading.Event()
        self.due = 0.0  # time.monotonic() of the deadline, once started
        self.timer = threading.Thread(target=self._watch, name="hermes-plugin-deadline", daemon=True)

    def _watch(self) -> None:
        self.due = time.monotonic() + self.seconds
        if self.done.wait(self.seconds):
            return
        while not self.done.wait(_RETRY):
            with self.lock:
                if self.done.is_set() or (self.helper is not None and not self.helper.is_alive()):
                    return
                late = time.monotonic() - self.due
                if interruptible(sys._current_frames().get(self.thread), late):
                    self.fired = _set_async_exc(self.thread, _Overran)
                    return

    def __enter__(self) -> None:
        self.timer.start()

    def retarget(self, helper: threading.Thread) -> None:
        """Raise the deadline's exception in ``helper`` (running the step) instead, even once the loading
        thread has gone on without it."""
        with self.lock:
            if not self.fired:
                self.thread, self.helper = helper.ident, helper

    def __exit__(self, kind: Any, exc: BaseException | None, tb: Any) -> None:
        with self.lock:
            if self.helper is None or self.fired or not self.helper.is_alive():
                self.done.set()
            if self.fired and not isinstance(exc, _Overran):  # fired as the step ended: not delivered
                _set_async_exc(self.thread, None)
        if isinstance(exc, _Overran):
            raise PluginTimeout(
                f"{self.what} took longer than {self.seconds:g}s (HERMES_PLUGIN_TIMEOUT)"
            ) from None


def _set_async_exc(thread: int, kind: type[BaseException] | None) -> bool:
    import ctypes

    done = ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread), ctypes.py_object(kind))
    return done == 1


class PluginExit(HermesError):
    """A plugin tried to end or duplicate the process (``os._exit``, ``os.fork``) while it was loaded."""


@contextlib.contextmanager
def _process_guards(what: str) -> Iterator[None]:
    """``os._exit`` and ``os.fork`` raise :class:`PluginExit`, and threads started are daemon threads,
    while a plugin's code runs (the loader runs before the command's own work, so nothing else needs
    them then). A plugin reaching past ``os`` and ``posix`` (through ``ctypes``) is beyond this."""
    import posix

    def refuse(name: str) -> Any:
        def refused(*args: Any, **kwargs: Any) -> Any:
            raise PluginExit(f"called os.{name}{args!r} while being loaded, which hermes refuses")

        return refused

    start = threading.Thread.start

    def start_as_daemon(thread: threading.Thread) -> None:
        if not thread.daemon:
            thread.daemon = True  # a thread a plugin leaves running must not keep the command alive
        start(thread)

    saved = [(module, name, getattr(module, name)) for module in (os, posix) for name in _GUARDED
             if hasattr(module, name)]  # fmt: skip
    for module, name, _ in saved:
        setattr(module, name, refuse(name))
    threading.Thread.start = start_as_daemon
    try:
        yield
    finally:
        threading.Thread.start = start
        for module, name, original in saved:
            setattr(module, name, original)


_GUARDED = ("_exit", "fork", "forkpty")


def describe(exc: BaseException) -> str:
    """One line for ``hermes plugins list``."""
    return " ".join(f"{type(exc).__name__}: {exc}".split())


__all__ = [
    "PluginExit",
    "PluginTimeout",
    "Snapshot",
    "contained",
    "describe",
    "run_step",
    "session",
    "timeout_seconds",
    "undo",
]
