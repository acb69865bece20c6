"""The ``singularity`` backend: ``instance start`` per task, ``exec instance://…`` per command, then
``instance stop``.

Commands go through the host's ``apptainer exec`` process, run by the same process-group runner as the
local backend: a timeout kills the exec and everything it started inside the instance (they stay
descendants of it on the host). The task's working directory is a fresh host directory bound at
``/workspace`` inside the instance, unless a ``cwd`` inside the instance is given.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import tempfile
import threading
import uuid
from typing import Any

from hermes_core.terminal import (
    DEFAULT_MAX_OUTPUT,
    DEFAULT_TIMEOUT,
    ExecResult,
    Sandbox,
    SandboxError,
    TerminalBackend,
    shell_command,
)

DEFAULT_IMAGE = "docker://python:3.11-slim"
WORKSPACE = "/workspace"


def find_binary(preferred: str | None = None) -> str | None:
    for name in (preferred, "apptainer", "singularity"):
        if name and (path := shutil.which(name)):
            return path
    return None


class SingularitySandbox(Sandbox):
    def __init__(
        self,
        binary: str,
        instance: str,
        task_id: str,
        cwd: str,
        host_dir: str | None,
        timeout: float,
        max_output: int,
        shell: str,
    ) -> None:
        self.binary, self.instance, self.task_id, self.cwd = binary, instance, task_id, cwd
        self.host_dir, self.timeout, self.max_output, self.shell = host_dir, timeout, max_output, shell
        self._closed = False
        self._lock = threading.Lock()

    def execute(self, command: str, cwd: str | None = None, timeout: float | None = None) -> ExecResult:
        from hermes_core.process import run_process

        if self._closed:
            raise SandboxError(f"singularity instance for task {self.task_id!r} was stopped")
        workdir = os.path.join(self.cwd, cwd) if cwd else self.cwd
        return run_process(
            self.exec_argv(shell_command(command, workdir)),
            timeout=float(timeout) if timeout else self.timeout,
            max_output=self.max_output,
        )

    def exec_argv(self, script: str, shell: str | None = None) -> list[str]:
        return [self.binary, "exec", f"instance://{self.instance}", shell or self.shell, "-c", script]

    def cleanup(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
        subprocess.run([self.binary, "instance", "stop", self.instance], capture_output=True, timeout=60)
        if self.host_dir:
            shutil.rmtree(self.host_dir, ignore_errors=True)

    def is_alive(self) -> bool:
        if self._closed:
            return False
        listed = subprocess.run(
            [self.binary, "instance", "list", self.instance], capture_output=True, text=True
        )
        return listed.returncode == 0 and self.instance in listed.stdout


class SingularityBackend(TerminalBackend):
    """One Apptainer/Singularity instance per task, image from ``TERMINAL_SINGULARITY_IMAGE``."""

    name = "singularity"

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        env = os.environ
        self.binary_name = options.get("binary") or env.get("TERMINAL_SINGULARITY_BINARY")
        self.image = options.get("image") or env.get("TERMINAL_SINGULARITY_IMAGE") or DEFAULT_IMAGE
        self.extra_args = list(options.get("extra_args") or env.get("TERMINAL_SINGULARITY_ARGS", "").split())
        self.contain = options.get("contain", True)

    def unavailable_reason(self) -> str | None:
        if find_binary(self.binary_name) is None:
            return "neither apptainer nor singularity is on PATH (or set TERMINAL_SINGULARITY_BINARY)"
        return None

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
        binary = find_binary(self.binary_name)
        if binary is None:
            raise SandboxError(f"singularity backend unavailable: {self.unavailable_reason()}")
        slug = re.sub(r"[^A-Za-z0-9_]+", "_", task_id)[:32].strip("_") or "task"
        instance = f"hermes_{slug}_{uuid.uuid4().hex[:8]}"
        argv = [binary, "instance", "start"]
        if self.contain:
            argv += ["--contain", "--cleanenv"]
        host_dir = None
        if cwd:
            workdir = cwd
        else:
            host_dir = tempfile.mkdtemp(prefix=f"hermes-{slug}-")
            argv += ["--bind", f"{host_dir}:{WORKSPACE}"]
            workdir = WORKSPACE
        argv += [*self.extra_args, image or self.image, instance]
        started = subprocess.run(argv, capture_output=True, text=True, timeout=600)
        if started.returncode != 0:
            if host_dir:
                shutil.rmtree(host_dir, ignore_errors=True)
            detail = (started.stderr or started.stdout).strip()[-500:]
            raise SandboxError(
                f"{os.path.basename(binary)} instance start failed ({started.returncode}): {detail}"
            )
        sandbox = SingularitySandbox(
            binary, instance, task_id, workdir, host_dir, float(timeout or DEFAULT_TIMEOUT), max_output,
            "sh",
        )  # fmt: skip
        from hermes_core.process import run_process

        probe = run_process(
            sandbox.exec_argv(
                f"mkdir -p -- {shlex.quote(workdir)} && (command -v bash || echo sh)", shell="sh"
            ),
            timeout=120,
        )
        if probe.exit_code != 0:
            sandbox.cleanup()
            raise SandboxError(f"cannot prepare {workdir} in the instance: {probe.output.strip()[-300:]}")
        sandbox.shell = "bash" if probe.output.strip().endswith("bash") else "sh"
        return sandbox
