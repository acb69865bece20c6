"""A slot's reset kills what its own executor started, and nothing another program marked."""

from __future__ import annotations

import os
import signal
import subprocess
import time

from hermes_backend_nomad import executor

from hermes_testkit.processes import alive


def test_reset_kills_its_own_commands_only(tmp_path):
    foreign = subprocess.Popen(
        ["sleep", "300"], env={**os.environ, "HERMES_EXEC_ID": "another-backend"}, start_new_session=True
    )
    try:
        started = executor.run_command("setsid sleep 301 >/dev/null 2>&1 &", str(tmp_path), 10, 1000)
        assert started["exit_code"] == 0
        (tmp_path / "left.txt").write_text("x")
        assert executor.reset(str(tmp_path))["killed"] >= 1
        deadline = time.monotonic() + 10
        while _alive_marked(executor.INSTANCE) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _alive_marked(executor.INSTANCE)
        assert alive(foreign.pid)  # a docker exec of another test, say: untouched
        assert list(tmp_path.iterdir()) == []
    finally:
        foreign.send_signal(signal.SIGKILL)
        foreign.wait()


def _alive_marked(instance: str) -> bool:
    return any(alive(pid) for pid in executor._marked_prefix(f"HERMES_EXEC_ID={instance}-".encode()))


def test_one_empty_scan_does_not_end_the_kill():
    """A process inside ``execve`` (``setsid sleep &`` just after the shell returned) has no readable
    environment for a moment, so the first scan can miss it; a CI run's reset killed nothing that way."""
    late = subprocess.Popen(["sleep", "300"], start_new_session=True)
    scans = iter([[], [late.pid]])
    try:
        assert executor._kill_until_quiet(lambda: next(scans, [])) == 1
        assert late.wait(10) == -signal.SIGKILL
    finally:
        late.kill()
        late.wait()
