"""Lifecycle hooks (issue 13): plugins registered in a fixture shape real runs against the scripted server."""

from __future__ import annotations

import asyncio
import json

import openai
import pytest

from hermes_agent_loop import AgentLoop
from hermes_agent_loop.hooks import RunHooks
from hermes_agent_loop.hookspecs import LIFECYCLE_HOOKS
from hermes_core.hookspecs import hookimpl
from hermes_core.plugins import Hermes
from hermes_core.tools import Tool
from hermes_testkit.hooks import NoopHooks, assert_hooks_listed
from hermes_testkit.openai_server import reply

FAST = {"retry_base_delay": 0.001, "retry_max_delay": 0.01}


class ShellTool:
    ran: list[dict] = []

    @hookimpl
    def register_tools(self, register):
        def shell(args, task_id):
            ShellTool.ran.append(args)
            return {"output": f"ran {args['command']}"}

        register(
            Tool(
                "shell",
                "run a command",
                shell,
                {"type": "object", "properties": {"command": {"type": "string"}}, "required": ["command"]},
            )
        )


class Recorder:
    """Implements every lifecycle hook and records what it saw."""

    def __init__(self):
        self.seen: list[tuple] = []

    @hookimpl
    def on_run_start(self, run):
        self.seen.append(("on_run_start", run.task_id, run.model, len(run.messages)))
        run.state["recorder"] = "started"

    @hookimpl
    def pre_llm_call(self, run, request):
        self.seen.append(("pre_llm_call", run.turn, len(request["messages"])))

    @hookimpl
    def post_llm_call(self, run, response, error):
        self.seen.append(("post_llm_call", run.turn, response is not None, error))

    @hookimpl
    def pre_tool_call(self, tool_name, arguments, call_id):
        self.seen.append(("pre_tool_call", tool_name, arguments))

    @hookimpl
    def post_tool_call(self, run, tool_name, result, error, seconds):
        self.seen.append(("post_tool_call", tool_name, json.loads(result), error, seconds >= 0))

    @hookimpl
    def transform_tool_result(self, tool_name, result):
        self.seen.append(("transform_tool_result", tool_name))

    @hookimpl
    def on_run_end(self, run, result):
        self.seen.append(("on_run_end", run.state["recorder"], result.stop_reason, result.metrics.attempted))


@pytest.fixture
def tool_host(host):
    ShellTool.ran = []
    host.register(ShellTool(), name="shell-tool")
    return host


def run(server, host, messages=None, **kwargs):
    async def go():
        client = openai.AsyncOpenAI(base_url=server.base_url, api_key="x", max_retries=0)
        try:
            loop = AgentLoop(
                client, model="m", tools=host.tools.openai_tools(["shell"]), task_id="t-1", **FAST, **kwargs
            )
            return await loop.run(messages or [{"role": "user", "content": "go"}])
        finally:
            await client.close()

    return asyncio.run(go())


def test_every_hook_sees_a_real_run_in_order(server, tool_host):
    recorder = Recorder()
    tool_host.register(recorder, name="recorder")
    server.queue(reply(tool_calls=[("shell", {"command": "ls"})]), reply("done"))
    result = run(server, tool_host)
    assert result.final_response == "done"
    assert recorder.seen == [
        ("on_run_start", "t-1", "m", 1),
        ("pre_llm_call", 1, 1),
        ("post_llm_call", 1, True, None),
        ("pre_tool_call", "shell", {"command": "ls"}),
        ("post_tool_call", "shell", {"output": "ran ls"}, None, True),
        ("transform_tool_result", "shell"),
        ("pre_llm_call", 2, 3),
        ("post_llm_call", 2, True, None),
        ("on_run_end", "started", "stop", 1),
    ]
    assert set(tool_host.records["recorder"].hooks) == set(LIFECYCLE_HOOKS) - {"pre_trajectory_write"}


def test_pre_llm_call_changes_the_request_not_the_trajectory(server, tool_host):
    class Steer:
        @hookimpl
        def pre_llm_call(self, request):
            request["messages"].insert(0, {"role": "system", "content": "be terse"})
            return {"temperature": 0.25}

    tool_host.register(Steer(), name="steer")
    server.queue(reply("ok"))
    result = run(server, tool_host)
    sent = server.requests[0]
    assert sent["temperature"] == 0.25
    assert sent["messages"][0] == {"role": "system", "content": "be terse"}
    assert result.messages[0] == {"role": "user", "content": "go"}


def test_pre_tool_call_rewrites_arguments(server, tool_host):
    class Rewrite:
        @hookimpl
        def pre_tool_call(self, tool_name, arguments):
            if tool_name == "shell":
                return {"arguments": {"command": arguments["command"] + " --safe"}}

    tool_host.register(Rewrite(), name="rewrite")
    server.queue(reply(tool_calls=[("shell", {"command": "rm x"})]), reply("done"))
    result = run(server, tool_host)
    assert ShellTool.ran == [{"command": "rm x --safe"}]
    assert json.loads(result.messages[2]["content"]) == {"output": "ran rm x --safe"}


