"""Run keyed jobs on this machine or on a Ray cluster: one outcome per key, bounded, resumable.

``hermes batch`` and ``hermes tasks run`` both go through :func:`run_jobs`; a job is a module-level
callable with picklable arguments that returns a JSON-able dict, and the caller's ``deliver`` writes each
outcome (in the calling process, one at a time, exactly once per key)::

    from hermes_agent_loop.engines import Job, run_jobs

    def trial(task_dir: str, model: str) -> dict:        # module-level: a Ray worker imports it by name
        return {"reward": 1.0}

    def save(outcome):                                     # Outcome(key, result, error)
        writer.append({"id": outcome.key, **(outcome.result or {"error": outcome.error})})

    jobs = [Job(key=t.name, fn=trial, args=(str(t), "m")) for t in tasks]
    run_jobs(jobs, save, engine="ray", workers=32, skip=keys_already_written, ray_address="auto")

Resume is the caller's file plus ``skip``: outcomes land only through ``deliver``, so the keys written
so far are exactly the keys to skip, whichever engine wrote them. A job that raises gets an error
outcome; a worker or node lost under a job is retried (see :mod:`hermes_agent_loop.engines.ray`).
Ray is the ``ray`` extra (``pip install "hermes-agent-loop[ray]"``), imported only for ``engine="ray"``.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from typing import Any

import click

from hermes_agent_loop.engines.jobs import Job, Outcome, worker_local
from hermes_core.registry import HermesError

__all__ = ["ENGINES", "Job", "Outcome", "engine_options", "run_jobs", "worker_local"]

ENGINES = ("local", "ray")


def run_jobs(
    jobs: Iterable[Job],
    deliver: Callable[[Outcome], None],
    *,
    engine: str = "local",
    workers: int = 8,
    skip: Collection[str] = (),
    ray_address: str | None = None,
    retries: int = 3,
) -> int:
    """Run every job whose key is not in ``skip``, at most ``workers`` at once; ``deliver`` each outcome.

    Returns how many jobs ran. A duplicate key is an error before anything runs. ``ray_address``:
    ``None`` starts a local Ray instance (on 127.0.0.1), ``"auto"`` joins the running cluster,
    ``"ray://HOST:PORT"`` goes through Ray Client. ``retries``: how often a job lost with its worker or
    node is run again. An exception from ``deliver`` stops the run and is raised here.
    """
    if engine not in ENGINES:
        raise HermesError(f"unknown engine {engine!r}; choose one of: {', '.join(ENGINES)}")
    todo: list[Job] = []
    keys: set[str] = set()
    for job in jobs:
        if job.key in keys:
            raise HermesError(f"duplicate job key {job.key!r}")
        keys.add(job.key)
        if job.key not in skip:
            todo.append(job)
    if not todo:
        return 0
    workers = max(1, min(workers, len(todo)))
    if engine == "ray":
        from hermes_agent_loop.engines.ray import run_on_ray

        run_on_ray(iter(todo), deliver, workers, address=ray_address, retries=retries)
    else:
        from hermes_agent_loop.engines.local import run_local

        run_local(todo, deliver, workers)
    return len(todo)


def engine_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``--engine local|ray`` and ``--ray-address`` for a command that calls :func:`run_jobs`."""
    fn = click.option(
        "--ray-address",
        help="With --engine ray: 'auto' (the running cluster), HOST:PORT or ray://HOST:PORT; "
        "none starts a local Ray instance on 127.0.0.1.",
    )(fn)
    return click.option(
        "--engine",
        type=click.Choice(ENGINES),
        default="local",
        show_default=True,
        help="Where runs execute: this process, or a Ray cluster (pip install 'hermes-agent-loop[ray]').",
    )(fn)
