"""A job: every (task, attempt) trial of some task directories, run concurrently, resumable.

The job's folder is ``<jobs_dir>/<job_name>/`` (the name defaults to the start time, as Harbor names
jobs): ``config.json`` (what was asked), one folder per trial (:mod:`hermes_env_harbor.trial`) and, at
the end, ``result.json`` (trials and summary). ``resume`` reuses a job folder (the named one, else the
newest) and skips every trial that already has a result.

Trials run through the agent plugin's engines (:func:`hermes_agent_loop.engines.run_jobs`), at most
``n_concurrent`` at once: ``local`` in this process, ``ray`` in Ray actors (a local instance, or a cluster
by ``ray_address``). A trial is a plain function of JSON-able arguments
(:func:`~hermes_env_harbor.trial.run_trial`), so any worker can run it; outcomes are delivered here, once
per trial, whichever engine ran it.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from hermes_core.registry import HermesError
from hermes_env_harbor.summary import summarise
from hermes_env_harbor.task import TrialError, find_tasks
from hermes_env_harbor.trial import read_result, run_trial, trial_name


@dataclass
class JobOptions:
    paths: list[str]
    agent: str = "oracle"
    n_concurrent: int = 1
    attempts: int = 1
    jobs_dir: str = "jobs"
    job_name: str | None = None
    resume: bool = False
    backend: str = "docker"
    engine: str = "local"
    ray_address: str | None = None
    agent_options: dict[str, Any] = field(default_factory=dict)


@dataclass
class JobResult:
    job_dir: Path
    trials: list[dict[str, Any]]
    summary: dict[str, Any]
    skipped: int = 0
    """Trials found finished in the job folder (``resume``) and not run again."""

    def to_dict(self) -> dict[str, Any]:
        return {"trials": self.trials, "summary": self.summary}


def job_dir_for(options: JobOptions) -> Path:
    root = Path(options.jobs_dir)
    if options.job_name:
        return root / options.job_name
    if options.resume:
        previous = sorted(p for p in root.glob("*") if (p / "config.json").is_file()) if root.is_dir() else []
        if not previous:
            raise HermesError(f"--resume: no job in {root} to resume (name one with --job-name)")
        return previous[-1]
    return root / time.strftime("%Y-%m-%d__%H-%M-%S")


def plan(options: JobOptions) -> list[tuple[str, int]]:
    try:
        tasks = find_tasks(options.paths)
    except TrialError as exc:
        raise HermesError(exc.message) from None
    return [(str(task), attempt) for task in tasks for attempt in range(1, options.attempts + 1)]


def run_job(options: JobOptions, on_result: Callable[[dict[str, Any]], None] | None = None) -> JobResult:
    """Run the job's trials (see the module docstring); ``on_result`` sees each as it finishes."""
    from hermes_agent_loop.engines import Job, run_jobs

    trials = plan(options)
    job_dir = job_dir_for(options)
    if job_dir.exists() and not options.resume and any(job_dir.iterdir()):
        raise HermesError(f"job folder {job_dir} exists: pass --resume to continue it, or another --job-name")
    job_dir.mkdir(parents=True, exist_ok=True)
    config = asdict(options) | {"agent_options": _public(options)}
    (job_dir / "config.json").write_text(json.dumps(config, indent=2))
    keys = {trial_name(Path(task).name, attempt): (task, attempt) for task, attempt in trials}
    results: dict[str, dict[str, Any]] = {}
    if options.resume:
        for key in keys:
            found = read_result(job_dir / key)
            if found is not None:
                results[key] = found
    skipped = len(results)
    trial_options = {
        "agent": options.agent,
        "agent_options": options.agent_options,
        "backend": options.backend,
        "job_dir": str(job_dir),
    }
    jobs = [
        Job(key, run_trial_in_thread, (task, attempt, trial_options)) for key, (task, attempt) in keys.items()
    ]

    def deliver(outcome: Any) -> None:
        task, attempt = keys[outcome.key]
        result = outcome.result or lost_trial(task, attempt, outcome.error or "no result")
        results[outcome.key] = result
        if on_result is not None:
            on_result(result)

    run_jobs(jobs, deliver, engine=options.engine, workers=options.n_concurrent, skip=set(results),
             ray_address=options.ray_address)  # fmt: skip
    ordered = [results[key] for key in keys]
    job = JobResult(job_dir, ordered, summarise(ordered), skipped=skipped)
    (job_dir / "result.json").write_text(json.dumps(job.to_dict(), indent=2, ensure_ascii=False))
    return job


async def run_trial_in_thread(task_dir: str, attempt: int, options: dict[str, Any]) -> dict[str, Any]:
    """:func:`run_trial` in a thread of its own: the engine bounds how many run at once, and an event
    loop's default executor (CPUs + 4 threads) must not bound ``-n`` again."""
    loop = asyncio.get_running_loop()
    done: asyncio.Future[dict[str, Any]] = loop.create_future()

    def deliver(result: dict[str, Any]) -> None:
        if not done.done():  # the job was cancelled meanwhile (Ctrl-C): nobody waits for it
            done.set_result(result)

    def target() -> None:
        result = run_trial(task_dir, attempt, options)  # never raises: every failure is the trial's error
        try:
            loop.call_soon_threadsafe(deliver, result)
        except RuntimeError:  # the loop is closed: the command was interrupted
            pass

    threading.Thread(target=target, name="harbor-trial", daemon=True).start()
    return await done


def lost_trial(task_dir: str, attempt: int, why: str) -> dict[str, Any]:
    """The result of a trial the engine could not run (its worker lost past the retries)."""
    return {
        "task": Path(task_dir).name, "attempt": attempt, "reward": None, "rewards": {},
        "error": {"kind": "engine_error", "message": why}, "seconds": {},
    }  # fmt: skip


def _public(options: JobOptions) -> dict[str, Any]:
    """Agent options fit to save: the API key left out."""
    return {k: v for k, v in options.agent_options.items() if k != "api_key"}
