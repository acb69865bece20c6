"""``hermes tasks run``: run, score and summarise Harbor task directories.

Exit status 0 when every trial ran (whatever the rewards), 1 when any trial errored, 2 for bad usage.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from typing import Any

import click

from hermes_agent_loop.engines import engine_options


@click.group()
def tasks() -> None:
    """Harbor tasks (Terminal-Bench 2's format): run them with an agent and score them."""


@tasks.command("run")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, file_okay=False))
@click.option("--agent", "-a", default="oracle", show_default=True, help="oracle, nop, hermes or a plugin's.")
@click.option(
    "-n", "--n-concurrent", default=1, show_default=True, type=click.IntRange(1), help="Trials at once."
)
@click.option(
    "-k", "--attempts", default=1, show_default=True, type=click.IntRange(1), help="Trials per task."
)
@click.option("--jobs-dir", default="jobs", show_default=True, type=click.Path(file_okay=False))
@click.option("--job-name", help="The job's folder name (default: the start time).")
@click.option(
    "--resume", is_flag=True, help="Continue a job (--job-name, else the newest); skip finished trials."
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document: trials and summary.")
@click.option("--backend", default="docker", show_default=True, help="Terminal backend that starts images.")
@engine_options
@click.option("--model", "-m", help="Model for the hermes agent (else HERMES_MODEL, else config).")
@click.option("--base-url", help="OpenAI-compatible endpoint for the hermes agent (else OPENAI_BASE_URL).")
@click.option("--api-key", help="API key for the hermes agent (else OPENAI_API_KEY).")
@click.option("--max-turns", type=click.IntRange(1), help="Model calls per trial for the hermes agent.")
@click.option("--toolsets", "-t", help="Toolsets for the hermes agent (default: terminal,file).")
@click.option("--temperature", type=float)
@click.option("--tool-call-parser", help="Parse tool calls client-side (servers without a tool parser).")
def run(paths: tuple[str, ...], agent: str, n_concurrent: int, attempts: int, jobs_dir: str,
        job_name: str | None, resume: bool, as_json: bool, backend: str, engine: str,
        ray_address: str | None, **agent_options: Any) -> None:  # fmt: skip
    """Run every task in PATHS (task directories, or directories of tasks) with AGENT and score it.

    \b
    hermes tasks run tasks/ --agent oracle -n 4
    hermes tasks run tasks/hello --agent hermes -k 3 --model m --base-url http://127.0.0.1:8000/v1
    hermes tasks run tasks/ --job-name nightly --resume --json
    """
    from hermes_env_harbor.agents import agent_class
    from hermes_env_harbor.job import JobOptions, plan, run_job
    from hermes_env_harbor.summary import table

    agent_class(agent)  # an unknown agent is a one-line error before anything starts
    if agent == "hermes":  # so is the hermes agent without an endpoint or a model
        from hermes_agent_loop.cli.settings import RunSettings

        RunSettings.from_flags(**agent_options)
    options = JobOptions(
        paths=list(paths), agent=agent, n_concurrent=n_concurrent, attempts=attempts, jobs_dir=jobs_dir,
        job_name=job_name, resume=resume, backend=backend, engine=engine, ray_address=ray_address,
        agent_options={k: v for k, v in agent_options.items() if v is not None},
    )  # fmt: skip
    stop_trials_on_signals()
    os.environ["TERMINAL_POOL_MAX"] = "0"  # a trial needs a fresh container: never a pooled, reused one
    show_progress = not as_json and sys.stderr.isatty()
    if show_progress:
        with click.progressbar(length=len(plan(options)), label="trials", file=sys.stderr) as bar:
            job = run_job(options, on_result=lambda _: bar.update(1))
    else:
        job = run_job(options)
    if as_json:
        click.echo(json.dumps(job.to_dict(), indent=2, ensure_ascii=False))
    else:
        click.echo(table(job.trials, job.summary))
        for trial in job.trials:
            for warning in trial.get("warnings") or ():
                click.echo(f"warning: {trial['task']}__{trial['attempt']}: {warning}", err=True)
            if trial.get("error"):
                click.echo(f"error: {trial['task']}__{trial['attempt']}: {trial['error']['kind']}: "
                           f"{trial['error']['message']}", err=True)  # fmt: skip
        skipped = f" ({job.skipped} finished before, skipped)" if job.skipped else ""
        click.echo(f"job: {job.job_dir}{skipped}")
    if job.summary["errors"]:
        sys.exit(1)


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def stop_trials_on_signals() -> None:
    """Ctrl-C, SIGTERM and SIGHUP: the trials still running are marked cut short (no ``result.json``, so
    ``--resume`` runs them again), then the core removes every sandbox (containers included) and the
    command exits 128 + the signal. A signal ignored when the command started (``nohup``, a background
    job's SIGINT) stays ignored."""
    from hermes_core.sandboxes import install_signal_cleanup
    from hermes_env_harbor.trial import STOPPING

    install_signal_cleanup(STOP_SIGNALS)
    for signum in STOP_SIGNALS:
        removing = signal.getsignal(signum)
        if callable(removing) and not getattr(removing, "stops_trials", False):

            def stop(number: int, frame: Any, removing: Any = removing) -> None:
                STOPPING.set()
                removing(number, frame)

            stop.stops_trials = True  # type: ignore[attr-defined]  # installed once per process
            signal.signal(signum, stop)
