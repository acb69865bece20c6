"""Run a host process under the terminal contract: own process group, timeout kills the group, tail kept.

Shared by the ``local`` backend and by backends whose sandbox is reached through a host command
(``apptainer exec``), so the group kill and the tail-keeping cap are written once.
"""

from __future__ import annotations

import codecs
import os
import signal
import subprocess
import threading
from collections.abc import Mapping, Sequence

from hermes_core.terminal import DEFAULT_MAX_OUTPUT, PIPE_GRACE, TIMEOUT_EXIT_CODE, ExecResult


class TailBuffer:
    """Keeps the last ``limit`` characters of a byte stream and counts all of them.

    Memory stays bounded whatever a command prints (``yes`` for a minute), and the note says exactly how
    much was cut, as :func:`hermes_core.terminal.cap_output` would.
    """

    def __init__(self, limit: int = DEFAULT_MAX_OUTPUT) -> None:
        self.limit = limit
        self.total = 0
        self._parts: list[str] = []
        self._held = 0
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._lock = threading.Lock()

    def feed(self, data: bytes, final: bool = False) -> None:
        text = self._decoder.decode(data, final)
        if not text:
            return
        with self._lock:
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
        cut = total - self.limit
        return f"[output truncated: {cut} of {total} characters cut from the start]\n" + joined[-self.limit :]


def timeout_note(timeout: float) -> str:
    return f"\n[command timed out after {timeout:g}s and was killed]"


def kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def run_process(
    argv: Sequence[str],
    *,
    cwd: str | None = None,
    timeout: float,
    max_output: int = DEFAULT_MAX_OUTPUT,
    env: Mapping[str, str] | None = None,
    on_start: object = None,
) -> ExecResult:
    """Run ``argv`` in a new session; past ``timeout`` kill its whole process group (exit 124).

    ``on_start(pid)`` (if given) learns the group id, so a sandbox can kill leftovers at cleanup.
    """
    buffer = TailBuffer(max_output)
    try:
        proc = subprocess.Popen(
            list(argv),
            cwd=cwd,
            env=dict(env) if env is not None else None,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    except OSError as exc:
        return ExecResult(f"could not start {argv[0]!r}: {exc}", 127)
    if callable(on_start):
        on_start(proc.pid)
    fd = proc.stdout.fileno()

    def pump() -> None:
        try:
            while True:
                chunk = os.read(fd, 65536)
                if not chunk:
                    break
                buffer.feed(chunk)
        except OSError:
            pass
        finally:
            buffer.feed(b"", final=True)
            proc.stdout.close()

    reader = threading.Thread(target=pump, name="hermes-output", daemon=True)
    reader.start()
    timed_out = False
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        kill_group(proc.pid)
        proc.wait()
    except BaseException:  # KeyboardInterrupt and friends: never leave the group running
        kill_group(proc.pid)
        proc.wait()
        raise
    if timed_out:
        reader.join(PIPE_GRACE)
        return ExecResult(buffer.text() + timeout_note(timeout), TIMEOUT_EXIT_CODE)
    # Background jobs (``server &``) may keep the pipe open: they are the agent's to keep, but we do not
    # wait for them beyond a short grace.
    reader.join(PIPE_GRACE)
    code = proc.returncode
    if code < 0:  # killed by a signal: report it the way a shell would
        code = 128 - code
    return ExecResult(buffer.text(), code)
