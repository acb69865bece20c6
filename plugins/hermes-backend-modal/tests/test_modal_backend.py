"""The modal backend behind the Sandbox interface with a fake modal module; real Modal only with a token."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from hermes_core.terminal import SandboxError
from hermes_testkit.backends import BackendConformance

sys.path.insert(0, str(Path(__file__).parent))
import fake_modal
from hermes_backend_modal.backend import ModalBackend


@pytest.fixture
def fake(monkeypatch):
    module = fake_modal.install(monkeypatch)
    monkeypatch.setenv("MODAL_TOKEN_ID", "fake-id")
    monkeypatch.setenv("MODAL_TOKEN_SECRET", "fake-secret")
    for key in ("TERMINAL_MODAL_MODE", "TERMINAL_MODAL_POOL_MAX", "TERMINAL_MODAL_IMAGE"):
        monkeypatch.delenv(key, raising=False)
    yield module
    assert fake_modal.LIVE == [], "a fake Modal sandbox was left running"


class TestModalConformanceWithFake(BackendConformance):
    backend_name = "modal"

    @pytest.fixture(autouse=True)
    def _fake(self, fake):
        pass


class TestModalPoolConformanceWithFake(BackendConformance):
    """The same contract holds when tasks share pooled sandboxes."""

    backend_name = "modal"

    @pytest.fixture(autouse=True)
    def _fake(self, fake, monkeypatch):
        monkeypatch.setenv("TERMINAL_MODAL_MODE", "pool")


def test_sdk_usage(fake, monkeypatch):
    monkeypatch.setenv("TERMINAL_MODAL_IMAGE", "nikolaik/python-nodejs:python3.11-nodejs20")
    backend = ModalBackend()
    sandbox = backend.create("t1", timeout=30)
    result = sandbox.execute("echo hi; echo err >&2; exit 3")
    assert (result.output, result.exit_code) == ("hi\nerr\n", 3)
    sandbox.cleanup()
    sandbox.cleanup()
    names = [c[0] for c in fake_modal.CALLS]
    assert names == [
        "App.lookup",
        "Image.from_registry",
        "Sandbox.create",
        "Sandbox.exec",
        "Sandbox.terminate",
    ]
    assert fake_modal.CALLS[0] == ("App.lookup", "hermes-agent", True)
    assert fake_modal.CALLS[1] == ("Image.from_registry", "nikolaik/python-nodejs:python3.11-nodejs20")
    assert fake_modal.CALLS[2][3] == "/root"
    argv, exec_timeout = fake_modal.CALLS[3][1], fake_modal.CALLS[3][2]
    assert argv[:2] == ("bash", "-c") and exec_timeout >= 30
    assert "timeout --foreground -k 10 -s TERM 30 sh -c" in argv[2]  # the remote guard (remote_script)


def test_one_sandbox_per_task_by_default(fake):
    backend = ModalBackend()
    a, b = backend.create("a"), backend.create("b")
    assert a.sb is not b.sb
    a.cleanup()
    b.cleanup()


def test_pool_mode_bounded_by_pool_max(fake, monkeypatch):
    monkeypatch.setenv("TERMINAL_MODAL_MODE", "pool")
    monkeypatch.setenv("TERMINAL_MODAL_POOL_MAX", "2")
    backend = ModalBackend()
    errors = []

    def task(i):
        try:
            sandbox = backend.create(f"task-{i}")
            assert sandbox.cwd == f"/root/hermes_tasks/task-{i}"
            out = sandbox.execute("ls -A | wc -l; pwd").output.split()
            assert out[0] == "0" and out[1].endswith(f"/hermes_tasks/task-{i}")
            sandbox.cleanup()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=task, args=(i,)) for i in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    creates = [c for c in fake_modal.CALLS if c[0] == "Sandbox.create"]
    assert 1 <= len(creates) <= 2
    metrics = backend.pooled().metrics()
    assert metrics["created"] == len(creates) and metrics["in_use"] == 0
    backend.close()


def test_creation_failure_is_a_sandbox_error(fake):
    fake.Sandbox.fail_next_create = True
    with pytest.raises(SandboxError, match="cannot create a sandbox: RuntimeError: fake quota exceeded"):
        ModalBackend().create("x")


def test_without_token_names_the_variables(monkeypatch, tmp_path):
    monkeypatch.delenv("MODAL_TOKEN_ID", raising=False)
    monkeypatch.delenv("MODAL_TOKEN_SECRET", raising=False)
    monkeypatch.setenv("MODAL_CONFIG_PATH", str(tmp_path / "none.toml"))
    reason = ModalBackend().unavailable_reason()
    if importlib.util.find_spec("modal") is None:
        assert "pip install" in reason
    else:
        assert "MODAL_TOKEN_ID" in reason and "MODAL_TOKEN_SECRET" in reason
    with pytest.raises(SandboxError, match="unavailable"):
        ModalBackend().create("x")


def test_terminal_env_modal_without_token_is_an_error_not_local(monkeypatch, tmp_path):
    from hermes_core.sandboxes import BackendUnavailable, make_backend

    monkeypatch.delenv("MODAL_TOKEN_ID", raising=False)
    monkeypatch.delenv("MODAL_TOKEN_SECRET", raising=False)
    monkeypatch.setenv("MODAL_CONFIG_PATH", str(tmp_path / "none.toml"))
    with pytest.raises(BackendUnavailable, match="'modal' is unavailable.*installed:"):
        make_backend("modal")


def test_bad_mode_is_rejected(monkeypatch):
    from hermes_core.registry import HermesError

    monkeypatch.setenv("TERMINAL_MODAL_MODE", "swarm")
    with pytest.raises(HermesError, match=r"terminal.modal.mode = 'swarm' \(env TERMINAL_MODAL_MODE\)"):
        ModalBackend()


def test_hermes_config_set_reaches_the_backend(fake, monkeypatch, tmp_path):
    """Issue 11.4: ``hermes config set terminal.modal.mode pool`` used to be accepted and then ignored."""
    monkeypatch.setenv("HERMES_HOME", str(tmp_path))
    for argv in (["terminal.modal.mode", "pool"], ["terminal.modal.pool_max", "2"]):
        done = subprocess.run(
            [sys.executable, "-m", "hermes_core", "config", "set", *argv], capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
    shown = subprocess.run(
        [sys.executable, "-m", "hermes_core", "config", "show"], capture_output=True, text=True, check=True
    ).stdout
    assert any(line.split()[:2] == ["terminal.modal.mode", "pool"] for line in shown.splitlines())
    backend = ModalBackend()
    assert (backend.mode, backend.pool_max) == ("pool", 2)
    sandbox = backend.create("configured")
    assert sandbox.cwd.endswith("/hermes_tasks/configured")  # a pooled lease, not a bare sandbox
    sandbox.cleanup()
    assert backend.pooled().pool().max_size == 2
    backend.close()


def test_plugin_imports_do_not_load_sdks():
    code = (
        "import sys, hermes_tools_terminal, hermes_backend_modal, hermes_backend_modal.backend;"
        "print(sorted(m for m in ('modal', 'docker', 'paramiko') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.skipif(
    not (os.environ.get("MODAL_TOKEN_ID") and os.environ.get("MODAL_TOKEN_SECRET")),
    reason="real Modal needs MODAL_TOKEN_ID and MODAL_TOKEN_SECRET (opt-in integration test)",
)
class TestModalReal(BackendConformance):
    backend_name = "modal"


def test_background_job_does_not_hold_the_command(fake):
    sandbox = ModalBackend().create("bg", timeout=30)
    try:
        start = time.monotonic()
        result = sandbox.execute("sleep 30 & echo quick", timeout=5)
        elapsed = time.monotonic() - start
        assert (result.output.strip(), result.exit_code) == ("quick", 0)
        assert elapsed < 3, f"waited {elapsed:.1f}s for a background job"
        assert fake_modal.session_pids(sandbox.sb.sessions), "the background job is the agent's to keep"
    finally:
        sandbox.cleanup()
    deadline = time.monotonic() + 5  # SIGKILL is asynchronous
    while fake_modal.session_pids(sandbox.sb.sessions) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert fake_modal.session_pids(sandbox.sb.sessions) == []


def test_client_deadline_keeps_the_output_read_so_far(fake, monkeypatch):
    import hermes_backend_modal.backend as modal_backend

    monkeypatch.setattr(modal_backend, "CLIENT_GRACE", -1.5)  # give up before the remote `timeout` fires
    sandbox = ModalBackend().create("deadline", timeout=30)
    try:
        start = time.monotonic()
        result = sandbox.execute("echo before; sleep 30", timeout=3)
        assert time.monotonic() - start < 3
        assert result.exit_code == 124 and result.output.count("timed out") == 1
        assert result.output.startswith("before\n")
    finally:
        sandbox.cleanup()


def test_exec_timeout_error_keeps_the_output(fake, monkeypatch):
    class ExecTimeoutError(Exception):
        pass

    monkeypatch.setattr(fake_modal._Process, "wait_error", ExecTimeoutError)
    sandbox = ModalBackend().create("exec-timeout", timeout=30)
    try:
        result = sandbox.execute("echo before; sleep 0.5")
        assert result.exit_code == 124 and result.output.count("timed out") == 1
        assert result.output.startswith("before\n")
    finally:
        sandbox.cleanup()


def test_sandbox_lifetime_follows_hermes_agents_variable(fake, monkeypatch):
    monkeypatch.setenv("TERMINAL_LIFETIME_SECONDS", "900")
    ModalBackend().create("t1").cleanup()
    (create,) = [c for c in fake_modal.CALLS if c[0] == "Sandbox.create"]
    assert create[2] == 900
