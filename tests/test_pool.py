"""The generic sandbox pool over a real shell backend and over a fault-injecting fake backend.

Both backends live here, so these tests need hermes-kernel alone (no backend plugin).
"""

from __future__ import annotations

import os
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from hermes_core.pool import PoolClosed, PooledBackend, PoolTimeout, SandboxPool, task_dir_name
from hermes_core.terminal import ExecResult, Sandbox, SandboxError, SandboxRequest, TerminalBackend, task_slug
from hermes_testkit.backends import BackendConformance, ShellBackend

# -- a fake backend that fails on purpose --------------------------------------------------------------


class FakeSandbox(Sandbox):
    def __init__(self, backend: FakeBackend, task_id: str) -> None:
        self.backend, self.task_id, self.cwd = backend, task_id, "/fake"
        self.alive, self.cleaned, self.dirs = True, 0, set()

    def execute(self, command, cwd=None, timeout=None):
        b = self.backend
        if not self.alive:
            raise SandboxError("sandbox is dead")
        if b.rng_roll(b.die_rate):
            self.alive = False
            if b.rng_roll(0.5):  # half noisily, half silently (found by is_alive on release)
                raise SandboxError("sandbox died mid-command")
            return ExecResult("", 137)
        if command.startswith("rm -rf -- "):
            if b.rng_roll(b.setup_fail_rate):
                return ExecResult("disk full", 1)
            return ExecResult("", 0)
        if b.rng_roll(b.exec_fail_rate):
            raise RuntimeError("exec transport error")
        if b.exec_delay:
            time.sleep(b.exec_delay)
        return ExecResult(f"ran {command} in {cwd}", 0)

    def cleanup(self):
        with self.backend.lock:
            self.cleaned += 1
            if self.cleaned == 1:
                self.alive = False
                self.backend.live -= 1

    def is_alive(self):
        return self.alive


class FakeBackend(TerminalBackend):
    name = "fake"

    def __init__(
        self,
        *,
        create_fail_rate=0.0,
        exec_fail_rate=0.0,
        die_rate=0.0,
        setup_fail_rate=0.0,
        delay=0.0,
        exec_delay=0.0,
    ):
        super().__init__()
        self.create_fail_rate, self.exec_fail_rate = create_fail_rate, exec_fail_rate
        self.die_rate, self.setup_fail_rate, self.delay = die_rate, setup_fail_rate, delay
        self.exec_delay = exec_delay
        self.lock = threading.Lock()
        self.live = self.peak = self.created = 0
        self.sandboxes: list[FakeSandbox] = []
        self._rng = random.Random(1234)

    def rng_roll(self, rate: float) -> bool:
        with self.lock:
            return rate > 0 and self._rng.random() < rate

    def create_sandbox(self, request):
        task_id = request.task_id
        if self.delay:
            time.sleep(self.delay)
        if self.rng_roll(self.create_fail_rate):
            raise SandboxError("quota exceeded")
        sandbox = FakeSandbox(self, task_id)
        with self.lock:
            self.live += 1
            self.created += 1
            self.peak = max(self.peak, self.live)
            self.sandboxes.append(sandbox)
        return sandbox


def assert_accounted(pool: SandboxPool, backend: FakeBackend) -> None:
    m = pool.snapshot()
    assert m["in_use"] == 0 and m["waiting"] == 0 and m["creating"] == 0
    assert m["created"] == m["destroyed"] + m["idle"] == backend.created
    assert m["size"] == m["idle"]
    assert backend.live == m["idle"]
    pool.close()
    m = pool.snapshot()
    assert m["created"] == m["destroyed"] and m["idle"] == 0 and m["size"] == 0
    assert backend.live == 0
    assert all(s.cleaned >= 1 for s in backend.sandboxes)


# -- fake backend --------------------------------------------------------------------------------------


def test_reuse_and_metrics():
    backend = FakeBackend()
    pool = SandboxPool(backend, max_size=2)
    for i in range(5):
        with pool.task(f"t{i}") as sandbox:
            assert sandbox.cwd == f"/fake/hermes_tasks/t{i}"
            assert sandbox.execute("echo hi").output == f"ran echo hi in /fake/hermes_tasks/t{i}"
    m = pool.snapshot()
    assert (m["created"], m["reused"], m["idle"], m["in_use"]) == (1, 4, 1, 0)
    assert_accounted(pool, backend)