def test_pre_tool_call_refuses_with_a_result_the_model_sees(server, tool_host):
    class Guard:
        @hookimpl
        async def pre_tool_call(self, tool_name, arguments):  # async implementations are awaited
            await asyncio.sleep(0)
            if "rm" in arguments.get("command", ""):
                return {"action": "block", "message": "rm is not allowed here"}

    tool_host.register(Guard(), name="guard")
    server.queue(reply(tool_calls=[("shell", {"command": "rm -rf /"})]), reply("ok, I won't"))
    result = run(server, tool_host)
    assert ShellTool.ran == []
    assert json.loads(server.requests[1]["messages"][2]["content"]) == {"error": "rm is not allowed here"}
    assert result.metrics.execution_errors == 1 and result.tool_errors[0].error == "rm is not allowed here"


def test_transform_tool_result_replaces_what_the_model_sees_and_chains(server, tool_host):
    class Redact:
        @hookimpl
        async def transform_tool_result(self, result):
            return result.replace("secret", "[redacted]")

    class Tag:
        @hookimpl(trylast=True)
        def transform_tool_result(self, result):
            return json.dumps({"tagged": json.loads(result)})

    tool_host.register(Redact(), name="redact")
    tool_host.register(Tag(), name="tag")
    server.queue(reply(tool_calls=[("shell", {"command": "cat secret"})]), reply("done"))
    result = run(server, tool_host)
    sent = json.loads(server.requests[1]["messages"][2]["content"])
    assert sent == {"tagged": {"output": "ran cat [redacted]"}}
    assert result.messages[2]["content"] == server.requests[1]["messages"][2]["content"]


def test_post_tool_call_sees_errors_for_reward_shaping(server, tool_host):
    outcomes = []

    class Reward:
        @hookimpl
        def post_tool_call(self, run, tool_name, error):
            outcomes.append((run.turn, tool_name, error))
            run.state["reward"] = run.state.get("reward", 0) + (1 if error is None else -1)

        @hookimpl
        def on_run_end(self, run, result):
            outcomes.append(("reward", run.state["reward"]))

    tool_host.register(Reward(), name="reward")
    server.queue(
        reply(tool_calls=[("shell", {"command": "ls"}), ("nosuch", {})]),
        reply("done"),
    )
    run(server, tool_host)
    by_tool = {outcome[1]: outcome for outcome in outcomes[:2]}  # the two calls ran concurrently
    assert by_tool["shell"] == (1, "shell", None)
    assert by_tool["nosuch"][0] == 1 and "unknown tool" in by_tool["nosuch"][2]
    assert outcomes[2] == ("reward", 0)


def test_a_raising_hook_is_recorded_against_its_plugin_and_the_run_goes_on(server, tool_host):
    seen = []

    class Broken:
        @hookimpl
        def pre_tool_call(self, tool_name):
            raise RuntimeError("guard crashed")

        @hookimpl
        async def on_run_end(self, result):
            raise ValueError("tracker down")

    class Fine:
        @hookimpl
        def pre_tool_call(self, tool_name):
            seen.append(tool_name)

    tool_host.register(Broken(), name="broken")
    tool_host.register(Fine(), name="fine")
    server.queue(reply(tool_calls=[("shell", {"command": "ls"})]), reply("done"))
    result = run(server, tool_host)
    assert result.final_response == "done" and result.error is None
    assert ShellTool.ran == [{"command": "ls"}] and seen == ["shell"]
    record = tool_host.records["broken"]
    assert "pre_tool_call: RuntimeError: guard crashed" in record.error
    assert "on_run_end: ValueError: tracker down" in record.error
    assert tool_host.records["fine"].error is None


def test_hooks_cost_nothing_when_no_plugin_implements_them(server, tool_host):
    hooks = RunHooks(Hermes())
    assert not hooks and all(getattr(hooks, name) == () for name in LIFECYCLE_HOOKS)
    server.queue(reply(tool_calls=[("shell", {"command": "ls"})]), reply("done"))
    assert run(server, tool_host, hooks=hooks).final_response == "done"


def test_noop_hook_plugins_from_the_testkit_are_listed(tool_host):
    for index in range(3):
        tool_host.register(NoopHooks(), name=f"noop-{index}")
    hooks = RunHooks(tool_host)
    assert len(hooks.pre_tool_call) == 3 and len(hooks.on_run_end) == 3
    assert_hooks_listed(tool_host, "noop-0", LIFECYCLE_HOOKS)


def test_on_run_end_sees_a_cancelled_run(server, tool_host):
    ended = []

    class Tracker:
        @hookimpl
        def on_run_end(self, result):
            ended.append((result.stop_reason, result.turns_used))

    async def hang(name, args, task_id):
        await asyncio.sleep(30)

    tool_host.register(Tracker(), name="tracker")
    server.queue(reply(tool_calls=[("shell", {"command": "sleep"})]))

    async def go():
        client = openai.AsyncOpenAI(base_url=server.base_url, api_key="x", max_retries=0)
        try:
            loop = AgentLoop(
                client, model="m", tools=tool_host.tools.openai_tools(["shell"]), tool_handler=hang
            )
            with pytest.raises(TimeoutError):  # the caller's deadline, e.g. an RL environment's
                await asyncio.wait_for(loop.run([{"role": "user", "content": "go"}]), 1.0)
        finally:
            await client.close()

    asyncio.run(go())
    assert ended == [("cancelled", 1)]
