"""The terminal-backend contract: a backend creates one sandbox per task; a sandbox runs shell commands.

Behaviour every backend owes its users, whatever runs the command (local shell, ssh, docker, modal, ...):

- ``execute(command, cwd=None, timeout=None)`` runs ``command`` with ``bash -c`` semantics in ``cwd``
  (default: the sandbox's working directory); a ``cd`` inside the command works.
- A command past its timeout is killed with everything it started; the result has exit code
  :data:`TIMEOUT_EXIT_CODE` (124, as coreutils ``timeout``) and says so in its output.
- Output (stdout and stderr interleaved) is capped at ``max_output`` characters: the *tail* is kept,
  since the end of a build log is what matters, and a note says how much was cut.
- ``cleanup()`` releases everything the sandbox holds and is idempotent.

A backend implements :meth:`TerminalBackend.create_sandbox` for one :class:`SandboxRequest`; callers use
:meth:`TerminalBackend.create` with keywords. The rules above are implemented here once —
:func:`task_slug`, :class:`TailBuffer`, :func:`timeout_result`, :func:`remote_script` /
:func:`remote_timed_out`, :data:`KILL_MARKED_SCRIPT` — so that backends do not re-implement them
differently.
"""

from __future__ import annotations

import codecs
import hashlib
import math
import re
import shlex
import threading
import time
import uuid
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar

TIMEOUT_EXIT_CODE = 124
DEFAULT_TIMEOUT = 180.0
DEFAULT_MAX_OUTPUT = 50_000
PIPE_GRACE = 1.0
"""Seconds a backend keeps reading after the command exited: a background job may hold the output open."""
CLIENT_GRACE = 10.0
"""Seconds past its timeout a remote command may take before the client stops waiting for it."""
KILLED_BY_TIMEOUT = (124, 137)
"""Exit codes of coreutils ``timeout``: 124 on TERM, 128+9 when the signal is KILL."""

KILL_MARKED_SCRIPT = r"""m=$1; me=$$; all=" "
if printf 'x\0' | grep -qzxF x 2>/dev/null; then
  marked() { grep -lsxzF -- "$m" /proc/[0-9]*/environ | cut -d/ -f3; }
else
  marked() { for p in /proc/[0-9]*; do
    tr '\0' '\n' 2>/dev/null < $p/environ | grep -qxF -- "$m" && echo "${p#/proc/}"; done; }
fi
below() { for p in /proc/[0-9]*; do read -r s 2>/dev/null < $p/stat || continue; s=${s##*) }
  set -- $s; [ "$1" = Z ] && continue; case "$all" in *" $2 "*) echo "${p#/proc/}";; esac; done; }
for _ in 1 2 3 4 5 6 7 8 9 10; do
  new=" "; for p in $(marked) $(below); do
    case "$all$new" in *" $p "*) ;; *) [ "$p" = "$me" ] || new="$new$p ";; esac; done
  [ "$new" = " " ] && break; kill -STOP $new 2>/dev/null; all="$all${new# }"
done
[ "$all" = " " ] || kill -9 $all 2>/dev/null; exit 0
"""
"""``sh -c KILL_MARKED_SCRIPT kill NAME=VALUE``: kill every process whose environment holds that line,
and every process below one.

Works in any image with ``/proc`` and a POSIX shell (dash, bash, busybox). Like
:func:`hermes_core.process.kill_marked`, it stops each process as it finds it (nothing forks or exits
while it looks) and follows parent links as well as markers (a child inside ``execve``, or one run with
``env -i``, has no readable marker but still has its parent); passes repeat until one finds nothing new,
then all are killed. Backends put a marker in each command's environment and so kill what a command
started even after its process group lost its leader (``setsid``, double forks).
"""


# -- naming ----------------------------------------------------------------------------------------------


def task_slug(task_id: str, limit: int = 40, chars: str = "_.-") -> str:
    """``task_id`` reduced to letters, digits and ``chars``: harmless in a path, a container or an
    instance name, and never empty, ``.``, ``..`` or starting with ``-``."""
    slug = re.sub(f"[^A-Za-z0-9{re.escape(chars)}]+", "_", task_id)[:limit]
    return slug.strip("._-") or "task"


def task_dir_name(task_id: str) -> str:
    """A directory name for ``task_id`` that is unique per id: itself when plainly safe, else its slug
    plus a short hash (``/``, ``..`` or shell metacharacters never reach a path a later ``rm -rf`` sees)."""
    if re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}", task_id):
        return task_id
    return f"{task_slug(task_id, 48)}-{hashlib.sha256(task_id.encode()).hexdigest()[:10]}"


