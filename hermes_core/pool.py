"""A pool of warm sandboxes over any backend: reuse across tasks, a private directory per task, no leaks.

Creating a cloud sandbox takes seconds, so RL rollouts reuse warm ones. hermes-agent's pool did that and
gave each task ``<cwd>/hermes_tasks/<task_id>``; this one keeps the idea and closes its holes:

- **bounded**: never more than ``max_size`` sandboxes exist (idle + in use + being created); a caller
  that cannot get one before its deadline gets :class:`PoolTimeout`, never an extra sandbox;
- **fair**: waiters are served first come, first served — a freed sandbox (or the capacity to create
  one) is *handed* to the oldest waiter, so a newcomer cannot barge in;
- **no leaks**: every path (creation fails, task-directory setup fails, the task raises, the sandbox
  dies, the pool closes while a task runs) either returns the sandbox or destroys it and frees its slot;
- **health**: dead sandboxes are detected on acquire and on release and replaced; idle ones past
  ``max_idle`` seconds (or older than ``max_age``) are retired; :meth:`SandboxPool.close` destroys all;
- **isolation**: the task directory is created empty and removed on release; ``task_id`` reaches the
  shell only as a sanitised, ``shlex``-quoted name (``x; rm -rf /`` is a directory name, nothing more).

Thread-based on purpose: tools run in worker threads, and the pool must be correct when hundreds of
tasks acquire and release at once. :class:`PooledBackend` makes any backend poolable through the normal
per-task sandbox table. The capacity bookkeeping lives in :mod:`hermes_core.pool_slots`, the lent
sandbox in :mod:`hermes_core.pool_lease`; this module creates, checks, replaces and destroys sandboxes.
"""

from __future__ import annotations

import contextlib
import logging
import posixpath
import shlex
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from typing import Any

from hermes_core.pool_lease import PooledSandbox
from hermes_core.pool_slots import PoolClosed, PoolTimeout, SlotBook, _Slot
from hermes_core.terminal import (
    Sandbox,
    SandboxError,
    SandboxRequest,
    TerminalBackend,
    task_dir_name,
)

log = logging.getLogger("hermes.pool")

TASKS_DIR = "hermes_tasks"


__all__ = ["PoolClosed", "PoolTimeout", "PooledBackend", "PooledSandbox", "SandboxPool", "task_dir_name"]


