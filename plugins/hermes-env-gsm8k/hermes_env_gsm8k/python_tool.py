"""The ``python`` tool: the model's code runs in the task's sandbox, not in the trainer's process.

The program travels base64-encoded inside one shell command (any backend that runs ``sh`` can take it)
and reaches ``python3 -c`` decoded, so stdin stays free and quoting cannot break it. No file is written:
a temporary program file outlived every call killed at its timeout (the kill comes before any ``rm``),
and the command already carries the program as one argument, so ``-c`` adds no size limit.
"""

from __future__ import annotations

import base64
import os
from typing import Any

from pydantic import BaseModel, Field

from hermes_core.sandboxes import sandbox_for

DEFAULT_TIMEOUT = 30
MAX_TIMEOUT = 300


class PythonArgs(BaseModel):
    code: str = Field(description="A complete Python 3 program; print() what you want to see.")
    timeout: int | None = Field(
        default=None, description=f"Seconds before the program is killed (default {DEFAULT_TIMEOUT})."
    )


def interpreter() -> str:
    """``HERMES_GSM8K_PYTHON`` (e.g. a venv's python inside the image), else ``python3``."""
    return os.environ.get("HERMES_GSM8K_PYTHON") or "python3"


def python_command(code: str) -> str:
    encoded = base64.b64encode(code.encode()).decode()
    return f"program=$(printf %s '{encoded}' | base64 -d) && exec {interpreter()} -c \"$program\""


def run_python(args: dict[str, Any], task_id: str | None) -> dict[str, Any]:
    timeout = min(int(args.get("timeout") or DEFAULT_TIMEOUT), MAX_TIMEOUT)
    result = sandbox_for(task_id).execute(python_command(args["code"]), timeout=timeout)
    output = result.output
    if not output.strip() and result.exit_code == 0:
        output = "(no output: print() the values you need)"
    return {"output": output, "exit_code": result.exit_code}
