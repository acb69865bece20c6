"""Backend selection and the per-task sandbox table, over a real shell backend (hermes-kernel alone)."""

from __future__ import annotations

import threading

import pytest

from hermes_core.plugins import get_hermes
from hermes_core.registry import Entry
from hermes_core.sandboxes import BackendUnavailable, SandboxTable
from hermes_core.terminal import SandboxError
from hermes_testkit.backends import ShellBackend

PLUGIN = "tests-shell-backend"


class ClosingShellBackend(ShellBackend):
    closed = 0

    def close(self) -> None:
        type(self).closed += 1


@pytest.fixture
def shell(monkeypatch):
    """``TERMINAL_ENV=shell-test`` names a real backend registered for the test."""
    backends = get_hermes().backends
    backends.add(Entry(name="shell-test", target=ClosingShellBackend, plugin=PLUGIN))
    monkeypatch.setenv("TERMINAL_ENV", "shell-test")
    monkeypatch.delenv("TERMINAL_CWD", raising=False)
    monkeypatch.delenv("TERMINAL_POOL_MAX", raising=False)
    yield
    backends.remove_plugin(PLUGIN)


def test_unknown_backend_is_an_error_naming_the_installed_ones(shell, monkeypatch):
    monkeypatch.setenv("TERMINAL_ENV", "nosuch")
    with pytest.raises(
        BackendUnavailable, match=r"unknown terminal backend 'nosuch'.*installed: .*shell-test"
    ):
        SandboxTable().get("t1")


def test_one_sandbox_per_task_until_cleanup(shell):
    table = SandboxTable()
    first = table.get("t1")
    assert table.get("t1") is first and table.get("t2") is not first
    first.execute("echo data > mine.txt")
    assert table.get("t2").execute("ls").output.strip() == ""
    table.cleanup("t1")
    assert table.active() == ["t2"]
    assert table.get("t1").execute("ls").output.strip() == ""
    table.cleanup_all()
    assert table.active() == []


def test_cleanup_all_closes_every_backend_through_the_base_class(shell):
    table = SandboxTable()
    table.get("t")
    before = ClosingShellBackend.closed
    table.cleanup_all()
    assert ClosingShellBackend.closed == before + 1


def test_settings_reach_the_request(shell, monkeypatch, tmp_path):
    monkeypatch.setenv("TERMINAL_TIMEOUT", "7")
    monkeypatch.setenv("TERMINAL_CWD", str(tmp_path / "work"))
    table = SandboxTable()
    sandbox = table.get("configured")
    assert (sandbox.timeout, sandbox.cwd) == (7.0, str(tmp_path / "work"))
    assert sandbox.execute("sleep 30", timeout=1).exit_code == 124
    table.cleanup_all()


def test_a_bad_timeout_setting_is_one_clear_line(shell, monkeypatch):
    from hermes_core.registry import HermesError

    monkeypatch.setenv("TERMINAL_TIMEOUT", "-5")
    with pytest.raises(HermesError, match=r"terminal.timeout = '-5' \(env TERMINAL_TIMEOUT\)"):
        SandboxTable().get("t")


class SlowCreation:
    """The table's backend creates ``"r"``'s sandbox only once :attr:`release` is set, in a worker
    thread (events, not sleeps: no race on timing); records what was created and cleaned up."""

    def __init__(self, table: SandboxTable, monkeypatch) -> None:
        backend = table.backend()
        self.created, self.cleaned, self.errors = [], [], []
        self.creating, self.release = threading.Event(), threading.Event()
        real_create = backend.create

        def slow_create(request):
            self.creating.set()
            self.release.wait(timeout=30)
            sandbox = real_create(request)
            self.created.append(sandbox)
            real_cleanup = sandbox.cleanup
            sandbox.cleanup = lambda: (self.cleaned.append(sandbox), real_cleanup())
            return sandbox

        monkeypatch.setattr(backend, "create", slow_create)
        self.worker = threading.Thread(target=lambda: self.errors.append(_capture(lambda: table.get("r"))))
        self.worker.start()
        assert self.creating.wait(timeout=30)


def test_cleanup_during_a_slow_creation_leaks_nothing(shell, monkeypatch):
    """A rollout whose tool timed out cleans up while the backend is still creating its sandbox."""
    table = SandboxTable()
    slow = SlowCreation(table, monkeypatch)
    table.cleanup("r")
    slow.release.set()
    slow.worker.join()
    assert isinstance(slow.errors[0], SandboxError) and "cleaned up while" in str(slow.errors[0])
    assert table.active() == []
    assert slow.created == slow.cleaned  # the orphan was cleaned by its creator
    table.get("r")  # the task id is usable again
    assert table.active() == ["r"]
    table.cleanup_all()
    assert len(slow.created) == 2 and slow.created == slow.cleaned


def test_cleanup_all_waits_for_a_creation_in_flight_and_leaks_nothing(shell, monkeypatch):
    """A signal's cleanup lands while a backend is still creating a sandbox (a container starting):
    the creation is cancelled, and cleanup_all returns only once the created sandbox is cleaned up."""
    table = SandboxTable()
    slow = SlowCreation(table, monkeypatch)
    cleaner = threading.Thread(target=table.cleanup_all)
    cleaner.start()
    cleaner.join(0.5)
    assert cleaner.is_alive(), "cleanup_all returned while a sandbox was still being created"
    slow.release.set()
    cleaner.join(timeout=30)
    slow.worker.join(timeout=30)
    assert not cleaner.is_alive()
    assert len(slow.created) == 1 and slow.created == slow.cleaned
    assert isinstance(slow.errors[0], SandboxError) and table.active() == []


def _capture(call):
    try:
        return call()
    except Exception as exc:
        return exc
