"""Helpers the Harbor tests share: the test tasks and ``hermes tasks`` run in process."""

from __future__ import annotations

import json
from pathlib import Path

TASKS = Path(__file__).parent / "tasks"
BASE_IMAGE = "debian:bookworm-slim"


def hermes_tasks(*args: str) -> tuple[int, str, str]:
    """``hermes tasks ARGS`` in this process: (exit code, stdout, stderr)."""
    from click.testing import CliRunner

    from hermes_core.cli import cli

    runner = CliRunner()
    result = runner.invoke(cli, ["tasks", *args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def run_json(*args: str) -> tuple[int, dict]:
    code, out, err = hermes_tasks("run", "--json", *args)
    assert out.strip(), err
    return code, json.loads(out)


def by_task(document: dict) -> dict[str, dict]:
    return {f"{t['task']}__{t['attempt']}": t for t in document["trials"]}