class SandboxPool(SlotBook):
    """Warm sandboxes from ``backend``, lent one task at a time.

    ``acquire(task_id)`` returns a :class:`PooledSandbox` whose ``cwd`` is the task's private directory
    and whose ``cleanup()`` gives the sandbox back; ``with pool.task(task_id) as sandbox:`` does both.
    ``setup(sandbox)`` runs once on each new sandbox (install tools, warm caches); if it raises, the
    sandbox is destroyed like any other failure. New sandboxes are made from ``request`` (a
    :class:`SandboxRequest`: image, working directory, command timeout, output cap, backend options).
    """

    def __init__(
        self,
        backend: TerminalBackend,
        *,
        max_size: int = 4,
        acquire_timeout: float = 300.0,
        max_idle: float | None = None,
        max_age: float | None = None,
        max_uses: int | None = None,
        create_attempts: int = 2,
        request: SandboxRequest | None = None,
        setup: Callable[[Sandbox], None] | None = None,
        reap_interval: float | None = None,
        name: str = "pool",
    ) -> None:
        super().__init__(name, max_size)
        self.backend = backend
        self.acquire_timeout = acquire_timeout
        self.max_idle = max_idle
        self.max_age = max_age
        self.max_uses = max_uses
        self.create_attempts = max(1, create_attempts)
        self.request = request or SandboxRequest(name)
        self.timeout = self.request.timeout
        self.setup = setup
        self._serial = 0
        self._reaper: threading.Thread | None = None
        self._stop_reaper = threading.Event()
        interval = reap_interval
        if interval is None and (max_idle or max_age):
            interval = max(0.05, min(x for x in (max_idle, max_age) if x) / 2)
        if interval:
            self._reaper = threading.Thread(target=self._reap_loop, args=(interval,), daemon=True)
            self._reaper.start()

    # -- public API ----------------------------------------------------------------------------------

    @contextlib.contextmanager
    def task(self, task_id: str, timeout: float | None = None) -> Iterator[PooledSandbox]:
        """Lend a sandbox for the ``with`` block; a block that raises a :class:`SandboxError` discards it."""
        lease = self.acquire(task_id, timeout=timeout)
        try:
            yield lease
        except SandboxError:
            lease.release(discard=True)
            raise
        except BaseException:
            lease.release()
            raise
        else:
            lease.release()

    def acquire(self, task_id: str, timeout: float | None = None) -> PooledSandbox:
        """A sandbox with an empty ``<cwd>/hermes_tasks/<task_id>``; waits at most ``timeout`` seconds."""
        wait = self.acquire_timeout if timeout is None else timeout
        deadline = time.monotonic() + wait
        slot = self._take(deadline, wait)  # None: we own the capacity for one new sandbox
        failures: list[str] = []
        while True:
            if slot is not None and not self._healthy(slot):
                self._destroy(slot, reason="unhealthy", keep_capacity=True)  # replace it in place
                slot = None
            if slot is None:
                try:
                    slot = self._create()
                except Exception as exc:
                    failures.append(f"{type(exc).__name__}: {exc}")
                    if len(failures) < self.create_attempts and not self._closed:
                        continue
                    self._give_back_capacity()
                    raise SandboxError(
                        f"{self.name}: could not get a sandbox after {len(failures)} attempts: {failures[-1]}"
                    ) from exc
            try:
                return self._prepare(slot, task_id)
            except Exception as exc:
                failures.append(f"{type(exc).__name__}: {exc}")
                with self._lock:
                    self.metrics.setup_failures += 1
                self._destroy(slot, reason="task setup failed", keep_capacity=True)
                slot = None
                if len(failures) < self.create_attempts and not self._closed:
                    continue
                self._give_back_capacity()
                raise SandboxError(
                    f"{self.name}: preparing a sandbox for task {task_id!r} failed: {exc}"
                ) from exc

    def close(self, timeout: float = 10.0) -> None:
        """Destroy every sandbox: idle ones now, lent ones when returned or after ``timeout`` seconds."""
        with self._lock:
            self._closed = True
            idle, self._idle = list(self._idle), deque()
            waiters, self._waiters = list(self._waiters), deque()
            for waiter in waiters:
                waiter.grant = ("closed", None)
                waiter.event.set()
        self._stop_reaper.set()
        for slot in idle:
            self._destroy(slot, reason="pool closed")
        with self._lock:
            end = time.monotonic() + timeout
            while self._in_use and (left := end - time.monotonic()) > 0:
                self._all_released.wait(left)
            stragglers = [s for s in self._in_use if not s.dead]
            for slot in stragglers:
                slot.dead = True
        for slot in stragglers:  # their tasks see a dead sandbox; release() then only frees the slot
            self._terminate(slot.sandbox)
            with self._lock:
                self.metrics.destroyed += 1

    def retire_idle(self) -> int:
        """Destroy idle sandboxes past ``max_idle`` / ``max_age``; returns how many."""
        now = time.monotonic()
        with self._lock:
            old = [s for s in self._idle if self._too_old(s, now)]
            for slot in old:
                self._idle.remove(slot)
        for slot in old:
            with self._lock:
                self.metrics.retired += 1
            self._destroy(slot, reason="retired")
        return len(old)

    def __enter__(self) -> SandboxPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- sandbox life --------------------------------------------------------------------------------

    def _create(self) -> _Slot:
        with self._lock:
            self._serial += 1
            serial = self._serial
            self._creating += 1
        sandbox = None
        try:
            sandbox = self.backend.create(self.request.for_task(f"{self.name}-{serial}"))
            if self.setup is not None:
                self.setup(sandbox)
        except BaseException:
            with self._lock:
                self._creating -= 1
                self.metrics.create_failures += 1
                if sandbox is not None:
                    self.metrics.created += 1
                    self.metrics.destroyed += 1
            if sandbox is not None:  # created but its setup failed: never leave it running
                self._terminate(sandbox)
            raise
        slot = _Slot(sandbox)
        with self._lock:
            self._creating -= 1
            self.metrics.created += 1
            self._lend(slot)
        return slot

    def _prepare(self, slot: _Slot, task_id: str) -> PooledSandbox:
        base = getattr(slot.sandbox, "cwd", None) or "."
        path = posixpath.join(base, TASKS_DIR, task_dir_name(task_id))
        q = shlex.quote(path)
        result = slot.sandbox.execute(f"rm -rf -- {q} && mkdir -p -- {q}")
        if result.exit_code != 0:
            raise SandboxError(f"could not create the task directory {path}: {result.output.strip()[-300:]}")
        slot.uses += 1
        return PooledSandbox(self, slot, task_id, path, timeout=self.timeout)

    def _release(self, lease: PooledSandbox, discard: bool) -> None:
        slot = lease._slot
        if slot.dead:  # close() already terminated it
            with self._lock:
                self._in_use.discard(slot)
            self._give_back_capacity()
            return
        keep = not discard and not self._closed and self._healthy(slot)
        if keep:
            try:
                result = slot.sandbox.execute(f"rm -rf -- {shlex.quote(lease.cwd)}")
                keep = result.exit_code == 0
            except Exception as exc:
                log.info("%s: cleaning task dir failed, discarding sandbox: %s", self.name, exc)
                keep = False
        if keep and self.max_uses is not None and slot.uses >= self.max_uses:
            keep = False
        if keep:
            self._return(slot)
        else:
            self._destroy(slot, reason="released")

    def _healthy(self, slot: _Slot) -> bool:
        try:
            alive = slot.sandbox.is_alive()
        except Exception:
            alive = False
        if not alive:
            with self._lock:
                self.metrics.dead_replaced += 1
            return False
        return not self._too_old(slot, time.monotonic())

    def _too_old(self, slot: _Slot, now: float) -> bool:
        if self.max_age is not None and now - slot.born > self.max_age:
            return True
        return self.max_idle is not None and now - slot.last_used > self.max_idle

    def _destroy(self, slot: _Slot, *, reason: str, keep_capacity: bool = False) -> None:
        """Terminate ``slot``'s sandbox and free its place (or keep the place for the caller to refill)."""
        log.debug("%s: destroying a sandbox (%s)", self.name, reason)
        with self._lock:
            self._in_use.discard(slot)
            already = slot.dead
            slot.dead = True
            if not already:
                self.metrics.destroyed += 1
        if not already:
            self._terminate(slot.sandbox)
        if not keep_capacity:
            self._give_back_capacity()

    def _terminate(self, sandbox: Sandbox) -> None:
        try:
            sandbox.cleanup()
        except Exception as exc:  # a failing cleanup must not leak the slot
            log.warning("%s: sandbox cleanup failed: %s", self.name, exc)

    def _reap_loop(self, interval: float) -> None:
        while not self._stop_reaper.wait(interval):
            try:
                self.retire_idle()
            except Exception as exc:  # pragma: no cover - keep the reaper alive
                log.warning("%s: reaper: %s", self.name, exc)


