"""Our side of the sandbox executor (:mod:`.executor`): an HTTP client and the slot as a ``Sandbox``."""

from __future__ import annotations

import json
import posixpath
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from typing import Any

from hermes_core.terminal import (
    CLIENT_GRACE,
    TIMEOUT_EXIT_CODE,
    ExecResult,
    Sandbox,
    SandboxError,
    SandboxRequest,
    timeout_note,
)

HEALTH_SECONDS = 5.0


class ExecutorClient:
    """Calls one executor with the job's bearer token."""

    def __init__(self, base_url: str, token: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token

    def _call(self, method: str, path: str, *, body: bytes | None = None, timeout: float,
              query: dict[str, str] | None = None) -> tuple[int, bytes]:  # fmt: skip
        url = self.base_url + path + (f"?{urllib.parse.urlencode(query)}" if query else "")
        request = urllib.request.Request(url, data=body, method=method)
        request.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()

    def health(self) -> dict[str, Any] | None:
        """``{"ok": True, "cwd": ...}`` from a serving executor; ``None`` when it does not answer so."""
        try:
            status, body = self._call("GET", "/health", timeout=HEALTH_SECONDS)
            answer = json.loads(body or b"{}")
        except (OSError, ValueError):
            return None
        return answer if status == 200 and answer.get("ok") is True else None

    def healthy(self) -> bool:
        return self.health() is not None

    def execute(self, command: str, cwd: str, timeout: float, max_output: int) -> dict[str, Any]:
        payload = json.dumps({"command": command, "cwd": cwd, "timeout": timeout, "max_output": max_output})
        status, body = self._call(
            "POST", "/exec", body=payload.encode(), timeout=timeout + CLIENT_GRACE + HEALTH_SECONDS
        )
        if status != 200:
            raise SandboxError(
                f"executor {self.base_url}: HTTP {status} {body[:200].decode(errors='replace')}"
            )
        return json.loads(body)

    def reset(self) -> None:
        self._call("POST", "/reset", body=b"{}", timeout=30.0)

    def upload(self, path: str, data: bytes) -> None:
        status, body = self._call("PUT", "/files", body=data, timeout=60.0, query={"path": path})
        if status != 200:
            raise SandboxError(f"executor: cannot write {path}: {body[:200].decode(errors='replace')}")

    def download(self, path: str) -> bytes:
        status, body = self._call("GET", "/files", timeout=60.0, query={"path": path})
        if status == 404:
            raise FileNotFoundError(path)
        if status != 200:
            raise SandboxError(f"executor: cannot read {path}: {body[:200].decode(errors='replace')}")
        return body


class ExecutorSandbox(Sandbox):
    """One slot: commands and files go through its executor; ``cleanup`` resets the slot and frees it."""

    def __init__(self, client: ExecutorClient, request: SandboxRequest, cwd: str, *,
                 on_cleanup: Callable[[], None], on_dead: Callable[[], None], slot: str) -> None:  # fmt: skip
        self.client = client
        self.task_id = request.task_id
        self.cwd = cwd
        self.timeout = request.timeout
        self.max_output = request.max_output
        self.slot = slot
        self._on_cleanup, self._on_dead = on_cleanup, on_dead
        self._closed = False
        self._lock = threading.Lock()
        self.execute(f"mkdir -p {_quote(cwd)}", cwd="/")

    def _path(self, path: str) -> str:
        return path if path.startswith("/") else posixpath.join(self.cwd, path)

    def execute(self, command: str, cwd: str | None = None, timeout: float | None = None) -> ExecResult:
        if self._closed:
            raise SandboxError(f"nomad slot for task {self.task_id!r} was cleaned up")
        limit = self.limit(timeout)
        workdir = posixpath.join(self.cwd, cwd) if cwd else self.cwd
        try:
            answer = self.client.execute(command, workdir, limit, self.max_output)
        except OSError as exc:  # the allocation went away under the command
            raise SandboxError(f"nomad slot {self.slot}: executor unreachable ({exc})") from exc
        if answer.get("timed_out"):
            return ExecResult(answer["output"] + timeout_note(limit), TIMEOUT_EXIT_CODE)
        return ExecResult(answer["output"], int(answer["exit_code"]))

    def upload(self, path: str, data: bytes) -> None:
        """Write ``data`` to ``path`` (relative: under the task's folder), atomically."""
        self.client.upload(self._path(path), data)

    def download(self, path: str) -> bytes:
        return self.client.download(self._path(path))

    def is_alive(self) -> bool:
        return not self._closed and self.client.healthy()

    def cleanup(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
        try:
            self.client.reset()
        except OSError:
            self._on_dead()  # its allocation is gone: Nomad reschedules it, we never claim it again
            return
        self._on_cleanup()


def _quote(path: str) -> str:
    import shlex

    return shlex.quote(path)
