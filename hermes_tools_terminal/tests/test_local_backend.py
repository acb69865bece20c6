"""The local backend: the conformance suite plus what only a local process can show (pids, temp dirs)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from hermes_core.testing.backends import BackendConformance
from hermes_tools_terminal.local import LocalBackend


class TestLocalConformance(BackendConformance):
    backend_name = "local"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is dead for our purposes
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ", 1)[1][0] != "Z"
    except OSError:
        return False


def test_timeout_kills_grandchild_sleep():
    sandbox = LocalBackend().create("grandchild", timeout=30)
    try:
        result = sandbox.execute("bash -c 'sleep 300 & echo $! > child.pid; wait' & wait", timeout=1)
        assert result.exit_code == 124 and "timed out after 1s" in result.output
        pid = int(Path(sandbox.cwd, "child.pid").read_text())
        deadline = time.monotonic() + 3
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _alive(pid), "the grandchild sleep outlived the timeout"
    finally:
        sandbox.cleanup()


def test_output_cap_counts_everything_and_bounds_memory():
    sandbox = LocalBackend().create("cap", max_output=100)
    try:
        result = sandbox.execute("head -c 1000000 /dev/zero | tr '\\0' a; echo; echo TAIL")
        assert result.output.endswith("TAIL\n")
        assert result.output.startswith("[output truncated: 999906 of 1000006 characters cut from the start]")
    finally:
        sandbox.cleanup()


def test_fresh_temp_dir_per_task_removed_on_cleanup():
    backend = LocalBackend()
    a, b = backend.create("a"), backend.create("b")
    assert a.cwd != b.cwd and os.path.isdir(a.cwd) and os.path.isdir(b.cwd)
    a.cleanup()
    b.cleanup()
    assert not os.path.exists(a.cwd) and not os.path.exists(b.cwd)


def test_given_cwd_is_used_and_kept(tmp_path):
    sandbox = LocalBackend().create("given", cwd=str(tmp_path / "work"))
    assert sandbox.execute("pwd").output.strip() == str(tmp_path / "work")
    sandbox.cleanup()
    assert (tmp_path / "work").is_dir(), "a directory we did not create is not ours to delete"


def test_cleanup_kills_background_jobs():
    sandbox = LocalBackend().create("bg")
    sandbox.execute("sleep 300 > /dev/null 2>&1 & echo $! > bg.pid")
    pid = int(Path(sandbox.cwd, "bg.pid").read_text())
    assert _alive(pid)
    sandbox.cleanup()
    deadline = time.monotonic() + 3
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(pid)


def test_background_job_holding_the_pipe_does_not_block():
    sandbox = LocalBackend().create("pipe")
    try:
        start = time.monotonic()
        result = sandbox.execute("sleep 30 & echo started")
        assert result.exit_code == 0 and "started" in result.output
        assert time.monotonic() - start < 5
    finally:
        sandbox.cleanup()


def test_missing_workdir_is_a_clear_error():
    sandbox = LocalBackend().create("nowd")
    try:
        result = sandbox.execute("pwd", cwd="does/not/exist")
        assert result.exit_code != 0 and "does not exist" in result.output
    finally:
        sandbox.cleanup()


def test_plugin_import_stays_light():
    code = (
        "import sys, hermes_tools_terminal, hermes_tools_terminal.local;"
        "heavy = [m for m in ('modal', 'docker', 'paramiko') if m in sys.modules];"
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
