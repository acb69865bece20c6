"""The ``local`` backend: commands run on this machine, one working directory per task.

Each command is a fresh ``bash -c`` in its own session with a clean environment (an allow-list, see
:func:`hermes_core.process.clean_environment`), optional resource limits, and two markers in its
environment, so that a timeout or ``cleanup()`` kills everything the task started — ``setsid`` children
included — and a later start reclaims what a ``kill -9`` of hermes left.

Each command also runs isolated where ``bwrap`` works (:mod:`hermes_tools_terminal.isolation`: its own
PID namespace and ``/proc``, ``~/.hermes`` hidden), else under a child subreaper
(:mod:`hermes_core.subreaper`): either way a process that drops its markers (``setsid env -i ...``) is
still below something we kill at cleanup.
"""

from __future__ import annotations

import functools
import os
import shutil
import threading
import time
import uuid
from typing import Any

from hermes_core.process import (
    DEFAULT_ENV_ALLOW,
    TIMEOUT_EXIT_CODE,
    ResourceLimits,
    clean_environment,
    kill_marked,
    owned_tempdir,
    reaper_argv,
    reclaim_orphans,
    run_process,
)
from hermes_core.terminal import (
    ExecResult,
    Sandbox,
    SandboxError,
    SandboxRequest,
    TerminalBackend,
    new_exec_marker,
)
from hermes_tools_terminal.isolation import StartGate, bwrap_argv, describe, resolve

SETUP_ATTEMPTS = 3
"""How often a command is started when bwrap fails before running it (see :class:`StartGate`)."""

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
        isolation: str = "none",
    ) -> None:
        self.task_id = task_id
        self.isolation = isolation
        self.cwd = cwd
        self.timeout = timeout
        self.max_output = max_output
        self.shell = shell
        self.env = env
        self.limits = limits
        self.marker = f"HERMES_SANDBOX_ID={uuid.uuid4().hex}"
        self._owns_cwd = owns_cwd
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
        argv = [self.shell, "-c", command]
        run = functools.partial(
            run_process, cwd=workdir, timeout=self.limit(timeout), max_output=self.max_output, env=env,
            marker=new_exec_marker(), limits=self.limits,
        )  # fmt: skip
        if self.isolation != "bwrap":
            return run(reaper_argv(argv))
        for attempt in range(1, SETUP_ATTEMPTS + 1):
            with StartGate() as gate:
                result = run(bwrap_argv(argv, self.cwd, chdir=workdir, block_fd=gate.fd), pass_fds=(gate.fd,))
                if gate.passed() or result.exit_code == TIMEOUT_EXIT_CODE:
                    return result
            time.sleep(0.05 * attempt)  # the command never ran: the mount that moved has settled by now
        note = f"[bwrap could not set up the sandbox in {SETUP_ATTEMPTS} tries: the command did not run]"
        return ExecResult(f"{result.output.rstrip()}\n{note}", result.exit_code)

    def cleanup(self) -> None:
        """Kill what the task left running in the background and remove its temporary directory."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        # Every process a command started is marked, or below a marked namespace init or reaper, so
        # the marker finds them all. Process groups are not killed by id: a finished command's group id
        # is a pid the system reuses (32768 of them), and killing it could end another task's command.
        kill_marked(self.marker)
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
    ``max_processes`` / ``max_memory_mb`` / ``max_file_size_mb`` / ``isolation`` (``terminal.local.*``),
    ``shell``.
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

    def isolation(self) -> tuple[str, str | None]:
        """``(mode, note)``: ``bwrap`` or ``none`` here, and why not ``bwrap`` (see :mod:`.isolation`)."""
        return resolve(self._option("isolation", "terminal.local.isolation"))

    def unavailable_reason(self) -> str | None:
        try:
            self.isolation()
        except RuntimeError as exc:
            return str(exc)
        return None

    @classmethod
    def isolation_report(cls) -> tuple[bool, str]:
        """For ``hermes doctor``: whether local commands are isolated here, and a one-line account."""
        try:
            mode, note = cls().isolation()
        except RuntimeError as exc:
            return False, str(exc)
        return mode == "bwrap", describe(mode, note)

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
        try:
            mode, _ = self.isolation()
        except RuntimeError as exc:
            raise SandboxError(str(exc)) from None
        return LocalSandbox(
            request.task_id,
            cwd,
            owns_cwd=owns,
            timeout=request.timeout,
            max_output=request.max_output,
            shell=request.option("shell") or self.options.get("shell") or "bash",
            env=self.environment(),
            limits=limits if limits else None,
            isolation=mode,
        )
