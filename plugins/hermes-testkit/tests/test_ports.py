"""``listens``: a server's port is told apart from one another process took first."""

from __future__ import annotations

import socket
import subprocess
import sys
import time

from hermes_testkit.ports import free_port, listens

SERVE = (
    "import socket, sys, time; s = socket.socket(); s.bind(('127.0.0.1', int(sys.argv[1]))); s.listen(); "
    "time.sleep(60)"
)


def test_a_port_is_its_listeners_and_nobody_elses():
    port = free_port()
    server = subprocess.Popen([sys.executable, "-c", SERVE, str(port)])
    bystander = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        deadline = time.monotonic() + 20
        while not listens(server.pid, port) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert listens(server.pid, port)
        assert not listens(bystander.pid, port), "a process that only exists was taken for the listener"
        with socket.socket() as other:  # a second port, listened on by this process
            other.bind(("127.0.0.1", 0))
            other.listen()
            assert not listens(server.pid, other.getsockname()[1])
    finally:
        server.kill()
        bystander.kill()
