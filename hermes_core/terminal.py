"""The terminal-backend contract: a backend creates one sandbox per task; a sandbox runs shell commands.

Behaviour every backend owes its users, whatever runs the command (local shell, ssh, docker, modal, ...):

- ``execute(command, cwd=None, timeout=None)`` runs ``command`` with ``bash -c`` semantics in ``cwd``
  (default: the sandbox's working directory); a ``cd`` inside the command works.
- A command past its timeout is killed with everything it started; the result has exit code
  :data:`TIMEOUT_EXIT_CODE` (124, as coreutils ``timeout``) and says so in its output.
- Output (stdout and stderr interleaved) is capped at ``max_output`` characters: the *tail* is kept,
  since the end of a build log is what matters, and a note says how much was cut.
- ``cleanup()`` releases everything the sandbox holds and is idempotent.

:func:`cap_output`, :func:`timeout_result` and :func:`shell_command` implement those rules once so that
backends do not re-implement them differently.
"""

from __future__ import annotations

import shlex
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, ClassVar

TIMEOUT_EXIT_CODE = 124
DEFAULT_TIMEOUT = 180.0
DEFAULT_MAX_OUTPUT = 50_000
PIPE_GRACE = 1.0
"""Seconds a backend keeps reading after the command exited: a background job may hold the output open."""
CLIENT_GRACE = 10.0
"""Seconds past its timeout a remote command may take before the client stops waiting for it."""


@dataclass(slots=True)
class ExecResult:
    output: str
    exit_code: int

    def to_dict(self) -> dict[str, Any]:
        return {"output": self.output, "exit_code": self.exit_code}


def cap_output(output: str, limit: int = DEFAULT_MAX_OUTPUT) -> str:
    """Keep the last ``limit`` characters and say how many were cut."""
    if limit <= 0 or len(output) <= limit:
        return output
    cut = len(output) - limit
    return f"[output truncated: {cut} of {len(output)} characters cut from the start]\n" + output[-limit:]


def timeout_result(output: str, timeout: float, limit: int = DEFAULT_MAX_OUTPUT) -> ExecResult:
    note = f"\n[command timed out after {timeout:g}s and was killed]"
    return ExecResult(cap_output(output, limit) + note, TIMEOUT_EXIT_CODE)


def shell_command(command: str, cwd: str | None) -> str:
    """``command`` run from ``cwd``, the path quoted so that no file name reaches the shell raw.

    A newline, not ``&&``, joins them: a command that is empty or only a comment stays valid shell.
    """
    if not cwd:
        return command
    return f"cd {shlex.quote(cwd)} || exit 1\n{command}"


class SandboxError(RuntimeError):
    """A sandbox could not be created or has died."""


class Sandbox(ABC):
    """One task's isolated place to run commands."""

    task_id: str
    cwd: str

    @abstractmethod
    def execute(self, command: str, cwd: str | None = None, timeout: float | None = None) -> ExecResult: ...

    @abstractmethod
    def cleanup(self) -> None: ...

    def is_alive(self) -> bool:
        """Whether the sandbox can still run commands (the pool replaces dead ones)."""
        return True

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.cleanup()


class TerminalBackend(ABC):
    """Creates sandboxes. Subclasses set ``name`` and import their SDK inside :meth:`create`."""

    name: ClassVar[str] = ""

    def __init__(self, **options: Any) -> None:
        self.options = options

    @abstractmethod
    def create(
        self,
        task_id: str,
        *,
        image: str | None = None,
        cwd: str | None = None,
        timeout: float | None = None,
        max_output: int = DEFAULT_MAX_OUTPUT,
        **options: Any,
    ) -> Sandbox: ...

    def unavailable_reason(self) -> str | None:
        """``None`` when this backend can create sandboxes here, else a one-line reason."""
        return None
