"""Finding a sandbox's processes from outside: by a unique ``sleep`` argument, never by ``$!``.

Inside an isolated sandbox ``$!`` is a pid of the command's own PID namespace, which means another
process (or none) here; a unique argument identifies the process wherever it runs.
"""

from __future__ import annotations

import os
import signal
import time
import uuid

import pytest


def _state(pid: str) -> str:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[1].split()[0].decode()
    except (OSError, IndexError):
        return "X"


class Sleepers:
    """``new()`` gives a unique ``sleep`` duration; ``running(arg)`` the live host pids sleeping it."""

    def __init__(self) -> None:
        self.made: list[str] = []

    def new(self) -> str:
        arg = f"{4000 + uuid.uuid4().int % 1000}.{uuid.uuid4().int % 10**9:09d}"
        self.made.append(arg)
        return arg

    def running(self, arg: str) -> list[int]:
        wanted = [b"sleep", arg.encode()]
        found = []
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    args = f.read().split(b"\0")[:2]
            except OSError:
                continue
            if [os.path.basename(args[0]), *args[1:]] == wanted and _state(pid) not in "ZX":
                found.append(int(pid))
        return found

    def wait_started(self, arg: str, count: int = 1, seconds: float = 30) -> int:
        """How many are running once ``count`` have started (or ``seconds`` passed): a start, never an
        exit, is what this waits for."""
        deadline = time.monotonic() + seconds
        while len(self.running(arg)) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return len(self.running(arg))

    def wait_gone(self, arg: str, seconds: float = 10) -> int:
        """How many are still running once none is (or ``seconds`` passed)."""
        deadline = time.monotonic() + seconds
        while self.running(arg) and time.monotonic() < deadline:
            time.sleep(0.05)
        return len(self.running(arg))

    def kill_all(self) -> None:
        for arg in self.made:
            for pid in self.running(arg):
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass


@pytest.fixture
def sleepers():
    made = Sleepers()
    yield made
    made.kill_all()  # what a failed test left behind, by pid
