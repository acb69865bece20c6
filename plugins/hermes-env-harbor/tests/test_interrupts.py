"""``hermes tasks run`` interrupted (Ctrl-C, SIGTERM) while its trials run: every container goes, the trials
cut short save no result, and ``--resume`` runs them again."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time

import pytest
from harbor_kit import TASKS, hermes_tasks, owned_containers

pytestmark = pytest.mark.usefixtures("docker_engine")

HERMES = [sys.executable, "-c", "import sys; from hermes_core.cli import main; main(sys.argv[1:])"]


def sleepy_task(root):
    """hello whose solution sleeps while ``solution/slow`` exists (solution/ is not part of the image)."""
    task = root / "sleepy"
    shutil.copytree(TASKS / "hello", task)
    solve = task / "solution" / "solve.sh"
    solve.write_text(solve.read_text().replace("\nprintf", "\n[ -e /solution/slow ] && sleep 300\nprintf"))
    (task / "solution" / "slow").write_text("")
    return task


def sleeping_containers(client, owner: int) -> list:
    """``owner``'s trial containers whose solution is sleeping now (the agent phase)."""
    running = [c for c in owned_containers(client, owner) if c.attrs.get("State") == "running"]
    return [c for c in running if any("sleep 300" in " ".join(p) for p in c.top()["Processes"])]


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_an_interrupted_job_removes_its_containers_and_saves_no_result(signum, tmp_path, docker_engine):
    task = sleepy_task(tmp_path)
    args = ["tasks", "run", str(task), "-k", "2", "-n", "2", "--jobs-dir", str(tmp_path / "jobs")]
    args += ["--job-name", "cut"]
    process = subprocess.Popen(
        [*HERMES, *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # Ctrl-C as on a terminal
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while len(sleeping_containers(docker_engine, process.pid)) < 2 and process.poll() is None:
            assert time.monotonic() < deadline, "the two trials never reached their agent phase"
            time.sleep(0.3)
        process.send_signal(signum)
        output, _ = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 128 + signum, output
    assert owned_containers(docker_engine, process.pid) == []
    job = tmp_path / "jobs" / "cut"
    assert list(job.glob("**/result.json")) == []  # cut short: nothing --resume would take as finished
    if signum != signal.SIGTERM:
        return  # one resume is enough to show it
    (task / "solution" / "slow").unlink()
    code, out, _ = hermes_tasks("run", *args[2:], "--resume", "--json")
    assert code == 0
    assert [t["reward"] for t in json.loads(out)["trials"]] == [1.0, 1.0]
