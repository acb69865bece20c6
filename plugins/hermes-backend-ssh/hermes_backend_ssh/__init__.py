"""hermes terminal backend ``ssh``: commands run on a remote host, one connection per task (paramiko).

Only the class reference is registered here; paramiko is imported when a sandbox is created.
"""

from __future__ import annotations

from hermes_core.hookspecs import hookimpl

__version__ = "0.1.0"


@hookimpl
def register_terminal_backends(register):
    register("hermes_backend_ssh.backend:SSHBackend", name="ssh", description="A remote host over SSH.")
