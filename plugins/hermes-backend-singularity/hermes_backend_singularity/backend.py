"""The ``singularity`` backend: ``instance start`` per task, ``exec instance://…`` per command, then
``instance stop``.

Commands go through the host's ``apptainer exec`` process, run by the same process-group runner as the
local backend: a timeout kills the exec and everything it started inside the instance (they stay
descendants of it on the host). The task's working directory is a fresh host directory bound at
``/workspace`` inside the instance, unless a ``cwd`` inside the instance is given.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import threading
import uuid
from typing import Any

from hermes_core.process import (
    DEFAULT_ENV_ALLOW,
    clean_environment,
    kill_marked,
    owned_tempdir,
    run_process,
)
from hermes_core.sandboxes import configured
from hermes_core.terminal import (
    ExecResult,
    Sandbox,
    SandboxError,
    SandboxRequest,
    TerminalBackend,
    new_exec_marker,
    shell_command,
    task_slug,
)

DEFAULT_IMAGE = "docker://python:3.11-slim"
HOST_ENV_ALLOW = ("APPTAINER*", "SINGULARITY*", "XDG_RUNTIME_DIR")
"""Variables the ``apptainer`` binary reads on the host (cache, bind paths, ``APPTAINERENV_*``)."""
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
        request: SandboxRequest,
        cwd: str,
        host_dir: str | None,
        shell: str,
        env: dict[str, str] | None = None,
    ) -> None:
        self.binary, self.instance, self.task_id, self.cwd = binary, instance, request.task_id, cwd
        self.host_dir, self.timeout, self.max_output = host_dir, request.timeout, request.max_output
        self.shell, self.env = shell, env
        self.marker = f"HERMES_SANDBOX_ID={uuid.uuid4().hex}"
        self._closed = False
        self._lock = threading.Lock()

    def execute(self, command: str, cwd: str | None = None, timeout: float | None = None) -> ExecResult:
        if self._closed:
            raise SandboxError(f"singularity instance for task {self.task_id!r} was stopped")
        workdir = os.path.join(self.cwd, cwd) if cwd else self.cwd
        return self.run(self.exec_argv(shell_command(command, workdir)), self.limit(timeout))

    def run(self, argv: list[str], timeout: float) -> ExecResult:
        """``argv`` on the host with the sandbox's clean environment and markers (see ``run_process``)."""
        env = dict(self.env if self.env is not None else os.environ)
        name, _, value = self.marker.partition("=")
        env[name] = value
        marker = new_exec_marker()
        return run_process(argv, timeout=timeout, max_output=self.max_output, env=env, marker=marker)

    def exec_argv(self, script: str, shell: str | None = None) -> list[str]:
        return [self.binary, "exec", f"instance://{self.instance}", shell or self.shell, "-c", script]

    def cleanup(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
        subprocess.run([self.binary, "instance", "stop", self.instance], capture_output=True, timeout=60)
        kill_marked(self.marker)
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
    """One Apptainer/Singularity instance per task, image from ``terminal.singularity.image``.

    The host's ``apptainer`` runs with the clean sandbox environment (``terminal.env_allow``), so that
    no key of ours reaches the instance even without ``--cleanenv``.
    """

    name = "singularity"

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)

        def pick(option: str, default: Any = None) -> Any:
            value = options.get(option)
            if value is None:
                value = configured(f"terminal.singularity.{option}")
            return default if value is None else value

        self.binary_name = pick("binary")
        self.image = pick("image", DEFAULT_IMAGE)
        extra = pick("extra_args", [])
        self.extra_args = extra.split() if isinstance(extra, str) else list(extra)
        self.contain = pick("contain", True)

    def unavailable_reason(self) -> str | None:
        if find_binary(self.binary_name) is None:
            return "neither apptainer nor singularity is on PATH (or set TERMINAL_SINGULARITY_BINARY)"
        return None

    def environment(self) -> dict[str, str]:
        """The sandbox allow-list plus what the host's apptainer itself reads (its own variables)."""
        allow = self.options.get("env_allow")
        if allow is None:
            allow = configured("terminal.env_allow")
        if allow is None:
            allow = DEFAULT_ENV_ALLOW
        if isinstance(allow, str):
            allow = allow.replace(",", " ").split()
        return clean_environment([*allow, *HOST_ENV_ALLOW])

    def create_sandbox(self, request: SandboxRequest) -> Sandbox:
        binary = find_binary(self.binary_name)
        if binary is None:
            raise SandboxError(f"singularity backend unavailable: {self.unavailable_reason()}")
        instance = f"hermes_{task_slug(request.task_id, 32, chars='_')}_{uuid.uuid4().hex[:8]}"
        env = self.environment()
        argv = [binary, "instance", "start"]
        if self.contain:
            argv += ["--contain", "--cleanenv"]
        host_dir = None
        if request.cwd:
            workdir = request.cwd
        else:
            host_dir = owned_tempdir(request.task_id)
            argv += ["--bind", f"{host_dir}:{WORKSPACE}"]
            workdir = WORKSPACE
        argv += [*self.extra_args, request.image or self.image, instance]
        started = subprocess.run(argv, capture_output=True, text=True, timeout=600, env=env)
        if started.returncode != 0:
            if host_dir:
                shutil.rmtree(host_dir, ignore_errors=True)
            detail = (started.stderr or started.stdout).strip()[-500:]
            raise SandboxError(
                f"{os.path.basename(binary)} instance start failed ({started.returncode}): {detail}"
            )
        sandbox = SingularitySandbox(binary, instance, request, workdir, host_dir, "sh", env)
        probe = sandbox.run(
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
