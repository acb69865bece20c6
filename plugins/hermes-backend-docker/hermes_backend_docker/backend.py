"""The ``docker`` backend: one container per task, limited, offline by default, removed on cleanup.

The working directory is a path *inside* the container (hermes-agent once passed a host path as the
container workdir). A timeout kills every process the command started: each command carries a unique
``HERMES_EXEC_ID`` in its environment, and on timeout a second exec kills every process whose
environment holds it, which works in any image that has ``/proc`` and a shell (busybox included).
Containers a dead hermes left behind are removed by the next one to start a container
(:mod:`hermes_backend_docker.orphans`).
"""

from __future__ import annotations

import importlib.util
import posixpath
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

from hermes_backend_docker.orphans import owner_labels, reclaim_once
from hermes_core.sandboxes import configured
from hermes_core.terminal import (
    KILL_MARKED_SCRIPT,
    TIMEOUT_EXIT_CODE,
    ExecResult,
    Sandbox,
    SandboxError,
    SandboxRequest,
    TailBuffer,
    TerminalBackend,
    new_exec_marker,
    shell_command,
    timeout_note,
)

DEFAULT_IMAGE = "python:3.11-slim"
DEFAULT_CWD = "/workspace"
STATUS_GRACE = 5.0
"""Seconds an exec may still be reported running after its output stream ended (more: the stream broke)."""


def exec_output(api: Any, exec_id: str) -> Iterator[bytes]:
    """Start exec ``exec_id`` and yield its output (stdout and stderr, as written), as
    ``api.exec_start(exec_id, stream=True)`` would, without losing its beginning.

    docker-py reads the hijacked connection from the raw socket beneath the buffered reader that parsed
    the HTTP response's headers, so output that arrived together with them (a short command on a busy
    engine) is dropped: 1 to 4 of 180 ``echo``s came back empty here. Reading the same buffered reader
    keeps it. The frames are Docker's multiplexed stream: an 8-byte header (stream, 0, 0, 0, big-endian
    length), then the data.
    """
    response = api._post_json(  # what exec_start posts (docker/api/exec_api.py)
        api._url("/exec/{0}/start", exec_id),
        headers={"Connection": "Upgrade", "Upgrade": "tcp"},
        data={"Tty": False, "Detach": False},
        stream=True,
    )
    api._raise_for_status(response)
    reader = response.raw._fp.fp  # http.client's buffered reader: holds what came with the headers

    def frames() -> Iterator[bytes]:
        try:
            while len(header := reader.read(8)) == 8:
                data = reader.read(int.from_bytes(header[4:], "big"))
                if data:
                    yield data
        finally:
            response.close()

    return frames()


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
        output = b"".join(exec_output(api, exec_id)).decode("utf-8", errors="replace")
        return output, self._exit_code(exec_id) or 0

    def execute(self, command: str, cwd: str | None = None, timeout: float | None = None) -> ExecResult:
        if self._closed:
            raise SandboxError(f"docker sandbox for task {self.task_id!r} was cleaned up")
        workdir = posixpath.join(self.cwd, cwd) if cwd else self.cwd
        limit = self.limit(timeout)
        marker = new_exec_marker()
        api = self.client.api
        try:
            exec_id = api.exec_create(
                self.container.id,
                [self.shell, "-c", shell_command(command, workdir)],
                environment=dict([marker.split("=", 1)]),
                workdir=self.cwd,
            )["Id"]
            stream = exec_output(api, exec_id)
        except Exception as exc:
            raise SandboxError(f"docker: exec failed in container {self.container.short_id}: {exc}") from exc
        output = TailBuffer(self.max_output)  # bounded memory whatever the command prints
        broken: list[Exception] = []

        def pump() -> None:
            try:
                for chunk in stream:
                    output.feed(chunk)
            except Exception as exc:  # reported below: never an empty output passed off as the result
                broken.append(exc)
            finally:
                output.feed(b"", final=True)

        reader = threading.Thread(target=pump, daemon=True)
        reader.start()
        reader.join(limit)
        if reader.is_alive():
            self._kill_exec(marker)
            reader.join(5)
            return ExecResult(output.text() + timeout_note(limit), TIMEOUT_EXIT_CODE)
        code = None if broken else self._exit_code(exec_id)
        if code is None:
            self._kill_exec(marker)
            why = f"{type(broken[0]).__name__}: {broken[0]}" if broken else "it ended before the command"
            raise SandboxError(
                f"docker: lost the output stream of a command in container {self.container.short_id} "
                f"({' '.join(why.split())}); the command was killed"
            )
        return ExecResult(output.text(), code)

    def _exit_code(self, exec_id: str) -> int | None:
        """The exec's exit status once the engine reports it done (the end of its output stream may come
        a moment first), or ``None`` if it still runs :data:`STATUS_GRACE` seconds after its stream ended."""
        deadline = time.monotonic() + STATUS_GRACE
        while True:
            try:
                state = self.client.api.exec_inspect(exec_id)
            except Exception as exc:  # the container is gone (removed, out of memory)
                raise SandboxError(
                    f"docker: no exit status for a command in container {self.container.short_id}: {exc}"
                ) from exc
            if not state.get("Running"):
                return state.get("ExitCode") or 0
            if time.monotonic() > deadline:
                return None
            time.sleep(0.05)

    def _kill_exec(self, marker: str) -> None:
        """Kill what the command with ``marker`` started (best effort: the container may be gone)."""
        try:
            self._exec(["sh", "-c", KILL_MARKED_SCRIPT, "kill", marker], None)
        except Exception:
            pass

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
    """One container per task from ``terminal.docker.image``; no network unless configured.

    Each setting (see :mod:`hermes_backend_docker`) can be overridden by the option of the same name.
    """

    name = "docker"

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)

        def pick(option: str, default: Any) -> Any:
            value = options.get(option)
            if value is None:
                value = configured(f"terminal.docker.{option}")
            return default if value is None else value

        self.image = pick("image", DEFAULT_IMAGE)
        self.memory = pick("memory", "2g")
        self.cpus = float(pick("cpus", 1.0))
        self.pids_limit = int(pick("pids_limit", 512))
        self.network = pick("network", "none")
        self.cwd = pick("cwd", DEFAULT_CWD)
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

    def create_sandbox(self, request: SandboxRequest) -> Sandbox:
        image = request.image or self.image
        cwd = request.cwd
        workdir = cwd if cwd and cwd.startswith("/") else posixpath.join(self.cwd, cwd or "")
        workdir = workdir.rstrip("/") or "/"
        client = self.client()
        reclaim_once(client.api)  # what a hermes killed with -9 left on this machine
        name = f"hermes-{request.slug}-{uuid.uuid4().hex[:8]}"
        config = dict(
            command=["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 3600 & wait $!; done"],
            name=name,
            # the process that owns it: a job's or a dead host's containers can be told from any other's
            labels={"hermes.task_id": request.task_id[:200], "hermes.backend": "docker", **owner_labels()},
            working_dir=workdir,
            network_mode=request.option("network", self.network),
            mem_limit=request.option("memory", self.memory),
            nano_cpus=int(float(request.option("cpus", self.cpus)) * 1e9),
            pids_limit=int(request.option("pids_limit", self.pids_limit)),
            environment=dict(request.option("environment", {})) or None,  # e.g. a Harbor task's compose env
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
                self, client, container, request.task_id, workdir, request.timeout, request.max_output
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
