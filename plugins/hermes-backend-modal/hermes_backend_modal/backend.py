"""The ``modal`` backend: one Modal sandbox per task, or a pool of warm ones (``TERMINAL_MODAL_MODE=pool``).

Settings (hermes-agent's names): ``TERMINAL_MODAL_IMAGE`` (registry tag), ``TERMINAL_MODAL_MODE``
(``sandbox`` or ``pool``), ``TERMINAL_MODAL_POOL_MAX`` (default 4), ``TERMINAL_MODAL_APP``. Credentials
are Modal's own: ``MODAL_TOKEN_ID`` / ``MODAL_TOKEN_SECRET`` or ``~/.modal.toml``. The pool is
:class:`hermes_core.pool.SandboxPool`, so pooled tasks get ``<cwd>/hermes_tasks/<task_id>`` and a
bounded, leak-free wait.
"""

from __future__ import annotations

import importlib.util
import math
import os
import posixpath
import shlex
import sys
import threading
import time
from typing import Any

from hermes_core.process import TailBuffer, timeout_note
from hermes_core.terminal import (
    CLIENT_GRACE,
    DEFAULT_MAX_OUTPUT,
    DEFAULT_TIMEOUT,
    PIPE_GRACE,
    TIMEOUT_EXIT_CODE,
    ExecResult,
    Sandbox,
    SandboxError,
    TerminalBackend,
    shell_command,
    timeout_result,
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
                buffer.feed(chunk.encode("utf-8") if isinstance(chunk, str) else chunk)
        else:
            data = stream.read()
            buffer.feed(data.encode("utf-8") if isinstance(data, str) else data)
    except Exception:
        pass  # the stream died with the process: what was read is what there is
    finally:
        buffer.feed(b"", final=True)


class ModalSandbox(Sandbox):
    def __init__(self, sb: Any, task_id: str, cwd: str, timeout: float, max_output: int) -> None:
        self.sb, self.task_id, self.cwd, self.timeout, self.max_output = sb, task_id, cwd, timeout, max_output
        self._closed = False
        self._lock = threading.Lock()

    def execute(self, command: str, cwd: str | None = None, timeout: float | None = None) -> ExecResult:
        if self._closed:
            raise SandboxError(f"modal sandbox for task {self.task_id!r} was terminated")
        workdir = posixpath.join(self.cwd, cwd) if cwd else self.cwd
        limit = float(timeout) if timeout else self.timeout
        seconds = max(1, math.ceil(limit))
        # stderr joins stdout in order; the remote `timeout` kills the command's process group itself
        script = (
            f"exec 2>&1; timeout -s KILL {seconds} bash -c {shlex.quote(shell_command(command, workdir))}"
        )
        start = time.monotonic()
        try:
            process = self.sb.exec("bash", "-c", script, timeout=seconds + 30)
        except Exception as exc:
            if "timeout" in type(exc).__name__.lower():
                return timeout_result("", limit, self.max_output)
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
            reader.join(PIPE_GRACE)
            return ExecResult(output.text() + timeout_note(limit), TIMEOUT_EXIT_CODE)
        # a background job (``server &``) may keep stdout open: the command is over, read only a grace more
        reader.join(PIPE_GRACE)
        error = outcome.get("error")
        if error is not None:
            if "timeout" in type(error).__name__.lower():
                return ExecResult(output.text() + timeout_note(limit), TIMEOUT_EXIT_CODE)
            raise SandboxError(f"modal: exec failed: {type(error).__name__}: {error}") from error
        code = outcome.get("code")
        code = 137 if code is None or code < 0 else code
        if code in (124, 137) and time.monotonic() - start >= seconds - 0.05:
            return ExecResult(output.text() + timeout_note(limit), TIMEOUT_EXIT_CODE)
        return ExecResult(output.text(), code)

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
        env = os.environ
        self.image = options.get("image") or env.get("TERMINAL_MODAL_IMAGE") or DEFAULT_IMAGE
        self.app_name = options.get("app") or env.get("TERMINAL_MODAL_APP") or DEFAULT_APP
        self.mode = (options.get("mode") or env.get("TERMINAL_MODAL_MODE") or "sandbox").lower()
        self.pool_max = int(options.get("pool_max") or env.get("TERMINAL_MODAL_POOL_MAX") or 4)
        self.cwd = options.get("cwd") or DEFAULT_CWD
        self.lifetime = int(
            options.get("lifetime") or env.get("TERMINAL_LIFETIME_SECONDS") or DEFAULT_LIFETIME
        )
        self._app = None
        self._images: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._pooled = None
        if self.mode not in ("sandbox", "pool"):
            raise ValueError(f"TERMINAL_MODAL_MODE must be 'sandbox' or 'pool', not {self.mode!r}")

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

    def create_sandbox(
        self,
        task_id: str,
        *,
        image: str | None = None,
        cwd: str | None = None,
        timeout: float | None = None,
        max_output: int = DEFAULT_MAX_OUTPUT,
    ) -> ModalSandbox:
        """One fresh Modal sandbox (what the pool calls, too)."""
        reason = self.unavailable_reason()
        if reason:
            raise SandboxError(f"modal backend unavailable: {reason}")
        import modal

        workdir = cwd or self.cwd
        try:
            modal_image = self._modal_image(modal, image or self.image)
            sb = modal.Sandbox.create(
                app=self._app, image=modal_image, timeout=self.lifetime, workdir=workdir
            )
        except Exception as exc:
            raise SandboxError(f"modal: cannot create a sandbox: {type(exc).__name__}: {exc}") from exc
        return ModalSandbox(sb, task_id, workdir, float(timeout or DEFAULT_TIMEOUT), max_output)

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
        if self.mode == "pool":
            return self.pooled().create(task_id, image=image, cwd=cwd, timeout=timeout, max_output=max_output)
        return self.create_sandbox(task_id, image=image, cwd=cwd, timeout=timeout, max_output=max_output)

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

    def create(
        self, task_id: str, *, image=None, cwd=None, timeout=None, max_output=DEFAULT_MAX_OUTPUT, **options
    ):
        return self.owner.create_sandbox(
            task_id, image=image, cwd=cwd, timeout=timeout, max_output=max_output
        )

    def unavailable_reason(self) -> str | None:
        return self.owner.unavailable_reason()
