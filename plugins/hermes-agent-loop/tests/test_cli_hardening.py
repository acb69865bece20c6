"""``hermes run`` / ``hermes batch`` under hostile input and faults (issue 15: 3, 6, 8, 9) and the
``pre_trajectory_write`` hook (issue 13).

The commands are invoked as click commands (``CliRunner``), and in a subprocess for signals."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from hermes_agent_loop.cli import settings as settings_module
from hermes_agent_loop.cli.batch import batch as batch_command
from hermes_agent_loop.cli.run import run as run_command
from hermes_agent_loop.trajectory import read_jsonl
from hermes_core import Tool, Toolset
from hermes_core.hookspecs import hookimpl
from hermes_core.registry import HermesError
from hermes_testkit.openai_server import error, reply

ENDPOINT_VARS = ("OPENAI_BASE_URL", "OPENAI_API_KEY", "HERMES_MODEL")
KEY = "sk-hermes-" + "K" * 20 + '"quoted\\slash-end'
"""An API key holding ``"`` and ``\\``: JSON escapes both, so a plain search of a trajectory misses it."""


class EchoTools:
    @hookimpl
    def register_tools(self, register):
        register(
            Tool(
                "terminal",
                "run a command",
                lambda args, task_id: {"output": args["command"].removeprefix("echo ")},
                {"type": "object", "properties": {"command": {"type": "string"}}, "required": ["command"]},
            )
        )

    @hookimpl
    def register_toolsets(self, register):
        register(Toolset("hardening", tools=("terminal",)))


@pytest.fixture
def cli_host(host, monkeypatch, tmp_path):
    for var in ENDPOINT_VARS:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("HERMES_HOME", str(tmp_path / "home" / ".hermes"))
    host.register(EchoTools(), name="hardening-tools")
    return host


def invoke(command, *args):
    return CliRunner().invoke(command, [str(a) for a in args])


def leaked(text: str) -> bool:
    """Whether any recognisable piece of the key survived (raw, JSON-escaped, or its secret middle)."""
    return "K" * 20 in text or KEY in text or json.dumps(KEY)[1:-1] in text


# -- secrets (15.3) -------------------------------------------------------------------------------------


