"""A timed-out command's processes all die, found by group, by marker and by parent link.

The parent-link rule is what makes the kill safe on a loaded machine: a child caught inside ``execve``
has no readable environment for a moment, and a ``setsid`` child has left the group, but both still have
their parent, which the group stop keeps alive (frozen) until the kill.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
import uuid

from hermes_core.process import clean_environment, kill_marked, run_process
from hermes_core.terminal import TIMEOUT_EXIT_CODE
from hermes_testkit.processes import alive, gone


def _pid_of(path) -> int:
    for _ in range(200):
        if path.exists() and path.read_text().strip():
            return int(path.read_text())
        time.sleep(0.05)
    raise AssertionError(f"{path} was never written")


def test_a_setsid_child_without_markers_dies_with_its_timed_out_command(tmp_path):
    """``setsid env -i`` leaves both the group and the markers; its parent still finds it."""
    pidfile = tmp_path / "child.pid"
    command = f"setsid env -i sh -c 'echo $$ > {pidfile}; exec sleep 60' & sleep 30"
    result = run_process(
        ["bash", "-c", command],
        cwd=str(tmp_path),
        timeout=2,
        env=clean_environment(),
        marker=f"HERMES_EXEC_ID={uuid.uuid4().hex}",
    )
    assert result.exit_code == TIMEOUT_EXIT_CODE
    child = _pid_of(pidfile)
    try:
        assert gone(child), "the setsid child without markers outlived its command"
    finally:
        if alive(child):
            os.kill(child, signal.SIGKILL)


def test_kill_marked_takes_the_unmarked_tree_below_a_marked_process(tmp_path):
    marker = f"HERMES_EXEC_ID={uuid.uuid4().hex}"
    name, _, value = marker.partition("=")
    pidfile = tmp_path / "child.pid"
    parent = subprocess.Popen(
        ["bash", "-c", f"env -i sh -c 'echo $$ > {pidfile}; exec sleep 60' & wait"],
        env={**clean_environment(), name: value},
        start_new_session=True,
    )
    child = _pid_of(pidfile)
    try:
        assert kill_marked(marker) >= 2
        parent.wait(timeout=10)
        assert gone(child)
    finally:
        for pid in (parent.pid, child):
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
        parent.wait()
