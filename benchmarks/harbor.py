"""Harbor trials benchmark: what a trial costs beyond Docker itself, and what -n buys.

    python benchmarks/harbor.py            # about two minutes on 2 cores
    python benchmarks/harbor.py --quick    # a smoke run (fewer repeats, an 8-task job)

Needs a Docker engine and the ``debian:bookworm-slim`` image (``scripts/services.sh`` builds it offline).

1. Trial overhead: one oracle trial of a small task (image already built, so the build step is the cache
   lookup) through :func:`hermes_env_harbor.trial.run_trial` — build lookup, start with limits, copy
   ``solution/`` in, run it, copy ``tests/`` in, run them, read the reward, remove the container — next
   to a bare run of the same commands with the docker SDK (create, put both folders in one archive,
   start ``solve.sh && test.sh && cat reward.txt``, wait, read logs, remove), interleaved, medians.
2. A 20-task job (20 such tasks, images built beforehand) with ``-n 1`` and with ``-n 4``: wall time
   and the speed-up, in the same run.
"""

from __future__ import annotations

import argparse
import io
import shutil
import statistics
import tarfile
import tempfile
import time
from pathlib import Path

import docker
from hermes_env_harbor.images import prepare_image
from hermes_env_harbor.job import JobOptions, run_job
from hermes_env_harbor.task import load_task
from hermes_env_harbor.trial import run_trial

DOCKERFILE = "FROM debian:bookworm-slim\nWORKDIR /app\n"
SOLVE = "#!/bin/bash\necho 42 > /app/answer.txt\n"
TEST = (
    "#!/bin/bash\n"
    'if [ "$(cat /app/answer.txt)" = 42 ]; then echo 1; else echo 0; fi > /logs/verifier/reward.txt\n'
)


def make_task(root: Path, name: str) -> Path:
    task = root / name
    for relative, text in {
        "task.toml": 'version = "1.0"\n\n[environment]\nallow_internet = false\ncpus = 1\nmemory_mb = 256\n',
        "instruction.md": "Write 42 to /app/answer.txt.\n",
        "environment/Dockerfile": DOCKERFILE,
        "solution/solve.sh": SOLVE,
        "tests/test.sh": TEST,
    }.items():
        path = task / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        if relative.endswith(".sh"):
            path.chmod(0o755)
    return task


def bare_run(client, image: str, task: Path) -> float:
    """The same commands with nothing but the docker SDK: the floor a trial stands on."""
    started = time.perf_counter()
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        archive.add(task / "solution", arcname="solution")
        archive.add(task / "tests", arcname="tests")
    command = (
        "mkdir -p /logs/verifier && /solution/solve.sh && /tests/test.sh && cat /logs/verifier/reward.txt"
    )
    container = client.containers.create(
        image, ["bash", "-c", command], network_mode="none", nano_cpus=10**9, mem_limit="256m"
    )
    try:
        container.put_archive("/", buffer.getvalue())
        container.start()
        container.wait()
        assert container.logs().strip() == b"1"
    finally:
        container.remove(force=True)
    return time.perf_counter() - started


def trial_run(task: Path) -> float:
    started = time.perf_counter()
    result = run_trial(str(task), 1, {"agent": "oracle"})
    if result["reward"] != 1.0:
        print(f"   warning: a trial did not score 1: {result['error']}")
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    repeats, job_size = (3, 8) if args.quick else (7, 20)
    client = docker.from_env()
    client.images.get("debian:bookworm-slim")  # fails early, naming the image, when it is missing
    root = Path(tempfile.mkdtemp(prefix="hermes-harbor-bench-"))
    try:
        task = make_task(root / "single", "answer")
        image = prepare_image(load_task(task)).tag
        trial_run(task), bare_run(client, image, task)  # warm both paths
        trials, bares = [], []
        for _ in range(repeats):
            trials.append(trial_run(task))
            bares.append(bare_run(client, image, task))
        trial, bare = statistics.median(trials), statistics.median(bares)
        print(f"1. one trial, image cached (median of {repeats}, interleaved)")
        print(f"   bare docker SDK run of the same commands  {bare:7.3f} s")
        print(f"   hermes trial (run_trial)                  {trial:7.3f} s   ratio {trial / bare:.2f}x")
        print(f"   overhead per trial                        {trial - bare:7.3f} s")

        tasks = root / "job"
        for index in range(job_size):
            prepare_image(load_task(make_task(tasks, f"answer-{index:02d}")))  # built now: timed runs reuse
        timings = {}
        for workers in (1, 4):
            started = time.perf_counter()
            job = run_job(JobOptions(paths=[str(tasks)], n_concurrent=workers, jobs_dir=str(root / "jobs"),
                                     job_name=f"n{workers}"))  # fmt: skip
            timings[workers] = time.perf_counter() - started
            if job.summary["errors"] or job.summary["mean_reward"] != 1.0:
                summary = job.summary
                print(f"   warning: -n {workers}: {summary['errors_by_kind']}, mean {summary['mean_reward']}")
        print(f"2. a {job_size}-task job, images cached")
        print(f"   -n 1   {timings[1]:7.2f} s   ({timings[1] / job_size:.2f} s per trial)")
        print(f"   -n 4   {timings[4]:7.2f} s   ({timings[4] / job_size:.2f} s per trial)")
        print(f"   speed-up of -n 4 over -n 1: {timings[1] / timings[4]:.2f}x")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