def test_run_never_prints_the_api_key(cli_host, server, tmp_path):
    saved = tmp_path / "traj.jsonl"
    for as_json in (False, True):
        server.queue(
            reply(tool_calls=[("terminal", {"command": f"echo {KEY}"})]),
            reply(f"your key is {KEY}"),
        )
        flags = ["--json"] if as_json else []
        result = invoke(
            run_command, "show the key", "--base-url", server.base_url, "-m", "m", "--api-key", KEY,
            "--toolsets", "hardening", "--save-trajectory", saved, *flags,
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        assert "your key is" in result.stdout
        assert not leaked(result.stdout) and not leaked(result.stderr)
    text = saved.read_text(encoding="utf-8")
    assert len(list(read_jsonl(saved))) == 2 and not leaked(text)
    assert server.requests[0]["messages"][0]["content"] == "show the key"  # the run itself is untouched


def test_a_401_error_line_does_not_carry_the_key(cli_host, server):
    server.queue(error(401, f"Incorrect API key provided: {KEY}"))
    result = invoke(
        run_command, "hi", "--base-url", server.base_url, "-m", "m", "--api-key", KEY, "--toolsets", "none"
    )
    assert isinstance(result.exception, HermesError)
    assert "Incorrect API key" in str(result.exception) and not leaked(str(result.exception))
    assert not leaked(result.stderr)


# -- small ones (15.9) ----------------------------------------------------------------------------------


def test_an_api_error_is_printed_once(cli_host, server):
    server.queue(error(400, "the model is overloaded today"))
    result = invoke(run_command, "hi", "--base-url", server.base_url, "-m", "m", "--toolsets", "none")
    assert isinstance(result.exception, HermesError)
    assert "overloaded" in str(result.exception)  # main() prints this one line...
    assert "overloaded" not in result.stderr  # ...and the live display did not print it first


def test_a_bad_jsonl_line_is_named_by_its_line_in_the_file(cli_host, tmp_path):
    prompts = tmp_path / "p.jsonl"
    prompts.write_text('"first"\n\n{"prompt": "second"}\n{"prompt": oops}\n', encoding="utf-8")
    result = invoke(batch_command, prompts, "--out", tmp_path / "o", "--base-url", "http://x", "-m", "m")
    message = str(result.exception)
    assert f"{prompts}:4: not valid JSON" in message and "column 12" in message
    assert "line 1" not in message  # json's own line number would point at the wrong line


def test_a_batch_where_every_prompt_failed_exits_non_zero(cli_host, server, tmp_path):
    server.responder = lambda body: error(400, "rejected")
    prompts = tmp_path / "p.jsonl"
    prompts.write_text('"a"\n"b"\n', encoding="utf-8")
    out = tmp_path / "out"
    args = ["--out", out, "--base-url", server.base_url, "-m", "m", "--toolsets", "none", "-q"]
    result = invoke(batch_command, prompts, *args)
    assert isinstance(result.exception, HermesError) and "every one of the 2 runs failed" in str(
        result.exception
    )
    assert len(list(read_jsonl(out / "failures.jsonl"))) == 2
    assert json.loads((out / "summary.json").read_text())["failed"] == 2  # written before failing


def test_a_batch_with_one_success_exits_zero(cli_host, server, tmp_path):
    server.responder = lambda body: (
        error(400, "no") if body["messages"][-1]["content"] == "a" else reply("ok")
    )
    prompts = tmp_path / "p.jsonl"
    prompts.write_text('"a"\n"b"\n', encoding="utf-8")
    args = ["--out", tmp_path / "out", "--base-url", server.base_url, "-m", "m", "--toolsets", "none", "-q"]
    assert invoke(batch_command, prompts, *args).exit_code == 0


# -- workers (15.8) -------------------------------------------------------------------------------------


def test_workers_cost_what_the_prompts_need(cli_host, server, tmp_path, monkeypatch):
    built = []
    real_client = settings_module.RunSettings.client

    def counting_client(self):
        built.append(1)
        return real_client(self)

    monkeypatch.setattr(settings_module.RunSettings, "client", counting_client)
    server.queue(reply("ok"))
    prompts = tmp_path / "p.jsonl"
    prompts.write_text('"only one"\n', encoding="utf-8")
    result = invoke(
        batch_command, prompts, "--out", tmp_path / "out", "-w", 640000, "--base-url", server.base_url,
        "-m", "m", "--toolsets", "none", "-q",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert built == [1]


# -- pre_trajectory_write (issue 13) --------------------------------------------------------------------


class Rewarder:
    @hookimpl
    async def pre_trajectory_write(self, record):
        record["reward"] = 1.0 if record.get("final_response") == "4" else 0.0
        record.pop("toolsets", None)


class Broken:
    @hookimpl
    def pre_trajectory_write(self, record):
        raise RuntimeError("reward model offline")


def test_pre_trajectory_write_shapes_what_run_and_batch_save(cli_host, server, tmp_path):
    cli_host.register(Rewarder(), name="rewarder")
    cli_host.register(Broken(), name="broken-writer")
    server.queue(reply("4"))
    saved = tmp_path / "traj.jsonl"
    common = ["--base-url", server.base_url, "-m", "m", "--toolsets", "none", "-q"]
    assert invoke(run_command, "2+2?", "--save-trajectory", saved, *common).exit_code == 0
    (record,) = read_jsonl(saved)
    assert record["reward"] == 1.0 and "toolsets" not in record
    server.responder = lambda body: reply("5")
    prompts = tmp_path / "p.jsonl"
    prompts.write_text('"2+2?"\n', encoding="utf-8")
    assert invoke(batch_command, prompts, "--out", tmp_path / "out", *common).exit_code == 0
    (record,) = read_jsonl(tmp_path / "out" / "trajectories.jsonl")
    assert record["reward"] == 0.0
    assert "reward model offline" in cli_host.records["broken-writer"].error


# -- signals (15.6) -------------------------------------------------------------------------------------


def _owned_processes(owner: int) -> list[int]:
    marker = f"HERMES_SANDBOX_OWNER={owner}".encode()
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if marker in environ:
            found.append(int(pid))
    return found


def _default_signals() -> None:
    """Run in the child before exec: the signals the test sends at their defaults, whatever we inherited."""
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, signal.SIG_DFL)


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc")
@pytest.mark.parametrize("command, signum", [("run", signal.SIGTERM), ("batch", signal.SIGHUP)])
def test_a_signal_during_a_run_leaves_no_process_or_folder(server, tmp_path, command, signum):
    import tempfile

    pytest.importorskip("hermes_tools_terminal")
    server.responder = lambda body: reply(tool_calls=[("terminal", {"command": "sleep 300"})])
    env = {k: v for k, v in os.environ.items() if k not in ENDPOINT_VARS}
    env.update(HOME=str(tmp_path), HERMES_HOME=str(tmp_path / ".hermes"), TERMINAL_ENV="local")
    env.pop("TERMINAL_CWD", None)
    common = ["--base-url", server.base_url, "-m", "m", "--toolsets", "terminal", "-q"]
    if command == "run":
        module, args = "run", ["sleep please", *common]
    else:
        prompts = tmp_path / "p.jsonl"
        prompts.write_text('"a"\n"b"\n', encoding="utf-8")
        module, args = "batch", [str(prompts), "--out", str(tmp_path / "out"), "-w", "2", *common]
    script = f"from hermes_agent_loop.cli.{module} import {module}; {module}()"
    process = subprocess.Popen(
        [sys.executable, "-c", script, *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=_default_signals,  # under ``nohup`` SIGHUP arrives ignored: the test sends it
    )
    try:
        deadline = time.time() + 60
        while time.time() < deadline and not _owned_processes(process.pid):
            assert process.poll() is None, process.communicate()[1].decode()
            time.sleep(0.05)
        assert _owned_processes(process.pid), "the tool never started"
        process.send_signal(signum)
        process.wait(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 128 + signum
    assert _owned_processes(process.pid) == []
    root = Path(tempfile.gettempdir())
    assert list(root.glob(f"hermes-{process.pid}-*")) == []


# -- reasoning round-trip from the command line (issue 13) ---------------------------------------------


def test_reasoning_round_trip_is_a_run_setting(cli_host, server):
    server.queue(
        reply(tool_calls=[("terminal", {"command": "echo hi"})], reasoning_content="plan"), reply("ok")
    )
    common = ["--base-url", server.base_url, "-m", "m", "--toolsets", "hardening", "-q"]
    result = invoke(run_command, "go", "--reasoning-round-trip", "reasoning_content", *common)
    assert result.exit_code == 0, result.output
    assert server.requests[1]["messages"][1]["reasoning_content"] == "plan"
    bad = invoke(run_command, "go", "--reasoning-round-trip", "thoughts", *common)
    assert isinstance(bad.exception, HermesError) and "unknown reasoning field 'thoughts'" in str(
        bad.exception
    )
