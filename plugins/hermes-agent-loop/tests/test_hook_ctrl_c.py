"""Issue 22, item 4: nothing a hook raises ends a run, but the user's real Ctrl-C still does, also while a
hook hangs. A real ``hermes run`` with an installed plugin (an entry point on ``PYTHONPATH``) and a
real SIGINT."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

from hermes_testkit.openai_server import reply

PLUGIN = textwrap.dedent(
    """
    import asyncio, pathlib
    from hermes_core.hookspecs import hookimpl

    @hookimpl
    async def pre_llm_call(request):
        pathlib.Path({entered!r}).write_text("in the hook")
        await asyncio.sleep(300)
    """
)


def _install_plugin(folder, entered) -> None:
    (folder / "hangs_in_a_hook.py").write_text(PLUGIN.format(entered=str(entered)))
    info = folder / "hangs_in_a_hook-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: hangs-in-a-hook\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[hermes]\nhangs-in-a-hook = hangs_in_a_hook\n")


def _sigint_at_default() -> None:
    """In the child before exec: a shell's background job inherits SIGINT ignored, and Python then
    never installs its Ctrl-C handler."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_a_real_ctrl_c_during_a_hanging_hook_ends_the_run(server, tmp_path):
    entered = tmp_path / "entered"
    _install_plugin(tmp_path, entered)
    server.responder = lambda body: reply("the hook did not hold the run")
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")]),
        "HOME": str(tmp_path / "home"),
        "HERMES_HOME": str(tmp_path / "home" / ".hermes"),
        "HERMES_AGENT_HOOK_TIMEOUT": "240",  # not cut off while the test runs: only Ctrl-C ends it
    }
    command = [sys.executable, "-m", "hermes_core", "run", "go", "--base-url", server.base_url, "-m", "m"]
    run = subprocess.Popen(
        [*command, "-t", "none", "-q"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_sigint_at_default,
    )
    try:
        deadline = time.monotonic() + 60
        while not entered.exists() and run.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert entered.exists(), run.stderr.read() if run.poll() is not None else "the hook never ran"
        run.send_signal(signal.SIGINT)
        out, err = run.communicate(timeout=120)
    finally:
        if run.poll() is None:
            run.kill()
            run.communicate()
    assert run.returncode == 130, (run.returncode, out, err)
    assert server.requests == [] and "the hook did not hold the run" not in out
