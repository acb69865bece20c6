"""The ssh backend against a real OpenSSH server on loopback (see conftest.py)."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
from hermes_backend_ssh.backend import SSHBackend

from hermes_testkit.backends import BackendConformance


class TestSSHConformance(BackendConformance):
    backend_name = "ssh"

    @pytest.fixture(autouse=True)
    def _server(self, sshd):
        self.server = sshd

    def make_backend(self):
        s = self.server
        return SSHBackend(host=s["host"], port=s["port"], user=s["user"], key=s["key"])


@pytest.fixture
def backend(sshd):
    return SSHBackend(host=sshd["host"], port=sshd["port"], user=sshd["user"], key=sshd["key"])


def test_config_from_environment(monkeypatch, sshd):
    monkeypatch.setenv("TERMINAL_SSH_HOST", sshd["host"])
    monkeypatch.setenv("TERMINAL_SSH_PORT", str(sshd["port"]))
    monkeypatch.setenv("TERMINAL_SSH_USER", sshd["user"])
    monkeypatch.setenv("TERMINAL_SSH_KEY", sshd["key"])
    backend = SSHBackend()
    assert backend.unavailable_reason() is None
    sandbox = backend.create("env")
    try:
        assert sandbox.execute("whoami").output.strip() == sshd["user"]
    finally:
        sandbox.cleanup()


def test_unconfigured_names_the_variables(monkeypatch):
    monkeypatch.delenv("TERMINAL_SSH_HOST", raising=False)
    assert "TERMINAL_SSH_HOST" in SSHBackend().unavailable_reason()


def test_one_connection_per_task_reused(backend):
    sandbox = backend.create("reuse")
    try:
        sandbox.execute("true")
        client = sandbox._client
        for _ in range(5):
            sandbox.execute("true")
        assert sandbox._client is client and sandbox.reconnects == 0
    finally:
        sandbox.cleanup()


def test_reconnects_after_a_dropped_connection(backend):
    sandbox = backend.create("drop")
    try:
        sandbox.execute("echo keep > f.txt")
        sandbox._client.get_transport().close()  # the network dropped us
        assert sandbox.execute("cat f.txt").output.strip() == "keep"
        assert sandbox.reconnects == 1
    finally:
        sandbox.cleanup()


def test_timeout_is_enforced_on_the_remote(backend):
    sandbox = backend.create("remote-timeout")
    try:
        start = time.monotonic()
        result = sandbox.execute("sleep 414", timeout=1)
        assert result.exit_code == 124 and "timed out" in result.output
        assert time.monotonic() - start < 8
        assert _remote_pids_gone("^sleep 414$"), "the remote sleep survived its timeout"
    finally:
        sandbox.cleanup()


def test_remote_dir_removed_on_cleanup(backend):
    sandbox = backend.create("rm")
    path = sandbox.cwd
    assert path.startswith("/tmp/hermes-rm-")
    sandbox.cleanup()
    probe = backend.create("probe")
    try:
        assert probe.execute(f"test -e {path}").exit_code == 1
    finally:
        probe.cleanup()


def test_wrong_port_is_a_clear_error(sshd):
    from hermes_core.terminal import SandboxError

    backend = SSHBackend(host="127.0.0.1", port=1, user=sshd["user"], key=sshd["key"])
    with pytest.raises(SandboxError, match="cannot connect to sshtest@127.0.0.1:1"):
        backend.create("nope")


def test_import_does_not_load_paramiko():
    code = "import sys, hermes_backend_ssh; print('paramiko' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def _remote_pids(pattern: str) -> str:
    """Pids of the test user's processes whose command line matches ``pattern`` (seen from this host)."""
    return subprocess.run(["pgrep", "-u", "sshtest", "-f", pattern], capture_output=True, text=True).stdout


def _remote_pids_gone(pattern: str, within: float = 5.0) -> bool:
    """Whether no process matches ``pattern`` any more, waiting up to ``within`` seconds for the kill to
    land (a unique pattern per test: other tests', or another run's, processes never match)."""
    deadline = time.monotonic() + within
    while _remote_pids(pattern) and time.monotonic() < deadline:
        time.sleep(0.1)
    return _remote_pids(pattern) == ""


def test_background_job_does_not_hold_the_command(backend):
    sandbox = backend.create("bg")
    try:
        start = time.monotonic()
        result = sandbox.execute("sleep 417 & echo quick", timeout=2)
        elapsed = time.monotonic() - start
        assert (result.output.strip(), result.exit_code) == ("quick", 0)
        assert "timed out" not in result.output
        assert elapsed < 2, f"waited {elapsed:.1f}s for a background job"
        assert _remote_pids("^sleep 417$"), "the background job is the agent's until cleanup"
    finally:
        sandbox.cleanup()
    assert _remote_pids_gone("^sleep 417$"), "cleanup left the task's background job running"


def test_timeout_note_appears_once(backend):
    sandbox = backend.create("note-once")
    try:
        result = sandbox.execute("echo before; sleep 415", timeout=1)
        assert result.exit_code == 124
        assert result.output.count("timed out") == 1, result.output
        assert "before" in result.output
        assert _remote_pids_gone("^sleep 415$"), "the remote sleep survived its timeout"
    finally:
        sandbox.cleanup()


def test_client_deadline_kills_the_remote_command(backend, monkeypatch):
    """When the remote `timeout` has not answered by the client's deadline, we kill the command ourselves."""
    import hermes_backend_ssh.backend as ssh_backend

    monkeypatch.setattr(ssh_backend, "CLIENT_GRACE", -1.5)  # the client gives up before the remote side
    sandbox = backend.create("client-deadline")
    try:
        start = time.monotonic()
        result = sandbox.execute("echo before; (sleep 418) & sleep 419", timeout=3)
        assert result.exit_code == 124 and result.output.count("timed out") == 1, result.output
        assert "before" in result.output
        assert time.monotonic() - start < 3, "the client deadline did not cut the wait short"
        assert _remote_pids("^sleep 41[89]$") == "", "the command outlived the client-side timeout"
    finally:
        sandbox.cleanup()


def test_settings_reach_the_backend(monkeypatch, tmp_path):
    from hermes_backend_ssh.backend import SSHBackend

    from hermes_core import config
    from hermes_core.registry import HermesError

    monkeypatch.setenv("HERMES_HOME", str(tmp_path))
    for name in ("TERMINAL_SSH_HOST", "TERMINAL_SSH_PORT", "TERMINAL_SSH_USER"):
        monkeypatch.delenv(name, raising=False)
    config.set_value("terminal.ssh.host", "build-box")
    config.set_value("terminal.ssh.port", "2222")
    backend = SSHBackend(user="ci")
    assert (backend.host, backend.port, backend.user) == ("build-box", 2222, "ci")
    monkeypatch.setenv("TERMINAL_SSH_PORT", "ssh")
    with pytest.raises(HermesError, match=r"terminal.ssh.port = 'ssh' \(env TERMINAL_SSH_PORT\)"):
        SSHBackend()
