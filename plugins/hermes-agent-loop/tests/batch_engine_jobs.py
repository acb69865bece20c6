"""Job functions for the engine tests: module-level, so a Ray worker imports them by name (the Ray
tests put this folder on the cluster's PYTHONPATH)."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path


def square(x: int) -> dict:
    return {"square": x * x}


async def square_async(x: int, fail_on: int | None = None) -> dict:
    await asyncio.sleep(0)
    if x == fail_on:
        raise ValueError(f"no square for {x}")
    return {"square": x * x}


def not_a_dict(x: int) -> list:
    return [x]


async def counted(folder: str, key: str, seconds: float = 0.2) -> dict:
    """Records how many jobs run at once (one file per running job) and where it ran."""
    mark = Path(folder) / f"running-{key}"
    mark.touch()
    try:
        running = len(list(Path(folder).glob("running-*")))
        await asyncio.sleep(seconds)
    finally:
        mark.unlink()
    return {"running": running, "pid": os.getpid(), "node": _node_id()}


def _node_id() -> str | None:
    try:
        import ray

        return ray.get_runtime_context().get_node_id() if ray.is_initialized() else None
    except ImportError:
        return None


async def start_sleeper_then_wait(folder: str, key: str) -> dict:
    """First attempt: start a background ``sleep`` in this worker's local sandbox, say so, and wait
    (the test kills this worker). A retry finds the note and returns at once."""
    from hermes_core.sandboxes import sandbox_for

    note = Path(folder) / f"sleeper-{key}"
    if note.exists():
        return {"retried": True, "pid": os.getpid()}
    task_id = f"engine-test-{key}"
    sandbox = sandbox_for(task_id)
    result = await asyncio.to_thread(sandbox.execute, "sleep 300 >/dev/null 2>&1 & echo started")
    assert result.output.strip() == "started", result.output
    tmp = note.with_suffix(".tmp")
    tmp.write_text(str(os.getpid()))
    os.replace(tmp, note)
    while True:  # until killed
        await asyncio.sleep(1)


def wait_for(predicate, timeout: float = 60.0, step: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()
