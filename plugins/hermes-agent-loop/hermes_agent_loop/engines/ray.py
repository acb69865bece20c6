"""The Ray engine: jobs run in async Ray actors spread over the cluster; the driver keeps the books.

Exactly once: the driver alone delivers outcomes, one per key, as results arrive. A worker process
killed or a node lost mid-job is a Ray system error, never a result: Ray re-runs the call on the
restarted actor (``max_restarts=-1``, ``max_task_retries``) and, should that give up or a result be
lost with its node, the driver submits the job again (up to ``retries`` times) before the key's outcome
becomes an error. Nothing is delivered twice: a key leaves the in-flight table when it is delivered.

Bounded: at most ``workers`` jobs are in flight, spread over the actors by least load.

Sandboxes: a job's sandboxes are made in the actor that runs it (each worker its own pool); an actor
restarted after a ``kill -9`` first reclaims what its dead predecessor left on that machine
(:func:`hermes_core.process.reclaim_orphans`, the same path a hermes started after ``kill -9`` takes).

Loopback: a Ray instance this engine starts (no address) listens on 127.0.0.1 only.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Iterator
from typing import Any

from hermes_agent_loop.engines.jobs import Job, Outcome, call_job, close_worker_locals, describe

PER_ACTOR = 32
"""Jobs one actor runs at once by default: rollouts wait on the model, so one process holds many."""
RAY_PIN = "ray[client]==2.60.0"  # client: grpcio, for ray:// addresses
LOOPBACK = ("127.0.0.1", "localhost", "::1")
CLOSE_SECONDS = 30.0
ACTOR_CPUS = 0.01
CONNECT_ATTEMPTS = 3
"""Connections to a ``ray://`` address before its proxy's abort is the error (:func:`connect`)."""


class JobRunner:
    """One worker: an event loop running up to ``max_concurrency`` jobs, and the sandboxes they make."""

    def __init__(self) -> None:
        try:
            from hermes_core.process import reclaim_orphans
        except ImportError:  # an older kernel: nothing to reclaim with
            return
        reclaim_orphans()

    async def run(self, fn: Callable[..., Any], args: tuple, kwargs: dict) -> tuple[str, Any]:
        return await call_job(fn, args, kwargs)

    def where(self) -> tuple[int, str]:
        """``(pid, node id)``: which process and node this worker is (for operators and tests)."""
        import ray

        return os.getpid(), ray.get_runtime_context().get_node_id()

    async def close(self) -> None:
        """Close shared clients and release every sandbox this worker still holds."""
        await close_worker_locals()
        try:
            from hermes_core.sandboxes import release_all
        except ImportError:
            return
        release_all()


def import_ray(address: str | None) -> Any:
    """``ray``, imported so that a local instance (or a cluster on 127.0.0.1) stays on loopback; a
    one-line error naming the extra when it is missing."""
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    if address is None or _host(address) in LOOPBACK:
        # read once when ray is imported: with it Ray binds and advertises 127.0.0.1, not the machine's
        # network address (Ray's own default on macOS and Windows)
        os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
    try:
        import ray
    except ImportError:
        from hermes_core.registry import HermesError

        raise HermesError(
            f'--engine ray needs Ray: pip install "hermes-agent-loop[ray]" (installs {RAY_PIN})'
        ) from None
    return ray


def connect(ray: Any, address: str) -> None:
    """``ray.init(address)``; at a ``ray://`` address, tried again when the cluster's Ray Client proxy
    aborts the connection. The proxy starts a server per client and that start fails now and then: a port
    of its fixed range taken meanwhile, or a server that exits at once (psutil's ``ZombieProcess`` in the
    proxy). A new connection gets a new server. A failed connect leaves no client state behind."""
    for attempt in range(1, CONNECT_ATTEMPTS + 1):
        try:
            ray.init(address=address, log_to_driver=False)
            return
        except ConnectionAbortedError:
            if not address.startswith("ray://") or attempt == CONNECT_ATTEMPTS:
                raise
            time.sleep(attempt)


def _host(address: str) -> str:
    rest = address.split("://", 1)[-1]
    return rest.rsplit(":", 1)[0].strip("[]") if ":" in rest else rest


