"""The local engine: jobs as coroutines on one event loop in this process, at most ``workers`` at once."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor

from hermes_agent_loop.engines.jobs import Job, Outcome, call_job, close_worker_locals


def run_local(jobs: Iterable[Job], deliver: Callable[[Outcome], None], workers: int) -> None:
    asyncio.run(_run(iter(jobs), deliver, workers))


async def _run(queue, deliver: Callable[[Outcome], None], workers: int) -> None:
    loop = asyncio.get_running_loop()
    # one delivery thread: outcomes arrive one at a time, in order, and an fsync never stalls the loop
    with ThreadPoolExecutor(1, thread_name_prefix="hermes-deliver") as delivery:

        async def worker() -> None:
            for job in queue:  # a shared iterator: each job is taken by exactly one worker
                status, value = await call_job(job.fn, job.args, job.kwargs)
                await loop.run_in_executor(delivery, deliver, Outcome.of(job.key, status, value))

        try:
            async with asyncio.TaskGroup() as group:  # a failed delivery stops the run, not just one worker
                for _ in range(workers):
                    group.create_task(worker())
        except BaseExceptionGroup as group_error:
            raise group_error.exceptions[0] from None
        finally:
            await close_worker_locals()
