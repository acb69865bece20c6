"""The loop's reasoning round-trip with a reasoning parser: a server that returns raw text (llama.cpp,
a plain vLLM) gets its thinking split into ``reasoning_content`` the way vLLM's serving layer does it,
before the tool-call parser reads the answer, and sent back only where the endpoint wants it."""

from __future__ import annotations

import asyncio

import openai
import pytest

from hermes_agent_loop import AgentLoop
from hermes_core.hookspecs import hookimpl
from hermes_core.parsing_tags import TaggedJsonParser
from hermes_core.reasoning_markers import MarkerReasoningParser
from hermes_core.registry import HermesError
from hermes_core.tools import Tool
from hermes_testkit.openai_server import Reply, reply

CALLS: list[dict] = []


class ThinkThenTools(MarkerReasoningParser):
    """Qwen3's declaration: the template opens the thinking; a ``<tool_call>`` ends it."""

    name = "test_qwen3"
    implicit_ends = ("<tool_call>",)


class OpenedByModel(MarkerReasoningParser):
    """DeepSeek-R1's: no implicit end, so a call written inside the thinking stays thinking."""

    name = "test_r1"


class TagParser(TaggedJsonParser):
    name = "test_tags"


class Plugin:
    @hookimpl
    def register_reasoning_parsers(self, register):
        register(ThinkThenTools)
        register(OpenedByModel)

    @hookimpl
    def register_tool_call_parsers(self, register):
        register(TagParser)

    @hookimpl
    def register_tools(self, register):
        def echo(args, task_id):
            CALLS.append(args)
            return {"echo": args.get("text")}

        register(
            Tool("echo", "echo text", echo, {"type": "object", "properties": {"text": {"type": "string"}}})
        )


@pytest.fixture
def reasoning_host(host):
    CALLS.clear()
    host.register(Plugin(), name="agent-test-reasoning")
    return host


def schemas(host):
    return host.tools.openai_tools(["echo"])


def run(server, **kwargs):
    async def go():
        client = openai.AsyncOpenAI(base_url=server.base_url, api_key="x", max_retries=0)
        try:
            loop = AgentLoop(client, model="m", retry_base_delay=0.001, retry_max_delay=0.01, **kwargs)
            return await loop.run([{"role": "user", "content": "do it"}])
        finally:
            await client.close()

    return asyncio.run(go())


CALL = '<tool_call>{"name": "echo", "arguments": {"text": "hi"}}</tool_call>'


def test_reasoning_is_split_before_the_tool_parser_and_kept_in_its_field(server, reasoning_host):
    server.queue(Reply(content="I should echo.\n\n" + CALL), reply("Done."))
    result = run(
        server,
        tools=schemas(reasoning_host),
        tool_call_parser="test_tags",
        reasoning_parser="test_qwen3",
        reasoning_round_trip="reasoning_content",
    )
    assert CALLS == [{"text": "hi"}]
    assert result.reasoning_per_turn[0] == "I should echo.\n\n"
    assistant = result.messages[1]
    assert assistant["reasoning_content"] == "I should echo.\n\n"
    assert "I should echo" not in (assistant["content"] or "")
    sent = server.requests[1]["messages"][1]
    assert sent["reasoning_content"] == "I should echo.\n\n"  # round trip: the endpoint asked for it


def test_reasoning_field_is_not_sent_where_the_endpoint_rejects_it(server, reasoning_host):
    server.queue(Reply(content="thinking</think>" + CALL), reply("Done."))
    result = run(
        server,
        tools=schemas(reasoning_host),
        tool_call_parser="test_tags",
        reasoning_parser="test_qwen3",
        reasoning_round_trip="none",
    )
    assert result.messages[1]["reasoning_content"] == "thinking"
    assert "reasoning_content" not in server.requests[1]["messages"][1]


def test_a_call_inside_the_reasoning_does_not_run(server, reasoning_host):
    server.queue(Reply(content="<think>maybe " + CALL + "</think>No tool needed: 4."))
    result = run(
        server, tools=schemas(reasoning_host), tool_call_parser="test_tags", reasoning_parser="test_r1"
    )
    assert CALLS == []
    assert result.final_response == "No tool needed: 4."
    assert "<tool_call>" in result.reasoning_per_turn[0]


def test_unknown_reasoning_parser_is_an_error_at_construction(server, reasoning_host):
    with pytest.raises(HermesError, match="unknown reasoning parser 'nope'"):
        run(server, tools=schemas(reasoning_host), reasoning_parser="nope")


def test_run_and_batch_flag_reaches_the_loop(server, reasoning_host):
    """``hermes run/batch --reasoning-parser NAME`` (shared options) builds the loop with that parser."""
    import click

    from hermes_agent_loop.cli.run import run as run_command
    from hermes_agent_loop.cli.settings import RunSettings

    assert any(isinstance(p, click.Option) and p.name == "reasoning_parser" for p in run_command.params)
    settings = RunSettings.from_flags(
        base_url=server.base_url, model="m", toolsets="none", reasoning_parser="test_qwen3"
    )
    loop = settings.loop(settings.client(), None, "t")
    assert isinstance(loop.reasoning_parser, ThinkThenTools)