def test_bounded_under_many_concurrent_tasks_with_faults():
    backend = FakeBackend(
        create_fail_rate=0.1,
        exec_fail_rate=0.05,
        die_rate=0.03,
        setup_fail_rate=0.03,
        delay=0.002,
        exec_delay=0.001,
    )
    pool = SandboxPool(backend, max_size=4, acquire_timeout=30)
    outcomes = {"ok": 0, "failed": 0}
    lock = threading.Lock()

    def work(i: int) -> None:
        try:
            with pool.task(f"task-{i}") as sandbox:
                for _ in range(3):
                    sandbox.execute("work")
            key = "ok"
        except (SandboxError, RuntimeError):
            key = "failed"
        with lock:
            outcomes[key] += 1

    with ThreadPoolExecutor(max_workers=32) as executor:
        list(executor.map(work, range(800)))
    assert outcomes["ok"] + outcomes["failed"] == 800
    assert outcomes["ok"] > 400
    assert backend.peak <= 4
    m = pool.snapshot()
    assert (
        m["peak_size"] == 4
        and m["create_failures"] > 0
        and m["dead_replaced"] > 0
        and m["setup_failures"] > 0
    )
    assert_accounted(pool, backend)


def test_deadline_error_is_clear():
    backend = FakeBackend()
    pool = SandboxPool(backend, max_size=1)
    held = pool.acquire("holder")
    start = time.monotonic()
    with pytest.raises(PoolTimeout, match=r"no sandbox free within 0.3s"):
        pool.acquire("late", timeout=0.3)
    waited = time.monotonic() - start
    assert waited >= 0.29 and waited < 30  # never before its deadline; the upper bound only catches a hang
    assert backend.created == 1, "a waiter past its deadline must not get an extra sandbox"
    held.release()
    assert_accounted(pool, backend)


def test_fifo_fairness():
    backend = FakeBackend()
    pool = SandboxPool(backend, max_size=1)
    first = pool.acquire("first")
    order: list[int] = []
    threads = []
    for i in range(6):

        def wait_turn(i=i):
            with pool.task(f"w{i}"):
                order.append(i)
                time.sleep(0.01)

        t = threading.Thread(target=wait_turn)
        t.start()
        threads.append(t)
        while pool.snapshot()["waiting"] < i + 1:  # queue them in a known order
            time.sleep(0.001)
    # a newcomer arriving now must queue behind them, not barge in
    late = threading.Thread(target=lambda: pool.task("late").__enter__().release() or order.append(99))
    late.start()
    while pool.snapshot()["waiting"] < 7:
        time.sleep(0.001)
    first.release()
    for t in [*threads, late]:
        t.join(10)
    assert order == [0, 1, 2, 3, 4, 5, 99]
    assert_accounted(pool, backend)


def test_creation_failure_frees_the_slot():
    backend = FakeBackend(create_fail_rate=1.0)
    pool = SandboxPool(backend, max_size=1, create_attempts=2)
    for _ in range(3):
        with pytest.raises(SandboxError, match="could not get a sandbox after 2 attempts: .*quota exceeded"):
            pool.acquire("t", timeout=1)
    assert pool.snapshot()["size"] == 0
    backend.create_fail_rate = 0.0
    with pool.task("ok") as sandbox:
        assert sandbox.execute("x").exit_code == 0
    assert_accounted(pool, backend)


def test_setup_hook_failure_destroys_sandbox():
    backend = FakeBackend()
    calls = []

    def setup(sandbox):
        calls.append(sandbox)
        if len(calls) == 1:
            raise RuntimeError("pip install failed")

    pool = SandboxPool(backend, max_size=1, setup=setup)
    with pool.task("t") as sandbox:  # first sandbox's setup fails, the second one serves
        assert sandbox.execute("x").exit_code == 0
    assert calls[0].cleaned == 1 and backend.created == 2
    assert_accounted(pool, backend)


def test_task_raising_sandbox_error_discards_other_errors_return():
    backend = FakeBackend()
    pool = SandboxPool(backend, max_size=1)
    with pytest.raises(ValueError), pool.task("a"):
        raise ValueError("task bug")
    assert pool.snapshot()["idle"] == 1
    with pytest.raises(SandboxError), pool.task("b"):
        raise SandboxError("broken")
    assert pool.snapshot()["idle"] == 0 and pool.snapshot()["destroyed"] == 1
    assert_accounted(pool, backend)