class PooledBackend(TerminalBackend):
    """Any backend, pooled: ``create`` lends a warm sandbox, the sandbox's ``cleanup`` gives it back.

    One pool per image, created on first use, so per-task image overrides keep working.
    """

    name = "pooled"

    def __init__(self, backend: TerminalBackend, **pool_options: Any) -> None:
        super().__init__(**pool_options)
        self.inner = backend
        self.pool_options = pool_options
        self._pools: dict[tuple[str | None, str | None], SandboxPool] = {}
        self._lock = threading.Lock()

    def pool(self, image: str | None = None, cwd: str | None = None) -> SandboxPool:
        key = (image, cwd)
        with self._lock:
            if key not in self._pools:
                options = dict(self.pool_options)
                options.setdefault("name", f"{self.inner.name or 'backend'}-pool")
                options.setdefault("request", SandboxRequest(options["name"], image=image, cwd=cwd))
                self._pools[key] = SandboxPool(self.inner, **options)
            return self._pools[key]

    def create_sandbox(self, request: SandboxRequest) -> Sandbox:
        lease = self.pool(request.image, request.cwd).acquire(request.task_id)
        lease.timeout = request.timeout
        lease.max_output = request.max_output
        return lease

    def unavailable_reason(self) -> str | None:
        return self.inner.unavailable_reason()

    def metrics(self) -> dict[str, int]:
        totals: dict[str, int] = {}
        for pool in list(self._pools.values()):
            for key, value in pool.snapshot().items():
                totals[key] = totals.get(key, 0) + value
        return totals

    def close(self) -> None:
        with self._lock:
            pools, self._pools = list(self._pools.values()), {}
        for pool in pools:
            pool.close()
