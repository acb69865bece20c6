"""The ``local`` backend: commands run on this machine, one working directory per task.

Each command is a fresh ``bash -c`` in its own session with a clean environment (an allow-list, see
:func:`hermes_core.process.clean_environment`), optional resource limits, and two markers in its
environment, so that a timeout or ``cleanup()`` kills everything the task started — ``setsid`` children
included — and a later start reclaims what a ``kill -9`` of hermes left.
"""

from __future__ import annotations

import os
import shutil
import threading
import uuid
from typing import Any

from hermes_core.process import (
    DEFAULT_ENV_ALLOW,
    ResourceLimits,
    clean_environment,
    kill_group,
    kill_marked,
    owned_tempdir,
    reclaim_orphans,
    run_process,
)
from hermes_core.terminal import ExecResult, Sandbox, SandboxRequest, TerminalBackend

_reclaimed = threading.Event()


class LocalSandbox(Sandbox):
    """A working directory on this machine; each command is a fresh ``bash -c`` in its own session."""

    def __init__(
        self,
        task_id: str,
        cwd: str,
        *,
        owns_cwd: bool,
        timeout: float,
        max_output: int,
        shell: str = "bash",
        env: dict[str, str] | None = None,
        limits: ResourceLimits | None = None,
    ) -> None:
        self.task_id = task_id
        self.cwd = cwd
        self.timeout = timeout
        self.max_output = max_output
        self.shell = shell
        self.env = env
        self.limits = limits
        self.marker = f"HERMES_SANDBOX_ID={uuid.uuid4().hex}"
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
        env = dict(self.env if self.env is not None else os.environ)
        name, _, value = self.marker.partition("=")
        env[name] = value  # the task's marker; run_process adds the command's own
        return run_process(
            [self.shell, "-c", command],
            cwd=workdir,
            timeout=self.limit(timeout),
            max_output=self.max_output,
            env=env,
            on_start=self._remember,
            marker=f"HERMES_EXEC_ID={uuid.uuid4().hex}",
            limits=self.limits,
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
        kill_marked(self.marker)  # what left the group (setsid, double fork) still carries the marker
        if self._owns_cwd:
            shutil.rmtree(self.cwd, ignore_errors=True)

    def is_alive(self) -> bool:
        return not self._closed and os.path.isdir(self.cwd)


def _setting(key: str) -> Any:
    from hermes_core.sandboxes import configured

    return configured(key)


class LocalBackend(TerminalBackend):
    """Runs commands on this machine in a per-task directory (a fresh temporary one unless ``cwd``).

    Options (else settings): ``env_allow`` (names passed to commands; ``terminal.env_allow``),
    ``max_processes`` / ``max_memory_mb`` / ``max_file_size_mb`` (``terminal.local.*``), ``shell``.
    """

    name = "local"

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        if not _reclaimed.is_set():  # once per process: what a kill -9 of an earlier hermes left behind
            _reclaimed.set()
            reclaim_orphans()

    def _option(self, key: str, setting: str) -> Any:
        value = self.options.get(key)
        return value if value is not None else _setting(setting)

    def environment(self) -> dict[str, str]:
        allow = self._option("env_allow", "terminal.env_allow")
        return clean_environment(DEFAULT_ENV_ALLOW if allow is None else allow)

    def limits(self) -> ResourceLimits:
        return ResourceLimits(
            processes=self._option("max_processes", "terminal.local.max_processes"),
            memory_mb=self._option("max_memory_mb", "terminal.local.max_memory_mb"),
            file_size_mb=self._option("max_file_size_mb", "terminal.local.max_file_size_mb"),
        )

    def create_sandbox(self, request: SandboxRequest) -> Sandbox:
        cwd = request.cwd or self.options.get("cwd")
        if cwd:
            cwd = os.path.abspath(os.path.expanduser(cwd))
            os.makedirs(cwd, exist_ok=True)
            owns = False
        else:
            cwd = owned_tempdir(request.task_id)
            owns = True
        limits = self.limits()
        return LocalSandbox(
            request.task_id,
            cwd,
            owns_cwd=owns,
            timeout=request.timeout,
            max_output=request.max_output,
            shell=request.option("shell") or self.options.get("shell") or "bash",
            env=self.environment(),
            limits=limits if limits else None,
        )
