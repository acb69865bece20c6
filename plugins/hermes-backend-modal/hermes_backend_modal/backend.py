"""The ``modal`` backend: one Modal sandbox per task, or a pool of warm ones (``terminal.modal.mode: pool``).

Settings (declared in :mod:`hermes_backend_modal`, hermes-agent's variables in brackets):
``terminal.modal.image`` (``TERMINAL_MODAL_IMAGE``, a registry tag), ``terminal.modal.mode``
(``TERMINAL_MODAL_MODE``: ``sandbox`` or ``pool``), ``terminal.modal.pool_max`` (``TERMINAL_MODAL_POOL_MAX``,
default 4), ``terminal.modal.app``, ``terminal.modal.lifetime`` (``TERMINAL_LIFETIME_SECONDS``). Credentials
are Modal's own: ``MODAL_TOKEN_ID`` / ``MODAL_TOKEN_SECRET`` or ``~/.modal.toml``. The pool is
:class:`hermes_core.pool.SandboxPool`, so pooled tasks get ``<cwd>/hermes_tasks/<task_id>`` and a
bounded, leak-free wait.
"""

from __future__ import annotations

import importlib.util
import os
import posixpath
import sys
import threading
import time
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

DEFAULT_IMAGE = "python:3.11-slim"
DEFAULT_APP = "hermes-agent"
DEFAULT_CWD = "/root"
DEFAULT_LIFETIME = 3600  # seconds a Modal sandbox may live (Modal's own timeout)


def has_credentials() -> bool:
    env = os.environ
    if env.get("MODAL_TOKEN_ID") and env.get("MODAL_TOKEN_SECRET"):
        return True
    return os.path.exists(os.path.expanduser(env.get("MODAL_CONFIG_PATH") or "~/.modal.toml"))


def _pump(stream: Any, buffer: TailBuffer) -> None:
    """Read ``stream`` chunk by chunk as it arrives (Modal's StreamReader iterates); ``read()`` otherwise."""
    try:
        if hasattr(stream, "__iter__"):
            for chunk in stream:
                buffer.feed(chunk)
        else:
            buffer.feed(stream.read())
    except Exception:
        pass  # the stream died with the process: what was read is what there is
    finally:
        buffer.feed(b"", final=True)


