"""Backend selection and the per-task sandbox table, over the real local backend."""

from __future__ import annotations

import pytest

from hermes_core.sandboxes import BackendUnavailable, SandboxTable


def test_unknown_backend_is_an_error_naming_the_installed_ones(monkeypatch):
    monkeypatch.setenv("TERMINAL_ENV", "nosuch")
    with pytest.raises(BackendUnavailable, match=r"unknown terminal backend 'nosuch'.*installed: .*local"):
        SandboxTable().get("t1")


def test_one_sandbox_per_task_until_cleanup(monkeypatch):
    monkeypatch.setenv("TERMINAL_ENV", "local")
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


def test_terminal_pool_max_pools_any_backend(monkeypatch):
    monkeypatch.setenv("TERMINAL_ENV", "local")
    monkeypatch.setenv("TERMINAL_POOL_MAX", "1")
    table = SandboxTable()
    first = table.get("a")
    home = first.execute("pwd").output.strip()
    assert home.endswith("/hermes_tasks/a")
    table.cleanup("a")  # gives the warm sandbox back; the task directory is removed
    second = table.get("b")
    assert second.execute("pwd").output.strip().endswith("/hermes_tasks/b")
    assert table.backend().metrics()["reused"] == 1
    table.cleanup_all()


def test_cleanup_during_a_slow_creation_leaks_nothing(monkeypatch):
    """A rollout whose tool timed out cleans up while the backend is still creating its sandbox."""
    import threading
    import time

    from hermes_core.terminal import SandboxError

    monkeypatch.setenv("TERMINAL_ENV", "local")
    table = SandboxTable()
    backend = table.backend()
    created, cleaned = [], []
    real_create = backend.create

    def slow_create(task_id, **kwargs):
        time.sleep(0.3)
        sandbox = real_create(task_id, **kwargs)
        created.append(sandbox)
        real_cleanup = sandbox.cleanup
        sandbox.cleanup = lambda: (cleaned.append(sandbox), real_cleanup())
        return sandbox

    monkeypatch.setattr(backend, "create", slow_create)
    errors = []
    worker = threading.Thread(target=lambda: errors.append(_capture(lambda: table.get("r"))))
    worker.start()
    time.sleep(0.1)
    table.cleanup("r")
    worker.join()
    assert isinstance(errors[0], SandboxError) and "cleaned up while" in str(errors[0])
    assert table.active() == []
    assert created == cleaned  # the orphan was cleaned by its creator
    table.get("r")  # the task id is usable again
    assert table.active() == ["r"]
    table.cleanup_all()
    assert len(created) == 2 and created == cleaned


def _capture(call):
    try:
        return call()
    except Exception as exc:
        return exc