# -- results ---------------------------------------------------------------------------------------------


@dataclass(slots=True)
class ExecResult:
    output: str
    exit_code: int

    def to_dict(self) -> dict[str, Any]:
        return {"output": self.output, "exit_code": self.exit_code}


def _truncation_note(cut: int, total: int) -> str:
    return f"[output truncated: {cut} of {total} characters cut from the start]\n"


def cap_output(output: str, limit: int = DEFAULT_MAX_OUTPUT) -> str:
    """Keep the last ``limit`` characters and say how many were cut."""
    if limit <= 0 or len(output) <= limit:
        return output
    return _truncation_note(len(output) - limit, len(output)) + output[-limit:]


class TailBuffer:
    """Keeps the last ``limit`` characters of a byte stream and counts all of them.

    Memory stays bounded whatever a command prints (``yes`` for a minute), and the note says exactly how
    much was cut, as :func:`cap_output` would. Thread-safe: a reader thread feeds, the caller reads.
    """

    def __init__(self, limit: int = DEFAULT_MAX_OUTPUT) -> None:
        self.limit = limit
        self.total = 0
        self._parts: list[str] = []
        self._held = 0
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._lock = threading.Lock()

    def feed(self, data: bytes | str, final: bool = False) -> None:
        with self._lock:
            text = data if isinstance(data, str) else self._decoder.decode(data, final)
            if not text:
                return
            self.total += len(text)
            self._parts.append(text)
            self._held += len(text)
            if self.limit > 0 and self._held > 2 * self.limit:
                joined = "".join(self._parts)[-self.limit :]
                self._parts, self._held = [joined], len(joined)

    def text(self) -> str:
        """The output with the truncation note, if any."""
        with self._lock:
            joined = "".join(self._parts)
            total = self.total
        if self.limit <= 0 or total <= self.limit:
            return joined
        return _truncation_note(total - self.limit, total) + joined[-self.limit :]


def timeout_note(timeout: float) -> str:
    return f"\n[command timed out after {timeout:g}s and was killed]"


def timeout_result(output: str, timeout: float, limit: int = DEFAULT_MAX_OUTPUT) -> ExecResult:
    """The result of a command killed at ``timeout``: what it printed (tail kept) and the note."""
    return ExecResult(cap_output(output, limit) + timeout_note(timeout), TIMEOUT_EXIT_CODE)


# -- commands --------------------------------------------------------------------------------------------


def shell_command(command: str, cwd: str | None) -> str:
    """``command`` run from ``cwd``, the path quoted so that no file name reaches the shell raw.

    A newline, not ``&&``, joins them: a command that is empty or only a comment stays valid shell.
    """
    if not cwd:
        return command
    return f"cd {shlex.quote(cwd)} || exit 1\n{command}"


def remote_seconds(timeout: float) -> int:
    """Whole seconds for a remote ``timeout`` command (never 0, which would mean "no limit")."""
    return max(1, math.ceil(timeout))


EXEC_MARKER = "HERMES_EXEC_ID"
"""The variable a remote backend exports with each command's own id (``HERMES_EXEC_ID=<hex>``)."""


def new_exec_marker() -> str:
    """A fresh ``HERMES_EXEC_ID=<hex>`` line for one command's environment: what a timeout kills by."""
    return f"{EXEC_MARKER}={uuid.uuid4().hex}"


_GUARD = (  # $0: the shell, $1: the command, $2: KILL_MARKED_SCRIPT
    '"$0" -c "$1" & c=$!; '
    f'trap \'env -u {EXEC_MARKER} sh -c "$2" kill "{EXEC_MARKER}=${EXEC_MARKER}"; '
    "kill -KILL $c 2>/dev/null; exit 124' TERM; wait $c"
)


def remote_script(command: str, cwd: str | None, timeout: float, shell: str = "bash") -> str:
    """``command`` under a remote ``timeout``, so that it dies on the remote side even if the client is gone.

    At the deadline ``timeout`` signals only a small guard shell (``--foreground``), which runs
    :data:`KILL_MARKED_SCRIPT` for the command's :data:`EXEC_MARKER` while the command's own shell still
    lives: what it started is found by marker and by parent link, ``setsid env -i`` children included
    (a group kill first would orphan those out of reach). ``-k`` is the backstop should the guard hang.
    A ``timeout`` without ``--foreground`` (busybox) kills the command's group instead, as before.
    ``; exit $?`` keeps the outer shell from exec'ing ``timeout``, so a KILL arrives as status 137, not as
    an exit signal some clients report as -1.
    """
    seconds = remote_seconds(timeout)
    guarded = f'sh -c {shlex.quote(_GUARD)} {shell} "$c" {shlex.quote(KILL_MARKED_SCRIPT)}'
    return (
        f"c={shlex.quote(shell_command(command, cwd))}; "
        f"if timeout --foreground 1 true 2>/dev/null; "
        f"then timeout --foreground -k {CLIENT_GRACE:g} -s TERM {seconds} {guarded}; "
        f'else timeout -s KILL {seconds} {shell} -c "$c"; fi; exit $?'
    )