def test_dead_sandbox_replaced_on_acquire_and_release():
    backend = FakeBackend()
    pool = SandboxPool(backend, max_size=1)
    with pool.task("a"):
        pass
    backend.sandboxes[0].alive = False  # died while idle
    with pool.task("b") as sandbox:
        assert sandbox.inner is backend.sandboxes[1]
        backend.sandboxes[1].alive = False  # dies during the task
    assert pool.snapshot()["idle"] == 0 and pool.snapshot()["dead_replaced"] == 2
    assert_accounted(pool, backend)


def test_max_idle_retirement():
    backend = FakeBackend()
    pool = SandboxPool(backend, max_size=2, max_idle=0.2, reap_interval=0.05)
    with pool.task("a"):
        pass
    assert pool.snapshot()["idle"] == 1
    deadline = time.monotonic() + 3
    while pool.snapshot()["idle"] and time.monotonic() < deadline:
        time.sleep(0.02)
    assert pool.snapshot()["idle"] == 0 and pool.snapshot()["retired"] == 1 and backend.live == 0
    assert_accounted(pool, backend)


def test_max_age_replaced_on_acquire():
    backend = FakeBackend()
    pool = SandboxPool(backend, max_size=1, max_age=0.1, reap_interval=3600)
    with pool.task("a"):
        pass
    time.sleep(0.15)
    with pool.task("b") as sandbox:
        assert sandbox.inner is backend.sandboxes[1]
    assert_accounted(pool, backend)


def test_close_terminates_all_and_refuses_new_tasks():
    backend = FakeBackend()
    pool = SandboxPool(backend, max_size=3)
    leases = [pool.acquire(f"t{i}") for i in range(3)]
    leases[0].release()
    leases[0] = pool.acquire("again")  # reused: two different states below (waiter + lent)
    waiter_error: list[BaseException] = []
    extra = threading.Thread(target=lambda: _catch(waiter_error, lambda: pool.acquire("waiter", timeout=10)))
    extra.start()
    while pool.snapshot()["waiting"] < 1:
        time.sleep(0.001)
    leases[0].release()  # handed straight to the waiter
    extra.join(5)
    assert not waiter_error
    waiter_error.clear()
    extra = threading.Thread(target=lambda: _catch(waiter_error, lambda: pool.acquire("waiter2", timeout=10)))
    extra.start()
    while pool.snapshot()["waiting"] < 1:
        time.sleep(0.001)
    pool.close(timeout=0.2)  # all three still out: force-terminated after the grace
    extra.join(5)
    assert isinstance(waiter_error[0], PoolClosed)
    assert backend.live == 0
    for lease in leases[1:]:
        lease.release()
    m = pool.snapshot()
    assert m["created"] == m["destroyed"] == 3 and m["in_use"] == 1  # the waiter's lease, never released
    with pytest.raises(PoolClosed):
        pool.acquire("after")


def test_close_destroys_idle_and_waits_for_lent():
    backend = FakeBackend()
    pool = SandboxPool(backend, max_size=2)
    idle, lent = pool.acquire("a"), pool.acquire("b")
    idle.release()
    threading.Timer(0.1, lent.release).start()
    pool.close(timeout=5)
    m = pool.snapshot()
    assert m["created"] == m["destroyed"] == 2 and m["size"] == 0 and backend.live == 0


def _catch(errors, fn):
    try:
        fn()
    except BaseException as exc:
        errors.append(exc)


def test_pooled_backend_through_the_sandbox_interface():
    backend = FakeBackend()
    pooled = PooledBackend(backend, max_size=2)
    sandboxes = [pooled.create(f"t{i}") for i in range(2)]
    assert {s.cwd for s in sandboxes} == {"/fake/hermes_tasks/t0", "/fake/hermes_tasks/t1"}
    for s in sandboxes:
        s.cleanup()
        s.cleanup()  # idempotent
    with pytest.raises(SandboxError, match="already given back"):
        sandboxes[0].execute("x")
    assert pooled.metrics()["idle"] == 2
    pooled.close()
    assert backend.live == 0