def run_on_ray(
    jobs: Iterator[Job],
    deliver: Callable[[Outcome], None],
    workers: int,
    *,
    address: str | None = None,
    retries: int = 3,
    actors: int | None = None,
) -> None:
    ray = import_ray(address)
    connected_here = not ray.is_initialized()
    if connected_here:
        if address is None:
            # "local": always a new instance of our own, never a cluster that happens to run here
            ray.init(
                address="local", include_dashboard=False, log_to_driver=False, _node_ip_address="127.0.0.1"
            )
        else:
            connect(ray, address)
    handles: list[Any] = []
    try:
        nodes = [node["NodeID"] for node in ray.nodes() if node.get("Alive")]
        count = actors or min(workers, max(len(nodes), math.ceil(workers / PER_ACTOR)))
        per_actor = math.ceil(workers / count)
        runner = ray.remote(JobRunner)
        options = {
            "max_restarts": -1,
            "max_task_retries": retries,
            "max_concurrency": per_actor,
            # a sliver of a CPU: placeable next to anything, so a lost node's workers restart elsewhere
            # (with 0 CPUs Ray ignored the node affinity below)
            "num_cpus": ACTOR_CPUS,
        }
        handles = [
            runner.options(**options, scheduling_strategy=_spread(nodes, i)).remote() for i in range(count)
        ]
        _Driver(ray, handles, deliver, retries).run(jobs, workers)
    finally:
        _close(ray, handles)
        if connected_here:
            ray.shutdown()


def _spread(nodes: list[str], index: int) -> Any:
    """Round-robin over the live nodes, softly: a worker whose node is lost restarts on another one.
    (Placed explicitly: with Ray's ``SPREAD`` strategy our workers all landed on one node.)"""
    if not nodes:
        return "DEFAULT"
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    return NodeAffinitySchedulingStrategy(nodes[index % len(nodes)], soft=True)


def _close(ray: Any, handles: list[Any]) -> None:
    """Ask every worker to release its sandboxes (bounded wait), then end it."""
    if not handles:
        return
    try:
        ray.wait([h.close.remote() for h in handles], num_returns=len(handles), timeout=CLOSE_SECONDS)
    except Exception:
        pass
    for handle in handles:
        try:
            ray.kill(handle, no_restart=True)
        except Exception:
            pass


class _Driver:
    """The in-flight table: which key each pending call is for, on which worker, at which attempt."""

    def __init__(self, ray: Any, handles: list[Any], deliver, retries: int) -> None:
        self.ray = ray
        self.handles = handles
        self.load = [0] * len(handles)
        self.deliver = deliver
        self.retries = retries
        self.pending: dict[Any, tuple[Job, int, int]] = {}  # ref -> (job, worker index, attempt)

    def submit(self, job: Job, attempt: int = 1) -> None:
        index = min(range(len(self.handles)), key=self.load.__getitem__)
        ref = self.handles[index].run.remote(job.fn, tuple(job.args), dict(job.kwargs))
        self.load[index] += 1
        self.pending[ref] = (job, index, attempt)

    def run(self, jobs: Iterator[Job], workers: int) -> None:
        exhausted = False
        while True:
            while not exhausted and len(self.pending) < workers:
                job = next(jobs, None)
                if job is None:
                    exhausted = True
                else:
                    self.submit(job)
            if not self.pending:
                return
            ready, _ = self.ray.wait(list(self.pending), num_returns=1)
            for ref in ready:
                self.settle(ref)

    def settle(self, ref: Any) -> None:
        job, index, attempt = self.pending.pop(ref)
        self.load[index] -= 1
        try:
            status, value = self.ray.get(ref)
        except self.ray.exceptions.RayTaskError as exc:  # our wrapper failed (e.g. an unpicklable job)
            status, value = "error", describe(exc.cause if exc.cause is not None else exc)
        except self.ray.exceptions.RayError as exc:  # a worker or node lost under the job: run it again
            if attempt <= self.retries:
                self.submit(job, attempt + 1)
                return
            status, value = "error", f"gave up after {attempt} attempts: {describe(exc)}"
        self.deliver(Outcome.of(job.key, status, value))
