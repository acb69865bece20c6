"""Containing a plugin while the host runs its code: a plugin must not be able to take the host down.

While a plugin is imported or asked for its registrations, :func:`contained`:

- gives it a deadline (``HERMES_PLUGIN_TIMEOUT`` seconds, default 5; ``0`` switches it off): an import
  that hangs is interrupted with :class:`PluginTimeout` (SIGALRM, main thread on POSIX only), so no
  command — ``--help`` included — waits on it for longer;
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
from collections.abc import Iterator
from types import ModuleType
from typing import Any

from hermes_core.registry import HermesError

DEFAULT_TIMEOUT = 5.0
_CORE = "hermes_core"


class PluginTimeout(HermesError):
    """A plugin's import or hook ran past its deadline."""


class Snapshot:
    """The attributes of every loaded ``hermes_core`` module and of the classes they define."""

    def __init__(self) -> None:
        self.saved: dict[Any, dict[str, Any]] = {owner: dict(vars(owner)) for owner in _owners()}

    def changes(self) -> list[tuple[Any, str, Any, Any]]:
        """``(owner, attribute, value before, value now)`` for everything changed since the snapshot
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
        return found

    def restore(self) -> list[str]:
        """Undo every change since the snapshot; returns the names put back (``module.attr``)."""
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
            restored.append(
                f"{getattr(owner, '__module__', '')}.{getattr(owner, '__qualname__', '')}.{attr}"
                if isinstance(owner, type)
                else f"{owner.__name__}.{attr}"
            )
    return restored


_owner_cache: tuple[int, list[Any]] = (-1, [])


def _owners() -> list[Any]:
    """The loaded ``hermes_core`` modules and the classes they define (recomputed when imports happen)."""
    global _owner_cache
    if _owner_cache[0] != len(sys.modules):
        owners: list[Any] = []
        for name, module in list(sys.modules.items()):
            if module is None or not (name == _CORE or name.startswith(_CORE + ".")):
                continue
            owners.append(module)
            owners += [
                value
                for value in vars(module).values()
                if isinstance(value, type) and value.__module__ == name
            ]
        _owner_cache = (len(sys.modules), owners)
    return _owner_cache[1]


_MISSING = object()


def timeout_seconds() -> float:
    try:
        return max(0.0, float(os.environ.get("HERMES_PLUGIN_TIMEOUT", "") or DEFAULT_TIMEOUT))
    except ValueError:
        return DEFAULT_TIMEOUT


class _Interrupts:
    """Whether a real SIGINT arrived while a plugin ran (then its ``KeyboardInterrupt`` is the user's)."""

    def __init__(self) -> None:
        self.received = False

    def handler(self, signum: int, frame: Any) -> None:
        self.received = True
        raise KeyboardInterrupt


@contextlib.contextmanager
def contained(what: str) -> Iterator[_Interrupts]:
    """Run a plugin's code with a deadline, stdout sent to stderr, and real Ctrl-C told apart."""
    interrupts = _Interrupts()
    seconds = timeout_seconds()
    on_main = threading.current_thread() is threading.main_thread()
    timed = on_main and seconds > 0 and hasattr(signal, "setitimer")
    previous_alarm = previous_int = None
    outer_timer = (0.0, 0.0)
    started = time.monotonic()
    if on_main:

        def expired(signum: int, frame: Any) -> None:
            raise PluginTimeout(f"{what} took longer than {seconds:g}s (HERMES_PLUGIN_TIMEOUT)")

        with contextlib.suppress(ValueError, OSError):
            previous_int = signal.signal(signal.SIGINT, interrupts.handler)
        if timed:
            previous_alarm = signal.signal(signal.SIGALRM, expired)
            outer_timer = signal.setitimer(signal.ITIMER_REAL, seconds, 0.25)
    try:
        with contextlib.redirect_stdout(sys.stderr):
            yield interrupts
    finally:
        if timed:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous_alarm)
            if outer_timer[0] > 0:  # someone else's alarm (pytest-timeout): give back what is left
                left = max(0.001, outer_timer[0] - (time.monotonic() - started))
                signal.setitimer(signal.ITIMER_REAL, left, outer_timer[1])
        if previous_int is not None:
            signal.signal(signal.SIGINT, previous_int)


def describe(exc: BaseException) -> str:
    """One line for ``hermes plugins list``."""
    return " ".join(f"{type(exc).__name__}: {exc}".split())


__all__ = ["PluginTimeout", "Snapshot", "contained", "describe", "timeout_seconds", "undo"]
