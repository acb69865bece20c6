"""The engine API (``hermes_agent_loop.engines.run_jobs``) on the local engine: one outcome per key,
skip, bounded concurrency, errors per key, shared worker resources closed at the end."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import pytest

from hermes_agent_loop.engines import Job, Outcome, run_jobs, worker_local
from hermes_core.registry import HermesError

sys.path.insert(0, str(Path(__file__).parent))  # the job functions live in a plain importable module
import batch_engine_jobs as engine_jobs


def test_every_key_gets_one_outcome_and_a_raising_job_only_fails_its_key():
    outcomes: list[Outcome] = []
    jobs = [Job(str(i), engine_jobs.square_async, (i,), {"fail_on": 3}) for i in range(6)]
    jobs.append(Job("sync", engine_jobs.square, (7,)))
    jobs.append(Job("bad-return", engine_jobs.not_a_dict, (1,)))
    assert run_jobs(jobs, outcomes.append, workers=3) == 8
    by_key = {o.key: o for o in outcomes}
    assert len(outcomes) == len(by_key) == 8
    assert by_key["2"].result == {"square": 4} and by_key["sync"].result == {"square": 49}
    assert by_key["3"].error == "ValueError: no square for 3" and by_key["3"].result is None
    assert "expected a dict" in by_key["bad-return"].error


def test_skipped_keys_do_not_run_and_a_duplicate_key_is_refused_before_anything_runs():
    outcomes: list[Outcome] = []
    jobs = [Job(str(i), engine_jobs.square, (i,)) for i in range(4)]
    assert run_jobs(jobs, outcomes.append, skip={"0", "2"}) == 2
    assert sorted(o.key for o in outcomes) == ["1", "3"]
    with pytest.raises(HermesError, match="duplicate job key '1'"):
        run_jobs([*jobs, Job("1", engine_jobs.square, (9,))], outcomes.append)
    assert len(outcomes) == 2
    with pytest.raises(HermesError, match="unknown engine"):
        run_jobs(jobs, outcomes.append, engine="spark")


def test_at_most_workers_jobs_run_at_once(tmp_path):
    outcomes: list[Outcome] = []
    jobs = [Job(str(i), engine_jobs.counted, (str(tmp_path), str(i), 0.05)) for i in range(12)]
    run_jobs(jobs, outcomes.append, workers=3)
    assert len(outcomes) == 12
    assert max(o.result["running"] for o in outcomes) <= 3


def test_outcomes_are_delivered_one_at_a_time():
    inside, overlaps = threading.Lock(), []

    def deliver(outcome: Outcome) -> None:
        if not inside.acquire(blocking=False):
            overlaps.append(outcome.key)
            return
        try:
            threading.Event().wait(0.002)
        finally:
            inside.release()

    run_jobs([Job(str(i), engine_jobs.square_async, (i,)) for i in range(30)], deliver, workers=10)
    assert overlaps == []


def test_a_failing_delivery_stops_the_run_with_its_error():
    def deliver(outcome: Outcome) -> None:
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        run_jobs([Job(str(i), engine_jobs.square, (i,)) for i in range(5)], deliver, workers=2)


class _Resource:
    made = closed = 0

    def __init__(self) -> None:
        _Resource.made += 1

    async def aclose(self) -> None:
        _Resource.closed += 1


async def _uses_resource(i: int) -> dict:
    resource = worker_local("shared", _Resource, close=lambda r: r.aclose())
    return {"id": id(resource)}


def test_a_worker_local_resource_is_made_once_shared_and_closed_when_the_run_ends():
    _Resource.made = _Resource.closed = 0
    outcomes: list[Outcome] = []
    run_jobs([Job(str(i), _uses_resource, (i,)) for i in range(10)], outcomes.append, workers=4)
    assert len({o.result["id"] for o in outcomes}) == 1
    assert (_Resource.made, _Resource.closed) == (1, 1)


def test_the_ray_engine_without_ray_says_which_extra_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # as if not installed
    with pytest.raises(HermesError, match=r'pip install "hermes-agent-loop\[ray\]"'):
        run_jobs([Job("1", engine_jobs.square, (1,))], lambda outcome: None, engine="ray")


def test_batch_offers_the_engines_on_its_command_line():
    from click.testing import CliRunner

    from hermes_agent_loop.cli.batch import batch

    help_text = CliRunner().invoke(batch, ["--help"]).output
    assert "--engine [local|ray]" in help_text and "--ray-address" in help_text
