"""Issue 22, item 5, end to end: a scripted model starts processes that drop every marker through
``hermes run``; once the command has exited none is running, with and without bwrap. Counted from
outside by a unique ``sleep`` argument (see ``conftest.py``), while the run is still going and after."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from hermes_tools_terminal import isolation

pytest.importorskip("hermes_agent_loop", reason="hermes run comes with hermes-agent-loop")

from hermes_testkit.openai_server import Reply, reply, tool_call

ESCAPES = {
    "setsid env -i": "setsid env -i sleep {arg}",
    "setsid env -u": "setsid env -u HERMES_SANDBOX_ID -u HERMES_EXEC_ID -u HERMES_SANDBOX_OWNER sleep {arg}",
    "setsid exec -c": "setsid bash -c 'exec -c sleep {arg}'",
}


@pytest.mark.parametrize("mode", ["bwrap", "none"])
def test_nothing_a_model_started_survives_hermes_run(server, sleepers, tmp_path, mode):
    if mode == "bwrap" and isolation.bwrap_problem():
        pytest.skip(isolation.bwrap_problem())
    args = {name: sleepers.new() for name in ESCAPES}
    commands = [f"{ESCAPES[name].format(arg=arg)} >/dev/null 2>&1 &" for name, arg in args.items()]
    server.queue(*(Reply(tool_calls=[tool_call("terminal", {"command": c})]) for c in commands))
    during: dict[str, int] = {}

    def last_turn(body):  # every escape has been started by now: count them from outside
        during.update({name: sleepers.wait_started(arg) for name, arg in args.items()})
        return reply("done")

    server.responder = last_turn
    env = {
        **os.environ,
        "HOME": str(tmp_path),
        "HERMES_HOME": str(tmp_path / ".hermes"),
        "TERMINAL_ENV": "local",
        "TERMINAL_LOCAL_ISOLATION": mode,
    }
    env.pop("TERMINAL_CWD", None)
    command = [sys.executable, "-m", "hermes_core", "run", "go", "--base-url", server.base_url, "-m", "m"]
    done = subprocess.run(
        [*command, "-t", "terminal", "-q"], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0 and done.stdout.strip() == "done", done.stderr
    assert during == dict.fromkeys(ESCAPES, 1)
    assert {name: sleepers.wait_gone(arg) for name, arg in args.items()} == dict.fromkeys(ESCAPES, 0)
