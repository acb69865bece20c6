"""hermes terminal backend ``ssh``: commands run on a remote host, one connection per task (paramiko).

Only the class reference is registered here; paramiko is imported when a sandbox is created.
"""

from __future__ import annotations

from hermes_core.hookspecs import hookimpl
from hermes_core.settings import Setting, positive

__version__ = "0.1.0"


@hookimpl
def register_terminal_backends(register):
    register("hermes_backend_ssh.backend:SSHBackend", name="ssh", description="A remote host over SSH.")


SETTINGS = (
    Setting("terminal.ssh.host", env="TERMINAL_SSH_HOST", help="Remote host the commands run on."),
    Setting("terminal.ssh.user", env="TERMINAL_SSH_USER", help="Remote user (default: the local one)."),
    Setting("terminal.ssh.port", int, env="TERMINAL_SSH_PORT", default=22, minimum=1, maximum=65535,
            help="SSH port."),
    Setting("terminal.ssh.key", env="TERMINAL_SSH_KEY", help="Private key file."),
    Setting("terminal.ssh.password", env="TERMINAL_SSH_PASSWORD", secret=True,
            help="Password, when no key is used."),
    Setting("terminal.ssh.known_hosts", env="TERMINAL_SSH_KNOWN_HOSTS",
            help="known_hosts file; when set, unknown host keys are refused."),
    Setting("terminal.ssh.connect_timeout", float, env="TERMINAL_SSH_CONNECT_TIMEOUT", default=15.0,
            check=positive, help="Seconds to wait for the connection."),
)  # fmt: skip


@hookimpl
def register_settings(register):
    for setting in SETTINGS:
        register(setting)
