"""Loopback ports for servers a test starts as processes, and whether a port is really theirs.

``free_port()`` then starting a server is a race: between the two, another process (another test on an
xdist worker, another CI run) may take the port. The server then fails to bind, and the test talks to the
other one (a CI run got 404s from a stranger's ``/health``-answering server). :func:`listens` tells whose
it is, from ``/proc``.
"""

from __future__ import annotations

import os
import socket

from hermes_core.subreaper import descendants


def free_port() -> int:
    """A port no one listens on at this moment (take it at once, and check with :func:`listens`)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _listening_inodes(port: int) -> set[str]:
    """Inodes of the TCP sockets listening on ``port`` (any address, IPv4 or IPv6)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as lines:
                next(lines)
                for line in lines:
                    fields = line.split()
                    if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:  # 0A: LISTEN
                        found.add(fields[9])
        except OSError:
            continue
    return found


def listens(pid: int, port: int) -> bool:
    """Whether process ``pid``, or a process below it, holds a socket listening on ``port``."""
    inodes = {f"socket:[{inode}]" for inode in _listening_inodes(port)}
    for process in (pid, *descendants(pid)):
        try:
            fds = os.listdir(f"/proc/{process}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                if os.readlink(f"/proc/{process}/fd/{fd}") in inodes:
                    return True
            except OSError:
                continue
    return False
