"""ToolContext against the real ``local`` backend: files, commands and tools in one task's sandbox."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import uuid

import pytest

from hermes_core.sandboxes import sandbox_for, sandbox_table
from hermes_envs.tool_context import ToolContext

pytest.importorskip("hermes_tools_terminal.local", reason="hermes-tools-terminal provides the local backend")

pytestmark = pytest.mark.usefixtures("env_local_backend")


@pytest.fixture
def ctx():
    context = ToolContext(f"ctx-test-{uuid.uuid4().hex[:8]}")
    yield context
    context.cleanup()


def run(coro):
    return asyncio.run(coro)


def test_terminal_runs_in_the_task_sandbox_not_here(ctx):
    result = run(ctx.terminal("pwd && echo hi > made-here.txt"))
    assert result.exit_code == 0
    sandbox_dir = result.output.strip().splitlines()[0]
    assert sandbox_dir == sandbox_for(ctx.task_id).cwd
    assert sandbox_dir != os.getcwd()
    assert os.path.exists(os.path.join(sandbox_dir, "made-here.txt"))
    assert not os.path.exists("made-here.txt")


def test_write_then_read_text_binary_nested_and_large(ctx):
    run(ctx.write_file("a/b/c.txt", "héllo\nworld\n"))
    assert run(ctx.read_file("a/b/c.txt")) == "héllo\nworld\n"
    blob = bytes(range(256)) * 3
    run(ctx.write_file("bin.dat", blob))
    assert run(ctx.read_bytes("bin.dat")) == blob
    big = os.urandom(200_000)  # several chunks through the shell
    run(ctx.write_file("big.bin", big))
    assert run(ctx.read_bytes("big.bin")) == big
    run(ctx.write_file("empty.txt", ""))
    assert run(ctx.read_file("empty.txt")) == ""
    assert run(ctx.exists("a/b/c.txt")) and not run(ctx.exists("nope.txt"))
    # the staging file used for large writes is gone
    assert run(ctx.terminal("ls")).output.split() == ["a", "big.bin", "bin.dat", "empty.txt"]


def test_quoting_cannot_escape_into_the_shell(ctx):
    name = "it's $(touch pwned) `x`;.txt"
    run(ctx.write_file(name, "ok"))
    assert run(ctx.read_file(name)) == "ok"
    assert not run(ctx.exists("pwned"))


def test_read_missing_file_raises_file_not_found(ctx):
    with pytest.raises(FileNotFoundError, match="missing.txt"):
        run(ctx.read_file("missing.txt"))


def test_upload_and_download(ctx, tmp_path):
    local = tmp_path / "in.bin"
    local.write_bytes(b"\x00\x01payload")
    run(ctx.upload(local, "data/in.bin"))
    run(ctx.download("data/in.bin", tmp_path / "out" / "back.bin"))
    assert (tmp_path / "out" / "back.bin").read_bytes() == b"\x00\x01payload"


def test_call_tool_uses_the_same_sandbox(ctx):
    run(ctx.write_file("note.txt", "from the reward"))
    result = json.loads(run(ctx.call_tool("terminal", {"command": "cat note.txt"})))
    assert "from the reward" in result["output"]
    error = json.loads(run(ctx.call_tool("no_such_tool", {})))
    assert "unknown tool" in error["error"]


def test_cleanup_removes_the_sandbox(ctx):
    cwd = sandbox_for(ctx.task_id).cwd
    assert ctx.task_id in sandbox_table().active()
    ctx.cleanup()
    ctx.cleanup()  # idempotent
    assert ctx.task_id not in sandbox_table().active()
    assert not os.path.exists(cwd)


def test_async_context_manager_cleans_up():
    async def go():
        async with ToolContext("ctx-test-with") as context:
            await context.write_file("x", "y")
            return sandbox_for(context.task_id).cwd

    cwd = run(go())
    assert not os.path.exists(cwd)
    assert "ctx-test-with" not in sandbox_table().active()


def test_tool_context_module_does_not_import_atroposlib():
    import subprocess

    code = "import hermes_envs.tool_context, sys; print('atroposlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
