"""Issue 15.6: a signal leaves no sandbox process or ``/tmp/hermes-*`` folder; a ``kill -9`` leaves them
only until the next start. Real processes, real signals."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap

import pytest

from hermes_core.process import reclaim_orphans

CHILD = textwrap.dedent(
    """
    import json, sys, time
    from pathlib import Path
    from hermes_core.sandboxes import install_signal_cleanup, sandbox_for

    if sys.argv[1] == "install":
        assert install_signal_cleanup()
    plain, escaping = sys.argv[3:5]
    sandbox = sandbox_for("signals")
    sandbox.execute(
        f"sleep {plain} > /dev/null 2>&1 & "
        f"setsid env -i sleep {escaping} > /dev/null 2>&1 < /dev/null &"
    )
    try:
        print(json.dumps({"cwd": sandbox.cwd}), flush=True)
        time.sleep(300)
    finally:
        Path(sys.argv[2]).write_text("finally ran")
    """
)


def _default_signals() -> None:
    """In the child, before exec: SIGTERM and SIGHUP at their defaults, whatever we inherited (``nohup``
    ignores SIGHUP, and an ignored signal stays ignored across exec): the tests send them and wait."""
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, signal.SIG_DFL)


def _start(mode: str, tmp_path, sleepers) -> tuple[subprocess.Popen, dict]:
    """A child that starts a sandbox with a background job and one that drops its environment."""
    env = {**os.environ, "TERMINAL_ENV": "local", "HERMES_HOME": str(tmp_path / "home")}
    env.pop("TERMINAL_CWD", None)
    args = [sleepers.new(), sleepers.new()]
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, mode, str(tmp_path / "finally"), *args],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
        preexec_fn=_default_signals,
    )
    line = proc.stdout.readline()
    assert line, "the child did not start its sandbox"
    made = json.loads(line)
    made["sleeps"] = args
    assert [sleepers.wait_started(arg) for arg in args] == [1, 1]
    return proc, made


def _survivors(made: dict, sleepers) -> int:
    return sum(sleepers.wait_gone(arg) for arg in made["sleeps"])


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_signal_cleans_processes_and_folders(tmp_path, signum, sleepers):
    proc, made = _start("install", tmp_path, sleepers)
    assert os.path.basename(made["cwd"]).startswith(f"hermes-{proc.pid}-")
    assert os.path.isdir(made["cwd"])
    proc.send_signal(signum)
    assert proc.wait(timeout=60) == 128 + signum
    assert (tmp_path / "finally").read_text() == "finally ran", "finally blocks must still run"
    assert _survivors(made, sleepers) == 0, "a sandbox process survived"
    assert not os.path.exists(made["cwd"]), "the sandbox folder survived"


def test_kill_9_leftovers_are_reclaimed_on_the_next_start(tmp_path, sleepers):
    proc, made = _start("plain", tmp_path, sleepers)
    proc.kill()
    proc.wait(timeout=30)
    assert [len(sleepers.running(arg)) for arg in made["sleeps"]] == [1, 1]  # what -9 leaves
    assert os.path.isdir(made["cwd"])
    env = {**os.environ, "HERMES_HOME": str(tmp_path / "home")}
    subprocess.run(
        [sys.executable, "-c", "from hermes_tools_terminal.local import LocalBackend; LocalBackend()"],
        check=True,
        env=env,
        timeout=120,
    )
    assert _survivors(made, sleepers) == 0, "orphans survived the next start"
    assert not os.path.exists(made["cwd"])


def test_live_owners_are_left_alone(tmp_path, sleepers):
    proc, made = _start("plain", tmp_path, sleepers)
    try:
        reclaim_orphans()
        assert [len(sleepers.running(arg)) for arg in made["sleeps"]] == [1, 1]
        assert os.path.isdir(made["cwd"])
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        reclaim_orphans()
    assert _survivors(made, sleepers) == 0
