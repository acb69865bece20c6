"""The ``local`` backend: commands run on this machine, one working directory per task."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import threading
from typing import Any

from hermes_core.process import kill_group, run_process
from hermes_core.terminal import DEFAULT_MAX_OUTPUT, DEFAULT_TIMEOUT, ExecResult, Sandbox, TerminalBackend


def safe_fragment(task_id: str, limit: int = 40) -> str:
    """``task_id`` reduced to characters that are harmless in a file name."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", task_id)[:limit].strip("._") or "task"


class LocalSandbox(Sandbox):
    """A working directory on this machine; each command is a fresh ``bash -c`` in its own session."""

    def __init__(
        self, task_id: str, cwd: str, *, owns_cwd: bool, timeout: float, max_output: int, shell: str = "bash"
    ) -> None:
        self.task_id = task_id
        self.cwd = cwd
        self.timeout = timeout
        self.max_output = max_output
        self.shell = shell
        self._owns_cwd = owns_cwd
        self._groups: set[int] = set()
        self._lock = threading.Lock()
        self._closed = False

    def execute(self, command: str, cwd: str | None = None, timeout: float | None = None) -> ExecResult:
        if self._closed:
            return ExecResult(f"sandbox for task {self.task_id!r} was cleaned up", 1)
        workdir = os.path.join(self.cwd, os.path.expanduser(cwd)) if cwd else self.cwd
        if not os.path.isdir(workdir):
            return ExecResult(f"working directory does not exist: {workdir}", 1)
        limit = float(timeout) if timeout else self.timeout
        return run_process(
            [self.shell, "-c", command],
            cwd=workdir,
            timeout=limit,
            max_output=self.max_output,
            on_start=self._remember,
        )

    def _remember(self, pgid: int) -> None:
        with self._lock:
            self._groups.add(pgid)

    def cleanup(self) -> None:
        """Kill what the task left running in the background and remove its temporary directory."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            groups, self._groups = self._groups, set()
        for pgid in groups:
            kill_group(pgid)
        if self._owns_cwd:
            shutil.rmtree(self.cwd, ignore_errors=True)

    def is_alive(self) -> bool:
        return not self._closed and os.path.isdir(self.cwd)


class LocalBackend(TerminalBackend):
    """Runs commands on this machine in a per-task directory (a fresh temporary one unless ``cwd``)."""

    name = "local"

    def create(
        self,
        task_id: str,
        *,
        image: str | None = None,
        cwd: str | None = None,
        timeout: float | None = None,
        max_output: int = DEFAULT_MAX_OUTPUT,
        **options: Any,
    ) -> Sandbox:
        cwd = cwd or self.options.get("cwd")
        if cwd:
            cwd = os.path.abspath(os.path.expanduser(cwd))
            os.makedirs(cwd, exist_ok=True)
            owns = False
        else:
            cwd = tempfile.mkdtemp(prefix=f"hermes-{safe_fragment(task_id)}-")
            owns = True
        return LocalSandbox(
            task_id,
            cwd,
            owns_cwd=owns,
            timeout=float(timeout or self.options.get("timeout") or DEFAULT_TIMEOUT),
            max_output=max_output,
            shell=options.get("shell") or self.options.get("shell") or "bash",
        )
