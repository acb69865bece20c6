"""A real OpenSSH server on 127.0.0.1 for the whole session: free port, throwaway keys, killed at the end."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from hermes_testkit.ports import free_port, listens

SSHD = "/usr/sbin/sshd"
USER = "sshtest"


def _listening(pidfile: str, port: int, log: str, wait: float = 10) -> bool:
    """Whether the sshd that writes ``pidfile`` listens on ``port`` itself (not somebody else there)."""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        try:
            if listens(int(Path(pidfile).read_text()), port):
                return True
        except (OSError, ValueError):
            pass
        if os.path.exists(log) and "Cannot bind any address" in Path(log).read_text(errors="replace"):
            return False
        time.sleep(0.1)
    return False


def _run(*argv: str) -> None:
    subprocess.run(argv, check=True, capture_output=True)


def _account(user: str) -> None:
    """The test user, unlocked. A second test run on this machine may be creating it too: the shadow
    file's lock makes one of the two commands fail, so each is tried again for a while."""
    for argv in (["useradd", "-m", "-s", "/bin/bash", user], ["usermod", "-p", "*", user]):
        for _ in range(50):  # useradd leaves the account locked ('!'), which sshd refuses: usermod -p '*'
            done = subprocess.run(argv, capture_output=True, text=True)
            if done.returncode == 0 or (argv[0] == "useradd" and "already exists" in done.stderr):
                break
            time.sleep(0.1)
        else:
            raise RuntimeError(f"{' '.join(argv)}: {done.stderr.strip()}")


@pytest.fixture(scope="session")
def sshd():
    if not os.path.exists(SSHD):
        pytest.skip(f"{SSHD} is missing: apt-get install openssh-server (scripts/services.sh does it)")
    if os.geteuid() != 0:
        pytest.skip("starting a throwaway sshd needs root (to create the test user)")
    d = tempfile.mkdtemp(prefix="hermes-sshd-")
    os.chmod(d, 0o711)  # sshd reads the authorized keys below as the test user
    _run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", f"{d}/host_ed25519")
    _run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", f"{d}/client_ed25519")
    _account(USER)
    # This server's own authorized-keys file, not the user's ~/.ssh/authorized_keys: a second test run on
    # the same machine (two CI runs side by side) would overwrite that one with its own key.
    shutil.copy(f"{d}/client_ed25519.pub", f"{d}/authorized_keys")
    os.chmod(f"{d}/authorized_keys", 0o644)
    os.makedirs("/run/sshd", exist_ok=True)
    pidfile = f"{d}/sshd.pid"
    for _ in range(3):  # another process may take the free port before sshd binds it: then another port
        port = free_port()
        subprocess.run(
            [SSHD, "-p", str(port), "-o", "ListenAddress=127.0.0.1", "-h", f"{d}/host_ed25519",
             "-o", f"PidFile={pidfile}", "-o", "PasswordAuthentication=no", "-o", "UsePAM=no",
             "-o", "MaxStartups=100", "-o", "MaxSessions=100", "-E", f"{d}/sshd.log",
             "-o", f"AuthorizedKeysFile={d}/authorized_keys", "-o", "StrictModes=no"],
            check=False,  # it exits 255 when the port was taken: _listening reads why from its log
        )  # fmt: skip
        if _listening(pidfile, port, f"{d}/sshd.log"):
            break
    else:
        pytest.fail(f"sshd did not listen: {Path(d, 'sshd.log').read_text()}")
    yield {"host": "127.0.0.1", "port": port, "user": USER, "key": f"{d}/client_ed25519", "dir": d}
    try:
        os.kill(int(Path(pidfile).read_text()), signal.SIGTERM)
    except (OSError, ValueError):
        pass
    shutil.rmtree(d, ignore_errors=True)