def remote_timed_out(exit_code: int | None, started: float, timeout: float) -> bool:
    """Whether a command run by :func:`remote_script` since ``started`` (``time.monotonic()``) was killed
    by its timeout: ``None`` (the client stopped waiting), or a timeout status after the full time."""
    if exit_code is None:
        return True
    return exit_code in KILLED_BY_TIMEOUT and time.monotonic() - started >= remote_seconds(timeout) - 0.05


# -- the contract ----------------------------------------------------------------------------------------


class SandboxError(RuntimeError):
    """A sandbox could not be created or has died."""


@dataclass(frozen=True)
class SandboxRequest:
    """Everything a backend needs to create one task's sandbox.

    ``image`` and ``cwd`` are ``None`` for "the backend's default"; ``options`` carries backend-specific
    extras (docker's ``network``, local's ``shell``) that other backends ignore.
    """

    task_id: str
    image: str | None = None
    cwd: str | None = None
    timeout: float = DEFAULT_TIMEOUT
    max_output: int = DEFAULT_MAX_OUTPUT
    options: Mapping[str, Any] = field(default_factory=dict)

    @property
    def slug(self) -> str:
        """The task id as a safe name fragment (see :func:`task_slug`)."""
        return task_slug(self.task_id)

    def option(self, key: str, default: Any = None) -> Any:
        value = self.options.get(key)
        return default if value is None else value

    def for_task(self, task_id: str) -> SandboxRequest:
        return replace(self, task_id=task_id)


class Sandbox(ABC):
    """One task's isolated place to run commands."""

    task_id: str
    cwd: str
    timeout: float = DEFAULT_TIMEOUT
    max_output: int = DEFAULT_MAX_OUTPUT

    @abstractmethod
    def execute(self, command: str, cwd: str | None = None, timeout: float | None = None) -> ExecResult: ...

    @abstractmethod
    def cleanup(self) -> None: ...

    def is_alive(self) -> bool:
        """Whether the sandbox can still run commands (the pool replaces dead ones)."""
        return True

    def limit(self, timeout: float | None) -> float:
        """The timeout for one command: the one asked for, else the sandbox's."""
        return float(timeout) if timeout else float(self.timeout)

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.cleanup()


class TerminalBackend(ABC):
    """Creates sandboxes. Subclasses set ``name``, implement :meth:`create_sandbox` and import their SDK
    there (never at module level); ``options`` are the keyword arguments the backend was built with."""

    name: ClassVar[str] = ""

    def __init__(self, **options: Any) -> None:
        self.options = options

    def create(
        self,
        task_id: str | SandboxRequest,
        *,
        image: str | None = None,
        cwd: str | None = None,
        timeout: float | None = None,
        max_output: int | None = None,
        **options: Any,
    ) -> Sandbox:
        """A sandbox for ``task_id`` (or for a ready :class:`SandboxRequest`). An unset ``timeout`` or
        ``max_output`` comes from the backend's options, then the contract's defaults; an unset ``image`` or
        ``cwd`` stays ``None``, meaning "the backend's default"."""
        if isinstance(task_id, SandboxRequest):
            return self.create_sandbox(task_id)
        own = self.options
        if max_output is None:
            max_output = own.get("max_output") or DEFAULT_MAX_OUTPUT
        request = SandboxRequest(
            task_id=task_id,
            image=image,
            cwd=cwd,
            timeout=float(timeout or own.get("timeout") or DEFAULT_TIMEOUT),
            max_output=int(max_output),
            options=options,
        )
        return self.create_sandbox(request)

    @abstractmethod
    def create_sandbox(self, request: SandboxRequest) -> Sandbox: ...

    def unavailable_reason(self) -> str | None:
        """``None`` when this backend can create sandboxes here, else a one-line reason."""
        return None

    def close(self) -> None:  # noqa: B027 - most backends hold nothing of their own
        """Release what the backend itself holds (a client, a pool); sandboxes clean up on their own."""
