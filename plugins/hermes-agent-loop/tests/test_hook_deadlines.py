"""Lifecycle hooks under a deadline (issue 22, item 4): a hook that hangs or raises anything, SystemExit
included, is recorded against its plugin and the run (or the batch) goes on without its result."""

from __future__ import annotations

import asyncio
import time

import openai
import pytest
from click.testing import CliRunner

from hermes_agent_loop import AgentLoop
from hermes_agent_loop.hooks import RunHooks, configured_timeout
from hermes_agent_loop.trajectory import read_jsonl
from hermes_core import Tool
from hermes_core.cli import cli
from hermes_core.hookspecs import hookimpl
from hermes_testkit.openai_server import reply

FAST = {"retry_base_delay": 0.001, "retry_max_delay": 0.01}
HANG = 30.0
"""Longer than any test may wait: a hook still running after the test is cut off, never awaited."""


class Echo:
    @hookimpl
    def register_tools(self, register):
        register(Tool("echo", "echo", lambda args, task_id: {"echo": args.get("text")}))


class SyncSleeper:
    @hookimpl
    def pre_tool_call(self, tool_name):
        time.sleep(HANG)


class AsyncSleeper:
    @hookimpl
    async def pre_llm_call(self, request):
        await asyncio.sleep(HANG)


class SleepsAtTheEnd:
    @hookimpl
    def on_run_end(self, result):
        time.sleep(HANG)


class IgnoresCancellation:
    @hookimpl
    async def post_llm_call(self, response):
        for _ in range(20):  # two seconds of refusing to stop; asyncio.run waits for it at exit
            try:
                await asyncio.sleep(0.1)
            except asyncio.CancelledError:
                pass


class Quitter:
    def __init__(self, exc: BaseException):
        self.exc = exc

    @hookimpl
    def pre_tool_call(self, tool_name):
        raise self.exc

    @hookimpl
    async def on_run_end(self, result):
        raise self.exc

    @hookimpl
    def pre_trajectory_write(self, record):
        raise self.exc


class Custom(BaseException):
    pass


@pytest.fixture
def echo_host(host):
    host.register(Echo(), name="echo-tool")
    return host


def run(server, host, hooks):
    server.queue(reply(tool_calls=[("echo", {"text": "a"})]), reply("done"))

    async def go():
        client = openai.AsyncOpenAI(base_url=server.base_url, api_key="x", max_retries=0)
        try:
            loop = AgentLoop(client, model="m", tools=host.tools.openai_tools(["echo"]), hooks=hooks, **FAST)
            return await loop.run([{"role": "user", "content": "go"}])
        finally:
            await client.close()

    return asyncio.run(go())


@pytest.mark.parametrize(
    ("plugin", "hook"),
    [
        (SyncSleeper, "pre_tool_call"),
        (AsyncSleeper, "pre_llm_call"),
        (SleepsAtTheEnd, "on_run_end"),
        (IgnoresCancellation, "post_llm_call"),
    ],
)
def test_a_hook_that_hangs_is_cut_off_and_reported(server, echo_host, plugin, hook):
    assert echo_host.register(plugin(), name="sleeper").status == "ok"
    result = run(server, echo_host, RunHooks(echo_host, timeout=0.2))
    assert result.final_response == "done" and result.error is None
    assert result.metrics.executed_ok == 1
    assert (
        f"{hook}: HookTimeout: took longer than 0.2s (agent.hook_timeout)"
        in echo_host.records["sleeper"].error
    )


@pytest.mark.parametrize(
    "exc",
    [
        SystemExit(3),
        SystemExit(0),
        Custom("mine"),
        KeyboardInterrupt(),
        GeneratorExit(),
        asyncio.CancelledError(),
    ],
)
def test_no_exception_from_a_hook_ends_the_run(server, echo_host, exc):
    assert echo_host.register(Quitter(exc), name="quitter").status == "ok"
    result = run(server, echo_host, RunHooks(echo_host))
    assert result.final_response == "done" and result.error is None
    assert result.metrics.executed_ok == 1
    error = echo_host.records["quitter"].error
    assert f"pre_tool_call: {type(exc).__name__}" in error and f"on_run_end: {type(exc).__name__}" in error


def test_the_deadline_is_a_setting(echo_host, monkeypatch):
    monkeypatch.setenv("HERMES_HOME", "/nonexistent-hermes-home")
    assert configured_timeout() == 10.0
    monkeypatch.setenv("HERMES_AGENT_HOOK_TIMEOUT", "0.5")
    assert configured_timeout() == 0.5
    assert RunHooks.of_current_host().timeout == 0.5


def test_a_hook_raising_system_exit_does_not_end_a_batch(echo_host, server, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("HERMES_HOME", str(tmp_path / "home" / ".hermes"))
    assert echo_host.register(Quitter(SystemExit(2)), name="quitter").status == "ok"
    server.responder = lambda body: reply(f"answer to {body['messages'][-1]['content']}")
    prompts = tmp_path / "p.jsonl"
    prompts.write_text("".join(f'{{"id": "p{i}", "prompt": "q{i}"}}\n' for i in range(3)))
    out = tmp_path / "out"
    args = [
        "batch",
        prompts,
        "--out",
        out,
        "--base-url",
        server.base_url,
        "-m",
        "m",
        "--toolsets",
        "none",
        "-q",
    ]
    result = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert sorted(r["id"] for r in read_jsonl(out / "trajectories.jsonl")) == ["p0", "p1", "p2"]
    assert "pre_trajectory_write: SystemExit: 2" in echo_host.records["quitter"].error
