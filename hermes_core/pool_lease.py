"""A pool's sandbox lent to one task: the task's own directory, output cap and timeout.

Separate from :mod:`hermes_core.pool` because a task only ever sees this object; giving it back goes
through the pool that lent it.
"""

from __future__ import annotations

import posixpath
import threading
from typing import TYPE_CHECKING

from hermes_core.pool_slots import _Slot
from hermes_core.terminal import DEFAULT_MAX_OUTPUT, ExecResult, Sandbox, SandboxError, cap_output

if TYPE_CHECKING:
    from hermes_core.pool import SandboxPool


class PooledSandbox(Sandbox):
    """A pool's sandbox lent to one task: commands default to the task's directory; cleanup returns it."""

    def __init__(self, pool: SandboxPool, slot: _Slot, task_id: str, cwd: str, timeout: float | None) -> None:
        self.pool = pool
        self._slot = slot
        self.task_id = task_id
        self.cwd = cwd
        self.timeout = timeout
        self.max_output = getattr(slot.sandbox, "max_output", DEFAULT_MAX_OUTPUT)
        self._released = False
        self._lock = threading.Lock()

    @property
    def inner(self) -> Sandbox:
        return self._slot.sandbox

    def execute(self, command: str, cwd: str | None = None, timeout: float | None = None) -> ExecResult:
        if self._released:
            raise SandboxError(f"the sandbox of task {self.task_id!r} was already given back to the pool")
        workdir = posixpath.join(self.cwd, cwd) if cwd else self.cwd
        result = self._slot.sandbox.execute(command, cwd=workdir, timeout=timeout or self.timeout)
        if self.max_output < getattr(self._slot.sandbox, "max_output", DEFAULT_MAX_OUTPUT):
            result = ExecResult(
                cap_output(result.output, self.max_output), result.exit_code
            )  # task's own cap
        return result

    def release(self, discard: bool = False) -> None:
        """Give the sandbox back (``discard=True``: destroy it instead); idempotent."""
        with self._lock:
            if self._released:
                return
            self._released = True
        self.pool._release(self, discard)

    def cleanup(self) -> None:
        self.release()

    def is_alive(self) -> bool:
        return not self._released and not self._slot.dead and self._slot.sandbox.is_alive()