class ModalSandbox(Sandbox):
    def __init__(self, sb: Any, request: SandboxRequest, cwd: str) -> None:
        self.sb, self.task_id, self.cwd = sb, request.task_id, cwd
        self.timeout, self.max_output = request.timeout, request.max_output
        self._closed = False
        self._lock = threading.Lock()

    def execute(self, command: str, cwd: str | None = None, timeout: float | None = None) -> ExecResult:
        if self._closed:
            raise SandboxError(f"modal sandbox for task {self.task_id!r} was terminated")
        workdir = posixpath.join(self.cwd, cwd) if cwd else self.cwd
        limit = self.limit(timeout)
        seconds = remote_seconds(limit)
        # stderr joins stdout in order; the remote `timeout` kills the command's process group itself, and
        # the marker finds what left the group (setsid) once the command timed out
        marker = new_exec_marker()
        script = f"exec 2>&1; export {marker}; {remote_script(command, workdir, limit)}"
        start = time.monotonic()
        try:
            process = self.sb.exec("bash", "-c", script, timeout=seconds + 30)
        except Exception as exc:
            if "timeout" in type(exc).__name__.lower():
                return ExecResult(timeout_note(limit).lstrip("\n"), TIMEOUT_EXIT_CODE)
            raise SandboxError(f"modal: exec failed: {type(exc).__name__}: {exc}") from exc
        output = TailBuffer(self.max_output)
        reader = threading.Thread(target=_pump, args=(process.stdout, output), daemon=True)
        reader.start()
        outcome: dict[str, Any] = {}

        def wait() -> None:
            try:
                waited = process.wait()
                code = getattr(process, "returncode", None)
                outcome["code"] = code if code is not None else waited
            except BaseException as exc:  # reported by the caller
                outcome["error"] = exc

        waiter = threading.Thread(target=wait, daemon=True)
        waiter.start()
        waiter.join(seconds + CLIENT_GRACE)
        if waiter.is_alive():  # the remote `timeout` did not answer: give up on the command, keep its output
            self._kill_marked(marker)
            reader.join(PIPE_GRACE)
            return ExecResult(output.text() + timeout_note(limit), TIMEOUT_EXIT_CODE)
        # a background job (``server &``) may keep stdout open: the command is over, read only a grace more
        reader.join(PIPE_GRACE)
        error = outcome.get("error")
        if error is not None:
            if "timeout" in type(error).__name__.lower():
                self._kill_marked(marker)
                return ExecResult(output.text() + timeout_note(limit), TIMEOUT_EXIT_CODE)
            raise SandboxError(f"modal: exec failed: {type(error).__name__}: {error}") from error
        code = outcome.get("code")
        code = 137 if code is None or code < 0 else code
        if remote_timed_out(code, start, limit):
            self._kill_marked(marker)
            return ExecResult(output.text() + timeout_note(limit), TIMEOUT_EXIT_CODE)
        return ExecResult(output.text(), code)

    def _kill_marked(self, marker: str) -> None:
        """Kill every process in the sandbox whose environment carries ``marker`` (best effort)."""
        try:
            self.sb.exec("sh", "-c", KILL_MARKED_SCRIPT, "kill", marker, timeout=30).wait()
        except Exception:
            pass

    def cleanup(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
        try:
            self.sb.terminate()
        except Exception:
            pass

    def is_alive(self) -> bool:
        if self._closed:
            return False
        try:
            return self.sb.poll() is None
        except Exception:
            return False


class ModalBackend(TerminalBackend):
    """Modal sandboxes from ``TERMINAL_MODAL_IMAGE``; pooled with ``TERMINAL_MODAL_MODE=pool``."""

    name = "modal"

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)

        def pick(option: str, key: str, default: Any) -> Any:
            value = options.get(option)
            if value is None:
                value = configured(key)
            return default if value is None else value

        self.image = pick("image", "terminal.modal.image", DEFAULT_IMAGE)
        self.app_name = pick("app", "terminal.modal.app", DEFAULT_APP)
        self.mode = str(pick("mode", "terminal.modal.mode", "sandbox")).lower()
        self.pool_max = int(pick("pool_max", "terminal.modal.pool_max", 4))
        self.cwd = options.get("cwd") or DEFAULT_CWD
        self.lifetime = int(pick("lifetime", "terminal.modal.lifetime", DEFAULT_LIFETIME))
        self._app = None
        self._images: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._pooled = None
        if self.mode not in ("sandbox", "pool"):
            raise SandboxError(f"terminal.modal.mode must be 'sandbox' or 'pool', not {self.mode!r}")

    def unavailable_reason(self) -> str | None:
        if "modal" not in sys.modules and importlib.util.find_spec("modal") is None:
            return "the modal package is not installed (pip install hermes-backend-modal)"
        if not has_credentials():
            return "no Modal token: set MODAL_TOKEN_ID and MODAL_TOKEN_SECRET (or run `modal token new`)"
        return None

    def _modal_image(self, modal: Any, tag: str) -> Any:
        with self._lock:
            if self._app is None:
                self._app = modal.App.lookup(self.app_name, create_if_missing=True)
            if tag not in self._images:
                self._images[tag] = modal.Image.from_registry(tag)
            return self._images[tag]

    def create_sandbox(self, request: SandboxRequest) -> Sandbox:
        if self.mode == "pool":
            return self.pooled().create(request)
        return self.fresh_sandbox(request)

    def fresh_sandbox(self, request: SandboxRequest) -> ModalSandbox:
        """One fresh Modal sandbox (what the pool calls, too)."""
        reason = self.unavailable_reason()
        if reason:
            raise SandboxError(f"modal backend unavailable: {reason}")
        import modal

        workdir = request.cwd or self.cwd
        try:
            modal_image = self._modal_image(modal, request.image or self.image)
            sb = modal.Sandbox.create(
                app=self._app, image=modal_image, timeout=self.lifetime, workdir=workdir
            )
        except Exception as exc:
            raise SandboxError(f"modal: cannot create a sandbox: {type(exc).__name__}: {exc}") from exc
        return ModalSandbox(sb, request, workdir)

    def pooled(self):
        from hermes_core.pool import PooledBackend

        with self._lock:
            if self._pooled is None:
                self._pooled = PooledBackend(_Raw(self), max_size=self.pool_max, name="modal-pool")
            return self._pooled

    def close(self) -> None:
        with self._lock:
            pooled, self._pooled = self._pooled, None
        if pooled is not None:
            pooled.close()


class _Raw(TerminalBackend):
    """The per-sandbox side of :class:`ModalBackend`, which the pool creates sandboxes from."""

    name = "modal"

    def __init__(self, owner: ModalBackend) -> None:
        super().__init__()
        self.owner = owner

    def create_sandbox(self, request: SandboxRequest) -> Sandbox:
        return self.owner.fresh_sandbox(request)

    def unavailable_reason(self) -> str | None:
        return self.owner.unavailable_reason()
