"""Arguments nested 100,000 deep (issue 22, item 9): the run goes on, and the trajectory keeps them."""

from __future__ import annotations

import asyncio
import json

import openai
import pytest
from click.testing import CliRunner

from hermes_agent_loop import AgentLoop
from hermes_agent_loop.trajectory import read_jsonl, to_sharegpt
from hermes_core import Tool, Toolset
from hermes_core.cli import cli
from hermes_core.hookspecs import hookimpl
from hermes_testkit.openai_server import Reply, reply, tool_call

DEPTH = 100_000
DEEP = {
    "list": "[" * DEPTH + "]" * DEPTH,
    "object": '{"a": ' * DEPTH + "1" + "}" * DEPTH,
    "string": json.dumps("[" * DEPTH + "]" * DEPTH),
}


class Echo:
    @hookimpl
    def register_tools(self, register):
        register(Tool("echo", "echo", lambda args, task_id: {"echo": str(args)[:20]}))

    @hookimpl
    def register_toolsets(self, register):
        register(Toolset("deep", tools=("echo",)))


@pytest.fixture
def echo_host(host, monkeypatch, tmp_path):
    for var in ("OPENAI_BASE_URL", "OPENAI_API_KEY", "HERMES_MODEL"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("HERMES_HOME", str(tmp_path / "home" / ".hermes"))
    host.register(Echo(), name="echo-tool")
    return host


@pytest.mark.parametrize("shape", sorted(DEEP))
def test_deeply_nested_arguments_do_not_end_the_run(server, echo_host, shape):
    server.queue(Reply(tool_calls=[tool_call("echo", DEEP[shape])]), reply("done"))

    async def go():
        client = openai.AsyncOpenAI(base_url=server.base_url, api_key="x", max_retries=0)
        try:
            loop = AgentLoop(client, model="m", tools=echo_host.tools.openai_tools(["echo"]))
            return await loop.run([{"role": "user", "content": "go"}])
        finally:
            await client.close()

    result = asyncio.run(go())
    assert result.error is None and result.final_response == "done"
    assert result.metrics.attempted == 1 and result.metrics.schema_valid == 0  # coerced, counted
    expected = "[" * DEPTH + "]" * DEPTH if shape == "string" else DEEP[shape]
    sent = result.messages[1]["tool_calls"][0]["function"]["arguments"]
    assert json.loads(sent)["input"] == expected  # the raw text, whole
    gpt = to_sharegpt(result.messages, None)["conversations"][1]["value"]
    saved_call = json.loads(gpt.split("<tool_call>\n", 1)[1].split("\n</tool_call>", 1)[0])
    assert saved_call["arguments"]["input"] == expected


def test_run_save_trajectory_saves_arguments_of_any_depth(server, echo_host, tmp_path):
    server.queue(Reply(tool_calls=[tool_call("echo", DEEP["list"])]), reply("done"))
    saved = tmp_path / "traj.jsonl"
    args = [
        "run",
        "go",
        "--base-url",
        server.base_url,
        "-m",
        "m",
        "--toolsets",
        "deep",
        "--save-trajectory",
        saved,
    ]
    result = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "done"
    (record,) = read_jsonl(saved)
    assert record["finished_naturally"] and record["error"] is None
    gpt = record["conversations"][-3]["value"]
    saved_call = json.loads(gpt.split("<tool_call>\n", 1)[1].split("\n</tool_call>", 1)[0])
    assert saved_call["arguments"]["input"] == DEEP["list"]
