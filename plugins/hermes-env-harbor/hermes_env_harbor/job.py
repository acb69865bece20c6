"""A job: every (task, attempt) trial of some task directories, run concurrently, resumable.

The job's folder is ``<jobs_dir>/<job_name>/`` (the name defaults to the start time, as Harbor names
jobs): ``config.json`` (what was asked), one folder per trial (:mod:`hermes_env_harbor.trial`) and, at
the end, ``result.json`` (trials and summary). ``resume`` reuses a job folder (the named one, else the
newest) and skips every trial that already has a result.

Trials run on an engine: ``local`` is a thread pool of ``n_concurrent`` workers in this process (the
trial's heavy work happens in the Docker engine, so threads suffice). Since a trial is a plain function
of JSON-able arguments (:func:`~hermes_env_harbor.trial.run_trial`), another engine only has to map it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from hermes_core.registry import HermesError
from hermes_env_harbor.summary import summarise
from hermes_env_harbor.task import TrialError, find_tasks
from hermes_env_harbor.trial import read_result, run_trial, trial_name

ENGINES = ("local",)


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
    if options.engine not in ENGINES:
        raise HermesError(f"unknown engine {options.engine!r}; available: {', '.join(ENGINES)}")
    trials = plan(options)
    job_dir = job_dir_for(options)
    if job_dir.exists() and not options.resume and any(job_dir.iterdir()):
        raise HermesError(f"job folder {job_dir} exists: pass --resume to continue it, or another --job-name")
    job_dir.mkdir(parents=True, exist_ok=True)
    config = asdict(options) | {"agent_options": _public(options)}
    (job_dir / "config.json").write_text(json.dumps(config, indent=2))
    done: dict[tuple[str, int], dict[str, Any]] = {}
    if options.resume:
        for task, attempt in trials:
            found = read_result(job_dir / trial_name(Path(task).name, attempt))
            if found is not None:
                done[(task, attempt)] = found
    pending = [t for t in trials if t not in done]
    trial_options = {
        "agent": options.agent,
        "agent_options": options.agent_options,
        "backend": options.backend,
        "job_dir": str(job_dir),
    }
    results = dict(done)
    workers = max(1, options.n_concurrent)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="harbor-trial") as pool:
        futures = {pool.submit(run_trial, task, n, trial_options): (task, n) for task, n in pending}
        for future in as_completed(futures):
            result = future.result()
            results[futures[future]] = result
            if on_result is not None:
                on_result(result)
    ordered = [results[t] for t in trials]
    summary = summarise(ordered)
    job = JobResult(job_dir, ordered, summary, skipped=len(done))
    (job_dir / "result.json").write_text(json.dumps(job.to_dict(), indent=2, ensure_ascii=False))
    return job


def _public(options: JobOptions) -> dict[str, Any]:
    """Agent options fit to save: the API key left out."""
    return {k: v for k, v in options.agent_options.items() if k != "api_key"}
