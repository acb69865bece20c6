"""The ``docker`` backend: one container per task, limited, offline by default, removed on cleanup.

The working directory is a path *inside* the container (hermes-agent once passed a host path as the
container workdir). A timeout kills every process the command started: each command carries a unique
``HERMES_EXEC_ID`` in its environment, and on timeout a second exec kills every process whose
environment holds it, which works in any image that has ``/proc`` and a shell (busybox included).
"""

from __future__ import annotations

import importlib.util
import os
import posixpath
import re
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
    cap_output,
    shell_command,
    timeout_result,
)

DEFAULT_IMAGE = "python:3.11-slim"
DEFAULT_CWD = "/workspace"
KILL_SCRIPT = (
    'for p in /proc/[0-9]*; do [ "${p#/proc/}" = "$$" ] && continue; '
    "if tr '\\0' '\\n' < $p/environ 2>/dev/null | grep -qx \"HERMES_EXEC_ID=$1\"; then "
    'kill -9 "${p#/proc/}" 2>/dev/null; fi; done'
)


class DockerSandbox(Sandbox):
    def __init__(self, backend: DockerBackend, client, container, task_id: str, cwd: str, timeout: float,
                 max_output: int) -> None:  # fmt: skip
        self.backend = backend
        self.client = client
        self.container = container
        self.task_id = task_id
        self.cwd = cwd
        self.timeout = timeout
        self.max_output = max_output
        self._closed = False
        self._lock = threading.Lock()
        probe = self._exec(["sh", "-c", "command -v bash >/dev/null 2>&1 && echo bash || echo sh"], None)
        self.shell = probe[0].strip() or "sh"

    def _exec(self, argv: list[str], environment: dict[str, str] | None) -> tuple[str, int]:
        api = self.client.api
        exec_id = api.exec_create(self.container.id, argv, environment=environment, workdir=self.cwd)["Id"]
        output = api.exec_start(exec_id).decode("utf-8", errors="replace")
        return output, api.exec_inspect(exec_id).get("ExitCode") or 0

    def execute(self, command: str, cwd: str | None = None, timeout: float | None = None) -> ExecResult:
        if self._closed:
            raise SandboxError(f"docker sandbox for task {self.task_id!r} was cleaned up")
        workdir = posixpath.join(self.cwd, cwd) if cwd else self.cwd
        limit = float(timeout) if timeout else self.timeout
        token = uuid.uuid4().hex
        api = self.client.api
        try:
            exec_id = api.exec_create(
                self.container.id,
                [self.shell, "-c", shell_command(command, workdir)],
                environment={"HERMES_EXEC_ID": token},
                workdir=self.cwd,
            )["Id"]
            stream = api.exec_start(exec_id, stream=True)
        except Exception as exc:
            raise SandboxError(f"docker: exec failed in container {self.container.short_id}: {exc}") from exc
        chunks: list[bytes] = []

        def pump() -> None:
            try:
                for chunk in stream:
                    chunks.append(chunk)
                    if len(chunks) > 4096:  # keep memory bounded; the tail is what we report
                        joined = b"".join(chunks)[-(self.max_output * 4 + 4096) :]
                        chunks[:] = [joined]
            except Exception:
                pass

        reader = threading.Thread(target=pump, daemon=True)
        reader.start()
        reader.join(limit)
        if reader.is_alive():
            try:
                self._exec(["sh", "-c", KILL_SCRIPT, "kill", token], None)
            except Exception:
                pass
            reader.join(5)
            return timeout_result(b"".join(chunks).decode("utf-8", errors="replace"), limit, self.max_output)
        code = api.exec_inspect(exec_id).get("ExitCode")
        output = b"".join(chunks).decode("utf-8", errors="replace")
        return ExecResult(cap_output(output, self.max_output), 0 if code is None else code)

    def cleanup(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
        try:
            self.container.remove(force=True)
        except Exception as exc:
            if type(exc).__name__ != "NotFound":
                raise

    def is_alive(self) -> bool:
        if self._closed:
            return False
        try:
            self.container.reload()
        except Exception:
            return False
        return self.container.status == "running"


def _remove_quietly(client, ref: str) -> None:
    """Remove the container ``ref`` (id or name) if it exists: it may never have been created."""
    try:
        client.api.remove_container(ref, force=True)
    except Exception:
        pass


class DockerBackend(TerminalBackend):
    """One container per task from ``TERMINAL_DOCKER_IMAGE``; no network unless configured."""

    name = "docker"

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        env = os.environ
        self.image = options.get("image") or env.get("TERMINAL_DOCKER_IMAGE") or DEFAULT_IMAGE
        self.memory = options.get("memory") or env.get("TERMINAL_DOCKER_MEMORY") or "2g"
        self.cpus = float(options.get("cpus") or env.get("TERMINAL_DOCKER_CPUS") or 1.0)
        self.pids_limit = int(options.get("pids_limit") or env.get("TERMINAL_DOCKER_PIDS_LIMIT") or 512)
        self.network = options.get("network") or env.get("TERMINAL_DOCKER_NETWORK") or "none"
        self.cwd = options.get("cwd") or env.get("TERMINAL_DOCKER_CWD") or DEFAULT_CWD
        self._client = None

    def client(self):
        if self._client is None:
            import docker

            self._client = docker.from_env()
        return self._client

    def unavailable_reason(self) -> str | None:
        if importlib.util.find_spec("docker") is None:
            return "the docker package is not installed (pip install hermes-backend-docker)"
        try:
            self.client().ping()
        except Exception as exc:
            return f"no Docker engine reachable ({type(exc).__name__}); start dockerd or set DOCKER_HOST"
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
        image = image or self.image
        workdir = cwd if cwd and cwd.startswith("/") else posixpath.join(self.cwd, cwd or "")
        workdir = workdir.rstrip("/") or "/"
        slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", task_id)[:40].strip("._-") or "task"
        client = self.client()
        name = f"hermes-{slug}-{uuid.uuid4().hex[:8]}"
        config = dict(
            command=["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 3600 & wait $!; done"],
            name=name,
            labels={"hermes.task_id": task_id[:200], "hermes.backend": "docker"},
            working_dir=workdir,
            network_mode=options.get("network") or self.network,
            mem_limit=options.get("memory") or self.memory,
            nano_cpus=int(float(options.get("cpus") or self.cpus) * 1e9),
            pids_limit=int(options.get("pids_limit") or self.pids_limit),
            stdin_open=False,
            tty=False,
        )
        # create + start rather than run(): when start fails (a missing network, a bad limit) the created
        # container must not be left behind in state "Created".
        container = None
        try:
            try:
                container = client.containers.create(image, **config)
            except Exception as exc:
                if type(exc).__name__ != "ImageNotFound":
                    raise
                client.images.pull(image)
                container = client.containers.create(image, **config)
            container.start()
        except BaseException as exc:
            # by id when we got one; else by name (the engine may have created it before the call failed),
            # unless the name was taken by somebody else's container
            if container is not None or getattr(exc, "status_code", None) != 409:
                _remove_quietly(client, container.id if container is not None else name)
            if not isinstance(exc, Exception):
                raise
            raise SandboxError(f"docker: cannot start a container from image {image!r}: {exc}") from exc
        try:
            sandbox = DockerSandbox(
                self, client, container, task_id, workdir, float(timeout or DEFAULT_TIMEOUT), max_output
            )
            out, code = sandbox._exec(["mkdir", "-p", workdir], None)
            if code != 0:
                raise SandboxError(f"docker: cannot create {workdir} in the container: {out.strip()}")
        except BaseException:
            try:
                container.remove(force=True)
            except Exception:
                pass
            raise
        return sandbox

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None


__all__ = ["DockerBackend", "DockerSandbox"]
