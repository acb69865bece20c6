"""The python tool runs the model's code in the task's sandbox, through the terminal backend."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

import pytest

from hermes_core.plugins import get_hermes
from hermes_core.sandboxes import cleanup_task, sandbox_for

pytest.importorskip("hermes_tools_terminal.local", reason="hermes-tools-terminal provides the local backend")


def call(code, task_id, **extra):
    raw = asyncio.run(get_hermes().tools.ahandle_function_call("python", {"code": code, **extra}, task_id))
    return json.loads(raw)


@pytest.fixture
def task_id():
    yield "gsm8k-tool-test"
    cleanup_task("gsm8k-tool-test")


def test_registered_with_its_toolset():
    hermes = get_hermes()
    assert "python" in hermes.tools and hermes.toolsets.resolve("gsm8k") == ["python"]
    schema = hermes.tools.openai_tools(["python"])[0]["function"]
    assert schema["parameters"]["required"] == ["code"]


def test_code_runs_in_the_task_sandbox_not_in_this_process(task_id):
    out = call("import os\nopen('made.txt', 'w').write('x')\nprint(os.getcwd(), os.getpid())", task_id)
    cwd, pid = out["output"].split()
    assert out["exit_code"] == 0
    assert cwd == sandbox_for(task_id).cwd != os.getcwd() and int(pid) != os.getpid()
    assert os.path.exists(os.path.join(cwd, "made.txt")) and not os.path.exists("made.txt")
    assert os.listdir(cwd) == ["made.txt"]  # the program file itself was removed


def test_quotes_and_heredoc_markers_survive(task_id):
    code = "s = 'it\\'s \"quoted\" $HOME `x`\\nEOF'\nprint(s)"
    assert call(code, task_id)["output"] == 'it\'s "quoted" $HOME `x`\nEOF\n'


def test_errors_timeouts_and_silence(task_id):
    failed = call("raise SystemExit('boom')", task_id)
    assert failed["exit_code"] == 1 and "boom" in failed["output"]
    crashed = call("1/0", task_id)
    assert "ZeroDivisionError" in crashed["output"]
    slow = call("import time; time.sleep(30)", task_id, timeout=1)
    assert slow["exit_code"] == 124
    assert "print()" in call("x = 1", task_id)["output"]
    assert "error" in call("print(1)", task_id, timeout="soon")  # schema-checked arguments


def test_a_timed_out_program_leaves_no_file_behind(tmp_path, monkeypatch):
    """Killed at its timeout, the program must not outlive the call as a temporary file (it did: the
    kill came before the ``rm``)."""
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    task = "gsm8k-tool-timeout-test"
    try:
        sandbox = sandbox_for(task)
        assert sandbox.execute('echo "$TMPDIR"', timeout=10).output.strip() == str(tmp_path)
        code = "import time  # unmistakable-marker-6d1f\ntime.sleep(30)"
        assert call(code, task, timeout=1)["exit_code"] == 124
        places = [tmp_path, sandbox.cwd]
        files = [p for place in places for p in Path(place).rglob("*") if p.is_file()]
        assert not [p for p in files if b"unmistakable-marker-6d1f" in p.read_bytes()]
        assert call("import sys; print(sys.argv[0])", task)["output"].strip() == "-c"  # no program file
    finally:
        cleanup_task(task)
