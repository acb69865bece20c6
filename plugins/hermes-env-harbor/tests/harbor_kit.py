"""Helpers the Harbor tests share: the test tasks and ``hermes tasks`` run in process."""

from __future__ import annotations

import json
from pathlib import Path

TASKS = Path(__file__).parent / "tasks"
BASE_IMAGE = "debian:bookworm-slim"


def hermes_tasks(*args: str) -> tuple[int, str, str]:
    """``hermes tasks ARGS`` in this process: (exit code, stdout, stderr); a :class:`HermesError` is what
    ``hermes`` makes of it, one line on stderr and exit 1."""
    from click.testing import CliRunner

    from hermes_core.cli import cli
    from hermes_core.registry import HermesError

    result = CliRunner().invoke(cli, ["tasks", *args])
    if isinstance(result.exception, HermesError):
        return 1, result.stdout, f"error: {result.exception}"
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def run_json(*args: str) -> tuple[int, dict]:
    code, out, err = hermes_tasks("run", "--json", *args)
    assert out.strip(), err
    return code, json.loads(out)


def by_task(document: dict) -> dict[str, dict]:
    return {f"{t['task']}__{t['attempt']}": t for t in document["trials"]}
