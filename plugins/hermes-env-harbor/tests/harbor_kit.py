"""Helpers the Harbor tests share: the test tasks and ``hermes tasks`` run in process."""

from __future__ import annotations

import json
import signal
from pathlib import Path

TASKS = Path(__file__).parent / "tasks"
BASE_IMAGE = "debian:bookworm-slim"


def hermes_tasks(*args: str) -> tuple[int, str, str]:
    """``hermes tasks ARGS`` in this process: (exit code, stdout, stderr); a :class:`HermesError` is what
    ``hermes`` makes of it, one line on stderr and exit 1."""
    from click.testing import CliRunner

    from hermes_core.cli import cli
    from hermes_core.registry import HermesError

    ctrl_c = signal.getsignal(signal.SIGINT)
    try:
        result = CliRunner().invoke(cli, ["tasks", *args])
    finally:  # `hermes tasks run` takes Ctrl-C over; the rest of the suite expects its own handler back
        signal.signal(signal.SIGINT, ctrl_c)
    if isinstance(result.exception, HermesError):
        return 1, result.stdout, f"error: {result.exception}"
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def run_json(*args: str) -> tuple[int, dict]:
    code, out, err = hermes_tasks("run", "--json", *args)
    assert out.strip(), err
    return code, json.loads(out)


def owned_containers(client, owner: int) -> list:
    """The containers process ``owner`` created (the docker backend labels each ``hermes.owner=<pid>``):
    never another test's or another run's, which may run the same tasks at the same time. ``sparse``: no
    inspect per container, which fails when one is removed between the list and the look."""
    return client.containers.list(all=True, sparse=True, filters={"label": f"hermes.owner={owner}"})


def by_task(document: dict) -> dict[str, dict]:
    return {f"{t['task']}__{t['attempt']}": t for t in document["trials"]}
