"""Issue 15.6: a signal leaves no sandbox process or ``/tmp/hermes-*`` folder; a ``kill -9`` leaves them
only until the next start. Real processes, real signals."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from hermes_core.process import reclaim_orphans

CHILD = textwrap.dedent(
    """
    import json, os, sys, time
    from pathlib import Path
    from hermes_core.sandboxes import install_signal_cleanup, sandbox_for

    if sys.argv[1] == "install":
        assert install_signal_cleanup()
    sandbox = sandbox_for("signals")
    sandbox.execute(
        "sleep 300 > /dev/null 2>&1 & echo $! > bg.pid; "
        "setsid sleep 300 > /dev/null 2>&1 < /dev/null & echo $! > setsid.pid"
    )
    pids = [int(Path(sandbox.cwd, name).read_text()) for name in ("bg.pid", "setsid.pid")]
    try:
        print(json.dumps({"cwd": sandbox.cwd, "pids": pids}), flush=True)
        time.sleep(300)
    finally:
        Path(sys.argv[2]).write_text("finally ran")
    """
)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ", 1)[1][0] != "Z"
    except OSError:
        return False


def _wait(predicate, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.05)
    return predicate()


def _default_signals() -> None:
    """In the child, before exec: SIGTERM and SIGHUP at their defaults, whatever we inherited (``nohup``
    ignores SIGHUP, and an ignored signal stays ignored across exec): the tests send them and wait."""
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, signal.SIG_DFL)


def _start(mode: str, tmp_path) -> tuple[subprocess.Popen, dict]:
    env = {**os.environ, "TERMINAL_ENV": "local", "HERMES_HOME": str(tmp_path / "home")}
    env.pop("TERMINAL_CWD", None)
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, mode, str(tmp_path / "finally")],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
        preexec_fn=_default_signals,
    )
    line = proc.stdout.readline()
    assert line, "the child did not start its sandbox"
    return proc, json.loads(line)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_signal_cleans_processes_and_folders(tmp_path, signum):
    proc, made = _start("install", tmp_path)
    assert os.path.basename(made["cwd"]).startswith(f"hermes-{proc.pid}-")
    assert all(_alive(pid) for pid in made["pids"]) and os.path.isdir(made["cwd"])
    proc.send_signal(signum)
    assert proc.wait(timeout=60) == 128 + signum
    assert (tmp_path / "finally").read_text() == "finally ran", "finally blocks must still run"
    assert _wait(lambda: not any(_alive(pid) for pid in made["pids"])), "a sandbox process survived"
    assert not os.path.exists(made["cwd"]), "the sandbox folder survived"


def test_kill_9_leftovers_are_reclaimed_on_the_next_start(tmp_path):
    proc, made = _start("plain", tmp_path)
    proc.kill()
    proc.wait(timeout=30)
    assert all(_alive(pid) for pid in made["pids"]) and os.path.isdir(made["cwd"])  # what -9 leaves
    env = {**os.environ, "HERMES_HOME": str(tmp_path / "home")}
    subprocess.run(
        [sys.executable, "-c", "from hermes_tools_terminal.local import LocalBackend; LocalBackend()"],
        check=True,
        env=env,
        timeout=120,
    )
    assert _wait(lambda: not any(_alive(pid) for pid in made["pids"])), "orphans survived the next start"
    assert not os.path.exists(made["cwd"])


def test_live_owners_are_left_alone(tmp_path):
    proc, made = _start("plain", tmp_path)
    try:
        reclaim_orphans()
        assert all(_alive(pid) for pid in made["pids"]) and os.path.isdir(made["cwd"])
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        reclaim_orphans()
    assert _wait(lambda: not any(_alive(pid) for pid in made["pids"]))