def test_task_dir_names_are_safe():
    assert task_dir_name("task-1.a_b") == "task-1.a_b"
    for hostile in ["x; rm -rf /", "../../etc", "..", ".", "a/b", "$(id)", "", "-rf"]:
        name = task_dir_name(hostile)
        assert "/" not in name and name not in ("", ".", "..") and not name.startswith("-")
        assert all(c.isalnum() or c in "_.-" for c in name)


class TestPooledBackendConformance(BackendConformance):
    """A pooled backend keeps the whole terminal contract (tasks share warm sandboxes)."""

    def make_backend(self):
        return PooledBackend(ShellBackend(), max_size=2)


def test_one_sanitiser_for_every_name():
    assert task_slug("x; rm -rf / #$(id)") == "x_rm_-rf_id"
    assert task_slug("../..") == "task" and task_slug("-rf") == "rf"
    assert task_slug("a.b-c", chars="_") == "a_b_c"
    assert len(task_slug("y" * 500)) == 40


def test_request_object_reaches_the_backend():
    seen = []

    class Recorder(FakeBackend):
        def create_sandbox(self, request):
            seen.append(request)
            return super().create_sandbox(request)

    backend = Recorder()
    backend.create("t", image="img", timeout=7, network="none").cleanup()
    request = SandboxRequest("pool", image="img2", cwd="/w", timeout=3, options={"x": 1})
    pool = SandboxPool(backend, max_size=1, request=request)
    with pool.task("job"):
        pass
    pool.close()
    first, second = seen
    assert (first.task_id, first.image, first.timeout, dict(first.options)) == (
        "t",
        "img",
        7.0,
        {"network": "none"},
    )
    assert (second.image, second.cwd, second.timeout, second.option("x")) == ("img2", "/w", 3.0, 1)
    assert second.task_id.startswith("pool-")


# -- a real shell backend ------------------------------------------------------------------------------


def test_local_backend_pooled_concurrent_tasks(tmp_path):
    base = tmp_path / "sandbox"
    pool = SandboxPool(ShellBackend(), max_size=3, request=SandboxRequest("pool", cwd=str(base), timeout=30))
    seen: dict[str, str] = {}
    lock = threading.Lock()

    def work(i: int) -> None:
        with pool.task(f"task-{i}") as sandbox:
            assert sandbox.execute("ls -A | wc -l").output.strip() == "0", "task dir not empty"
            sandbox.execute(f"echo {i} > mine.txt")
            assert sandbox.execute("cat mine.txt").output.strip() == str(i)
            with lock:
                seen[sandbox.execute("pwd").output.strip()] = str(i)

    with ThreadPoolExecutor(max_workers=8) as executor:
        list(executor.map(work, range(30)))
    assert len(seen) == 30
    assert all(path.startswith(str(base / "hermes_tasks")) for path in seen)
    assert list((base / "hermes_tasks").iterdir()) == [], "task directories must be removed on release"
    m = pool.snapshot()
    assert m["created"] <= 3 and m["in_use"] == 0
    pool.close()
    assert pool.snapshot()["created"] == pool.snapshot()["destroyed"]


def test_hostile_task_id_is_harmless(tmp_path):
    base = tmp_path / "sandbox"
    marker = tmp_path / "marker"
    marker.write_text("still here")
    hostile = f"x; rm -rf {tmp_path} ; rm -rf / #$(rm -rf {marker})"
    pool = SandboxPool(ShellBackend(), max_size=1, request=SandboxRequest("pool", cwd=str(base)))
    with pool.task(hostile) as sandbox:
        assert sandbox.execute("echo ok").output == "ok\n"
        assert os.path.isdir(sandbox.cwd) and sandbox.cwd.startswith(str(base / "hermes_tasks") + "/")
    with pool.task("..") as sandbox:  # must not become <cwd>/hermes_tasks/.. (= the base itself)
        assert os.path.dirname(sandbox.cwd) == str(base / "hermes_tasks")
    pool.close()
    assert marker.read_text() == "still here"
    assert base.is_dir()


def test_pooled_local_backend_timeout_still_kills(tmp_path):
    pool = SandboxPool(ShellBackend(), max_size=1, request=SandboxRequest("pool", cwd=str(tmp_path)))
    with pool.task("t") as sandbox:
        result = sandbox.execute("sleep 30", timeout=1)
        assert result.exit_code == 124
    pool.close()
