"""Pool benchmark: task start latency cold vs warm, and 10k faulty tasks through a pool of 8 with no leak.

    python benchmarks/pool.py [--tasks 10000] [--threads 64] [--create-ms 50]

Sandboxes are simulated (creation costs ``--create-ms``), so the figures measure the pool itself.
Exit status 1 if any sandbox leaked.
"""

from __future__ import annotations

import argparse
import random
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from hermes_core.pool import SandboxPool
from hermes_core.terminal import ExecResult, Sandbox, SandboxError, TerminalBackend


class SimSandbox(Sandbox):
    def __init__(self, backend: SimBackend) -> None:
        self.backend, self.task_id, self.cwd, self.alive, self.cleaned = backend, "sim", "/sim", True, False

    def execute(self, command, cwd=None, timeout=None):
        b = self.backend
        if not self.alive:
            raise SandboxError("dead")
        roll = b.roll()
        if roll < b.die:
            self.alive = False
            if roll < b.die / 2:  # half die loudly, half silently (found by is_alive on release/acquire)
                raise SandboxError("sandbox died")
            return ExecResult("", 137)
        if roll < b.die + b.exec_fail and not command.startswith("rm -rf"):
            raise RuntimeError("exec failed")
        if b.exec_s and not command.startswith(("rm -rf", "mkdir")):
            time.sleep(b.exec_s)
        return ExecResult("", 0)

    def cleanup(self):
        with self.backend.lock:
            if not self.cleaned:
                self.cleaned, self.alive = True, False
                self.backend.live -= 1

    def is_alive(self):
        return self.alive


class SimBackend(TerminalBackend):
    name = "sim"

    def __init__(self, create_s=0.0, create_fail=0.0, exec_fail=0.0, die=0.0, exec_s=0.0, seed=7):
        super().__init__()
        self.exec_s = exec_s
        self.create_s, self.create_fail, self.exec_fail, self.die = create_s, create_fail, exec_fail, die
        self.lock, self.live, self.made, self._rng = threading.Lock(), 0, 0, random.Random(seed)

    def roll(self):
        with self.lock:
            return self._rng.random()

    def create_sandbox(self, request):
        time.sleep(self.create_s)
        if self.roll() < self.create_fail:
            raise SandboxError("creation failed")
        with self.lock:
            self.live += 1
            self.made += 1
        return SimSandbox(self)


def latency(args) -> None:
    n, cost = 40, args.create_ms / 1000
    cold = []
    backend = SimBackend(create_s=cost)
    for i in range(n):
        start = time.perf_counter()
        sandbox = backend.create(f"t{i}")
        sandbox.execute("true")
        cold.append(time.perf_counter() - start)
        sandbox.cleanup()
    warm = []
    pool = SandboxPool(SimBackend(create_s=cost), max_size=8)
    for i in range(n):
        start = time.perf_counter()
        with pool.task(f"t{i}") as sandbox:
            sandbox.execute("true")
            warm.append(time.perf_counter() - start)
    pool.close()
    ms = 1000
    print(f"task start latency, creation cost {args.create_ms:g} ms, {n} sequential tasks:")
    print(
        f"  cold (create per task): median {statistics.median(cold) * ms:7.2f} ms"
        f"  p95 {_p95(cold) * ms:7.2f} ms"
    )
    print(
        f"  warm (pool of 8)      : median {statistics.median(warm) * ms:7.3f} ms"
        f"  p95 {_p95(warm) * ms:7.3f} ms"
    )
    print(f"  speed-up (median)     : {statistics.median(cold) / statistics.median(warm):.0f}x")


def _p95(values):
    return sorted(values)[int(len(values) * 0.95) - 1]


def faults(args) -> int:
    backend = SimBackend(create_s=0.005, create_fail=0.05, exec_fail=0.02, die=0.01, exec_s=0.0005)
    pool = SandboxPool(backend, max_size=8, acquire_timeout=60)
    outcome = {"ok": 0, "task_error": 0, "sandbox_error": 0}
    lock = threading.Lock()
    alive_max = 0

    def task(i: int) -> None:
        nonlocal alive_max
        key = "ok"
        try:
            with pool.task(f"task-{i}") as sandbox:
                for _ in range(3):
                    sandbox.execute("step")
                alive_max = max(alive_max, backend.live)
        except SandboxError:
            key = "sandbox_error"
        except RuntimeError:
            key = "task_error"
        with lock:
            outcome[key] += 1

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=args.threads) as executor:
        list(executor.map(task, range(args.tasks)))
    elapsed = time.perf_counter() - start
    before_close = pool.snapshot()
    pool.close()
    after = pool.snapshot()
    leaked = after["created"] - after["destroyed"] - after["idle"]
    print(
        f"\n{args.tasks} tasks, pool of 8, {args.threads} threads, "
        "faults: 5% create, 2% exec, 1% sandbox death"
    )
    print("  (simulated: creation 5 ms, each of 3 commands per task 0.5 ms)")
    print(f"  wall time {elapsed:.2f} s ({args.tasks / elapsed:,.0f} tasks/s)")
    print(f"  outcomes: {outcome}")
    print(
        f"  before close: created {before_close['created']} reused {before_close['reused']} "
        f"destroyed {before_close['destroyed']} idle {before_close['idle']} in_use {before_close['in_use']} "
        f"waiting {before_close['waiting']}"
    )
    print(
        f"  faults seen: create_failures {after['create_failures']} dead_replaced {after['dead_replaced']} "
        f"setup_failures {after['setup_failures']} timeouts {after['timeouts']} "
        f"peak size {after['peak_size']}"
    )
    print(
        f"  after close: created {after['created']} == destroyed {after['destroyed']} + idle {after['idle']}"
    )
    print(
        f"  leaks: {leaked} slot(s), {backend.live} sandbox(es) still alive, peak alive {alive_max} (max 8)"
    )
    bad = leaked != 0 or backend.live != 0 or after["peak_size"] > 8 or sum(outcome.values()) != args.tasks
    print("  RESULT:", "LEAK OR OVERSUBSCRIPTION" if bad else "no leaks")
    return 1 if bad else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--threads", type=int, default=64)
    parser.add_argument("--create-ms", type=float, default=50.0)
    args = parser.parse_args()
    latency(args)
    return faults(args)


if __name__ == "__main__":
    raise SystemExit(main())
