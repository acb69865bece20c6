"""``ToolContext``: what a reward function may do in the rollout's own sandbox.

A reward that checks "did the agent create ``hello.txt`` with the right content?" must look inside the
sandbox the agent used, whichever backend that is (local directory, docker, modal, ...). So every
operation here goes through :func:`hermes_core.sandboxes.sandbox_for` with the rollout's ``task_id``,
and files move with :mod:`hermes_core.sandbox_files` (base64 over ``execute``), as the file tools do.

The methods are ``async`` because hundreds of rollouts are scored concurrently on one event loop and
``Sandbox.execute`` blocks: each call runs in a worker thread. This module does not import atroposlib.
"""

from __future__ import annotations

import asyncio
import os
import shlex
from typing import Any

from hermes_core import sandbox_files
from hermes_core.sandbox_files import SandboxFileError
from hermes_core.sandboxes import cleanup_task, sandbox_for
from hermes_core.terminal import ExecResult

ToolContextError = SandboxFileError
"""A sandbox operation that the reward function asked for did not succeed."""


class ToolContext:
    """Access to one rollout's sandbox and tools, for scoring it."""

    def __init__(self, task_id: str) -> None:
        self.task_id = task_id

    def __repr__(self) -> str:
        return f"ToolContext(task_id={self.task_id!r})"

    async def terminal(
        self, command: str, timeout: float | None = None, cwd: str | None = None
    ) -> ExecResult:
        """Run ``command`` in the task's sandbox: ``ExecResult(output, exit_code)``."""
        return await asyncio.to_thread(self._execute, command, timeout, cwd)

    def _execute(self, command: str, timeout: float | None = None, cwd: str | None = None) -> ExecResult:
        return sandbox_for(self.task_id).execute(command, cwd=cwd, timeout=timeout)

    async def exists(self, path: str) -> bool:
        """Whether ``path`` (relative to the sandbox's working directory) exists."""
        result = await self.terminal(f"test -e {shlex.quote(path)}")
        return result.exit_code == 0

    async def read_bytes(self, path: str) -> bytes:
        """The content of ``path``; :class:`FileNotFoundError` when it does not exist."""
        return await asyncio.to_thread(self._read_bytes, path)

    def _read_bytes(self, path: str) -> bytes:
        try:
            return sandbox_files.read_bytes(sandbox_for(self.task_id), path)
        except FileNotFoundError:
            raise FileNotFoundError(f"{path} (in the sandbox of task {self.task_id!r})") from None

    async def read_file(self, path: str, encoding: str = "utf-8") -> str:
        """The text of ``path``; :class:`FileNotFoundError` when it does not exist."""
        return (await self.read_bytes(path)).decode(encoding, errors="replace")

    async def write_file(self, path: str, content: str | bytes) -> None:
        """Create or replace ``path`` (parent directories included) with ``content``."""
        data = content.encode() if isinstance(content, str) else bytes(content)
        await asyncio.to_thread(self._write_bytes, path, data)

    def _write_bytes(self, path: str, data: bytes) -> None:
        sandbox_files.write_bytes(sandbox_for(self.task_id), path, data)

    async def upload(self, local_path: str | os.PathLike[str], remote_path: str) -> None:
        """Copy a file from this machine into the sandbox."""
        with open(local_path, "rb") as handle:
            data = handle.read()
        await asyncio.to_thread(self._write_bytes, remote_path, data)

    async def download(self, remote_path: str, local_path: str | os.PathLike[str]) -> None:
        """Copy a file from the sandbox to this machine."""
        data = await self.read_bytes(remote_path)
        os.makedirs(os.path.dirname(os.path.abspath(local_path)), exist_ok=True)
        with open(local_path, "wb") as handle:
            handle.write(data)

    async def call_tool(self, name: str, args: dict[str, Any] | str | None = None) -> str:
        """Run any registered tool in this task's context: its JSON-string result, errors included."""
        from hermes_core.plugins import get_hermes

        return (await get_hermes().tools.acall(name, args or {}, task_id=self.task_id)).content

    def cleanup(self) -> None:
        """Release the task's sandbox (idempotent; the base environment also does it on every path)."""
        cleanup_task(self.task_id)

    async def __aenter__(self) -> ToolContext:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await asyncio.to_thread(self.cleanup)
