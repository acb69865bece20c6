"""Whether a process still runs, for tests that check what a kill or a cleanup left behind.

A SIGKILL lands when its target is next scheduled, so a loaded machine may show a killed process alive a
moment longer: :func:`gone` waits (bounded) instead of racing the exit. A zombie counts as dead: it has
exited, and only its parent's ``wait`` is missing.
"""

from __future__ import annotations

import subprocess
import time


def alive(pid: int) -> bool:
    """Whether ``pid`` runs (not a zombie)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in "ZX"
    except (OSError, IndexError):
        return False


def gone(pid: int, within: float = 15.0) -> bool:
    """Whether ``pid`` is dead within ``within`` seconds (a survivor of a kill sleeps far longer)."""
    deadline = time.monotonic() + within
    while alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def stop(process: subprocess.Popen, grace: float = 10.0) -> None:
    """End a server a test started: SIGTERM, then SIGKILL if it is still there after ``grace`` seconds."""
    process.terminate()
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


__all__ = ["alive", "gone", "stop"]
