"""The ``ssh`` backend: one paramiko connection per task, timeouts enforced on the remote side.

Configuration: options ``host``, ``user``, ``port``, ``key`` (private key file), ``password``, else the
settings ``terminal.ssh.*`` (hermes-agent's variables ``TERMINAL_SSH_HOST``, ``TERMINAL_SSH_USER``,
``TERMINAL_SSH_PORT``, ``TERMINAL_SSH_KEY``; see :mod:`hermes_backend_ssh`).
Each command runs under ``timeout -s KILL`` in its own process group on the remote,
so a runaway command dies there even if our connection drops; a client-side deadline backs that up.
A command is done when the remote reports its exit status (background jobs that hold the channel open
get a short grace, not a wait): they live until ``cleanup()``, which kills every process carrying the
sandbox's ``HERMES_SANDBOX_ID`` environment marker (the remote needs ``/proc`` for that).
"""

from __future__ import annotations

import getpass
import importlib.util
import os
import posixpath
import shlex
import threading
import time
import uuid
from typing import Any

from hermes_core.sandboxes import configured
from hermes_core.terminal import (
    CLIENT_GRACE,
    KILL_MARKED_SCRIPT,
    PIPE_GRACE,
    TIMEOUT_EXIT_CODE,
    ExecResult,
    Sandbox,
    SandboxError,
    SandboxRequest,
    TailBuffer,
    TerminalBackend,
    new_exec_marker,
    remote_script,
    remote_seconds,
    remote_timed_out,
    timeout_note,
)


class SSHSandbox(Sandbox):
    """A task's directory on the remote host, reached through the task's own SSH connection."""

    def __init__(self, backend: SSHBackend, request: SandboxRequest, cwd: str | None) -> None:
        self.backend = backend
        self.task_id = request.task_id
        self.timeout = request.timeout
        self.max_output = request.max_output
        self._client = None
        self._lock = threading.Lock()
        self._closed = False
        self._marker = f"HERMES_SANDBOX_ID={uuid.uuid4().hex}"
        self.reconnects = 0
        self._owns_cwd = not cwd
        if cwd:
            self.cwd = cwd
            result = self._run(f"mkdir -p -- {shlex.quote(cwd)}", timeout=30)
        else:
            result = self._run(f"mktemp -d /tmp/hermes-{request.slug}-XXXXXXXX", timeout=30)
            self.cwd = (
                result.output.strip().splitlines()[-1] if result.exit_code == 0 and result.output else ""
            )
        if result.exit_code != 0 or not self.cwd:
            self.cleanup()
            raise SandboxError(f"ssh: could not prepare the working directory: {result.output.strip()}")

    # -- connection ----------------------------------------------------------------------------------

    def _connect(self):
        import paramiko

        client = paramiko.SSHClient()
        if self.backend.known_hosts:
            client.load_host_keys(self.backend.known_hosts)
            client.set_missing_host_key_policy(paramiko.RejectPolicy())
        else:
            client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
        try:
            client.connect(**self.backend.connect_kwargs())
        except Exception as exc:
            client.close()
            raise SandboxError(
                f"ssh: cannot connect to {self.backend.user}@{self.backend.host}:{self.backend.port}: {exc}"
            ) from exc
        transport = client.get_transport()
        if transport is not None:
            transport.set_keepalive(30)
        return client

    def _transport(self):
        """The live transport, reconnecting if the connection dropped."""
        with self._lock:
            if self._closed:
                raise SandboxError(f"ssh sandbox for task {self.task_id!r} was cleaned up")
            transport = self._client.get_transport() if self._client is not None else None
            if transport is None or not transport.is_active():
                if self._client is not None:
                    self._client.close()
                    self.reconnects += 1
                self._client = self._connect()
                transport = self._client.get_transport()
            return transport

    def _open_channel(self):
        import paramiko

        for attempt in (1, 2):
            try:
                return self._transport().open_session()
            except (paramiko.SSHException, EOFError, OSError):
                if attempt == 2:
                    raise
                with self._lock:  # the transport looked alive but was not: force a reconnect
                    if self._client is not None:
                        self._client.close()
        raise AssertionError("unreachable")

    # -- commands ------------------------------------------------------------------------------------

    def _run(self, remote: str, timeout: float) -> ExecResult:
        """Run ``remote`` through the login shell (setup and housekeeping commands)."""
        output, code = self._stream(remote, timeout)
        if code is None:
            return ExecResult(output + timeout_note(timeout), TIMEOUT_EXIT_CODE)
        return ExecResult(output, code)

    def _stream(self, remote: str, timeout: float) -> tuple[str, int | None]:
        """Run ``remote``; return its bounded output and exit status (``None``: the client deadline passed).

        The command is over once the remote side reports its exit status: a background job (``server &``)
        may hold the channel open for hours, so after the exit status we read only for :data:`PIPE_GRACE`.
        """
        try:
            channel = self._open_channel()
        except SandboxError:
            raise
        except Exception as exc:
            raise SandboxError(f"ssh: cannot open a session: {type(exc).__name__}: {exc}") from exc
        buffer = TailBuffer(self.max_output)  # bounded memory whatever the command prints
        deadline = time.monotonic() + timeout + CLIENT_GRACE
        exited_at: float | None = None
        try:
            channel.set_combine_stderr(True)
            channel.settimeout(0.1)
            channel.exec_command(remote)
            while True:
                try:
                    data = channel.recv(65536)
                except TimeoutError:
                    data = None
                if data:
                    buffer.feed(data)
                    continue
                now = time.monotonic()
                if channel.exit_status_ready():
                    if data == b"":  # exited and every writer closed the output: done
                        break
                    if exited_at is None:
                        exited_at = now
                    elif now - exited_at >= PIPE_GRACE:  # a background job holds the output open
                        break
                    continue
                if data == b"":
                    time.sleep(0.01)
                if now > deadline:
                    buffer.feed(b"", final=True)
                    return buffer.text(), None
            code = channel.recv_exit_status()
        finally:
            channel.close()
        buffer.feed(b"", final=True)
        return buffer.text(), (code if code >= 0 else 137)

    def _kill_marked(self, marker: str) -> None:
        """Kill every remote process whose environment carries ``marker`` (best effort)."""
        try:
            self._stream(f"sh -c {shlex.quote(KILL_MARKED_SCRIPT)} kill {shlex.quote(marker)}", 5)
        except Exception:
            pass

    def execute(self, command: str, cwd: str | None = None, timeout: float | None = None) -> ExecResult:
        workdir = posixpath.join(self.cwd, cwd) if cwd else self.cwd
        limit = self.limit(timeout)
        exec_marker = new_exec_marker()
        # Markers in the environment let us find (and kill) what this command and this task started, even
        # after the command's process group has lost its leader.
        remote = f"export {self._marker} {exec_marker}; {remote_script(command, workdir, limit)}"
        start = time.monotonic()
        output, code = self._stream(remote, remote_seconds(limit))
        if remote_timed_out(code, start, limit):
            # `timeout` killed the command's group; what left it (setsid, a double fork) carries the marker
            self._kill_marked(exec_marker)
            return ExecResult(output + timeout_note(limit), TIMEOUT_EXIT_CODE)
        return ExecResult(output, code)

    def cleanup(self) -> None:
        with self._lock:
            if self._closed:
                return
            client = self._client
        if client is not None:
            # background jobs the task left running (``server &``) go with the sandbox
            self._kill_marked(self._marker)
            if self._owns_cwd and getattr(self, "cwd", ""):
                try:
                    self._run(f"rm -rf -- {shlex.quote(self.cwd)}", timeout=30)
                except Exception:
                    pass
        with self._lock:
            self._closed = True
            client, self._client = self._client, None
        if client is not None:
            client.close()

    def is_alive(self) -> bool:
        if self._closed:
            return False
        try:
            return self._transport().is_active()
        except Exception:
            return False


