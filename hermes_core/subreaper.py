"""A child subreaper per command: what a command starts stays below it, whatever it does to itself.

Markers in the environment find a ``setsid`` child, but not one that drops its environment (``env -i``,
``exec -c``) after leaving the process group: orphaned, it is adopted by pid 1 and nothing ties it to its
sandbox any more. :func:`reaper_argv` runs a command under a small launcher instead:

- the front process (the one ``Popen`` waits for) forks the **reaper** and exits with the command's
  status as soon as the command ends, so output and exit codes behave as before;
- the reaper sets ``PR_SET_CHILD_SUBREAPER`` and forks the command: every orphan of the command's tree is
  re-parented to the reaper instead of pid 1, and the reaper lives on while any of them run (a
  background ``server &`` keeps running between commands, as it did);
- the reaper itself keeps the markers (its environment is ours, not the command's), so
  :func:`hermes_core.process.kill_marked` finds it and :func:`kill_tree` kills its descendants first,
  then it.

This is the fallback where no PID namespace is available (``bwrap``, see the local backend); a command
that kills its own reaper (``kill -9 $PPID``) can still orphan its children, which a namespace prevents.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Sequence

REAPER_TAG = "hermes-reaper"

_LAUNCHER = r"""
import ctypes, os, signal, sys
read_end, write_end = os.pipe()
if os.fork() == 0:
    os.close(read_end)
    ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    command = os.fork()
    if command == 0:
        os.close(write_end)
        for name in ("SIGPIPE", "SIGXFSZ"):  # ignored by Python, not by a shell
            signal.signal(getattr(signal, name), signal.SIG_DFL)
        try:
            os.execvp(sys.argv[2], sys.argv[2:])
        except OSError as exc:
            os.write(2, f"{sys.argv[2]}: {exc.strerror}\n".encode())
            os._exit(127)
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    while True:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            os._exit(0)
        if pid == command:
            code = os.waitstatus_to_exitcode(status)
            os.write(write_end, str(128 - code if code < 0 else code).encode())
            os.close(write_end)
os.close(write_end)
answer = os.read(read_end, 16)
os._exit(int(answer) if answer else 137)
"""


def reaper_argv(argv: Sequence[str]) -> list[str]:
    """``argv`` run below a child subreaper (see the module's docstring)."""
    return [sys.executable, "-I", "-S", "-c", _LAUNCHER, REAPER_TAG, *argv]


def _stat(pid: int) -> tuple[int, str] | None:
    """``(parent pid, state)`` of a process, ``None`` once it is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
        return int(fields[1]), fields[0].decode()
    except (OSError, IndexError, ValueError):
        return None


def is_reaper(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return REAPER_TAG.encode() in f.read().split(b"\0")[:8]
    except OSError:
        return False


def _children_table() -> dict[int, list[int]]:
    """Parent pid -> its living (not zombie) children, read once from ``/proc``."""
    children: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            stat = _stat(int(name))
            if stat is not None and stat[1] not in "ZX":
                children.setdefault(stat[0], []).append(int(name))
    return children


def descendants(*roots: int) -> list[int]:
    """Living (not zombie) processes below any of ``roots`` (one read of ``/proc``)."""
    children = _children_table()
    found, todo = [], [pid for root in roots for pid in children.get(root, ())]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, ()))
    return found


def kill_tree(root: int, passes: int = 50) -> int:
    """Kill everything below ``root`` (a reaper: orphans of what dies come back to it, so a fork during
    a pass is found by the next), then ``root``; returns how many processes were killed."""
    killed = 0
    for _ in range(passes):
        below = descendants(root)
        if not below:
            break
        for pid in below:
            try:
                os.kill(pid, signal.SIGKILL)
                killed += 1
            except (ProcessLookupError, PermissionError):
                pass
        time.sleep(0.01)  # let the killed ones become zombies before the next look
    try:
        os.kill(root, signal.SIGKILL)
        killed += 1
    except (ProcessLookupError, PermissionError):
        pass
    return killed


__all__ = ["REAPER_TAG", "descendants", "is_reaper", "kill_tree", "reaper_argv"]