class SSHBackend(TerminalBackend):
    """Run each task's commands on a remote host over SSH."""

    name = "ssh"

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)

        def pick(option: str, default: Any = None) -> Any:
            value = options.get(option)
            if value is None:
                value = configured(f"terminal.ssh.{option}")
            return default if value is None or value == "" else value

        self.host = pick("host", "")
        self.user = pick("user") or getpass.getuser()
        self.port = int(pick("port", 22))
        self.key = pick("key")
        self.password = pick("password")
        self.known_hosts = pick("known_hosts")
        self.connect_timeout = float(pick("connect_timeout", 15))

    def connect_kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            "hostname": self.host,
            "port": self.port,
            "username": self.user,
            "timeout": self.connect_timeout,
            "banner_timeout": self.connect_timeout,
            "auth_timeout": self.connect_timeout,
        }
        if self.key:
            kwargs.update(key_filename=os.path.expanduser(self.key), allow_agent=False, look_for_keys=False)
        if self.password:
            kwargs["password"] = self.password
        return kwargs

    def unavailable_reason(self) -> str | None:
        if importlib.util.find_spec("paramiko") is None:
            return "the paramiko package is not installed (pip install hermes-backend-ssh)"
        if not self.host:
            return "no host configured: set TERMINAL_SSH_HOST (and TERMINAL_SSH_USER, _PORT, _KEY)"
        if self.key and not os.path.exists(os.path.expanduser(self.key)):
            return f"TERMINAL_SSH_KEY points to a missing file: {self.key}"
        return None

    def create_sandbox(self, request: SandboxRequest) -> Sandbox:
        reason = self.unavailable_reason()
        if reason:
            raise SandboxError(f"ssh backend unavailable: {reason}")
        return SSHSandbox(self, request, request.cwd or self.options.get("cwd"))
