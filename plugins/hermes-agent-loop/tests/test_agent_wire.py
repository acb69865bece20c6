"""What goes over the wire and how failures are blamed: reasoning round-trip per endpoint, a handler's own
TimeoutError, large completions parsed off the event loop, and keys masked in API errors."""

from __future__ import annotations

import asyncio
import json
import threading

import openai
import pytest

from hermes_agent_loop import AgentLoop
from hermes_agent_loop.reasoning import round_trip_fields
from hermes_core.hookspecs import hookimpl
from hermes_core.parsing import FunctionCall, ParsedCompletion, ToolCall, ToolCallParser, encode_arguments
from hermes_core.registry import HermesError
from hermes_testkit.openai_server import error, reply

FAST = {"retry_base_delay": 0.001, "retry_max_delay": 0.01}
TOOLS = [{"type": "function", "function": {"name": "x", "parameters": {"type": "object", "properties": {}}}}]


def run(server, api_key="x", **kwargs):
    async def go():
        client = openai.AsyncOpenAI(base_url=server.base_url, api_key=api_key, max_retries=0)
        try:
            loop = AgentLoop(client, model="m", **{"tools": TOOLS, **FAST, **kwargs})
            return await loop.run([{"role": "user", "content": "go"}])
        finally:
            await client.close()

    return asyncio.run(go())


async def ok_handler(name, args, task_id):
    return {"ok": True}


# -- reasoning round-trip ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "setting, base_url, expected",
    [
        ("auto", "https://api.deepseek.com/v1", {"reasoning_content"}),
        ("auto", "https://openrouter.ai/api/v1", {"reasoning_details"}),
        ("auto", "https://api.openai.com/v1", set()),
        ("auto", "http://127.0.0.1:8000/v1", set()),
        (None, "https://api.moonshot.ai/v1", {"reasoning_content"}),
        ("none", "https://api.deepseek.com", set()),
        ("reasoning_content,reasoning_details", None, {"reasoning_content", "reasoning_details"}),
        (("reasoning_content",), "https://openrouter.ai/api/v1", {"reasoning_content"}),
    ],
)
def test_round_trip_fields_by_endpoint(setting, base_url, expected):
    assert round_trip_fields(setting, base_url) == expected


def test_an_unknown_reasoning_field_is_a_one_line_error():
    with pytest.raises(HermesError, match="unknown reasoning field 'thoughts'"):
        round_trip_fields("thoughts")


def test_reasoning_content_goes_back_only_where_the_endpoint_wants_it(server):
    for setting, sent_back in (("auto", False), ("reasoning_content", True)):
        server.requests.clear()
        server.queue(reply(tool_calls=[("x", {})], reasoning_content="think first"), reply("done"))
        result = run(server, tool_handler=ok_handler, reasoning_round_trip=setting)
        assistant = server.requests[1]["messages"][1]
        assert ("reasoning_content" in assistant) is sent_back, setting
        if sent_back:
            assert assistant["reasoning_content"] == "think first"
        assert result.messages[1]["reasoning_content"] == "think first"  # the trajectory keeps it


def test_openrouter_reasoning_details_are_kept_and_sent_back(server):
    details = [
        {"type": "reasoning.encrypted", "data": "opaque==", "id": "r1", "format": "anthropic-claude-v1"}
    ]
    server.queue(reply(tool_calls=[("x", {})], extra_message={"reasoning_details": details}), reply("done"))
    result = run(server, tool_handler=ok_handler, reasoning_round_trip="reasoning_details")
    assert result.messages[1]["reasoning_details"] == details
    assert server.requests[1]["messages"][1]["reasoning_details"] == details
    server.requests.clear()
    server.queue(reply(tool_calls=[("x", {})], extra_message={"reasoning_details": details}), reply("done"))
    run(server, tool_handler=ok_handler)  # a local server: not sent (it might reject the field)
    assert "reasoning_details" not in server.requests[1]["messages"][1]


# -- blame ---------------------------------------------------------------------------------------------


def test_a_handlers_own_timeout_error_is_a_tool_failure_not_our_timeout(server):
    async def flaky(name, args, task_id):
        raise TimeoutError("upstream socket timed out")

    def flaky_sync(name, args, task_id):
        raise TimeoutError("read timed out")

    for handler, message in ((flaky, "upstream socket timed out"), (flaky_sync, "read timed out")):
        server.queue(reply(tool_calls=[("x", {})]), reply("done"))
        result = run(server, tool_handler=handler, tool_timeout=300)
        assert json.loads(result.messages[2]["content"]) == {"error": f"x failed: TimeoutError: {message}"}
        assert result.metrics.timeouts == 0 and result.metrics.execution_errors == 1


# -- a large completion is parsed off the event loop (issue 15.2) -------------------------------------


class ThreadNotingParser(ToolCallParser):
    """Notes whether it parsed on the thread running the event loop."""

    name = "thread_noting"
    start_markers = ("<tool_call>",)
    on_loop_thread: list[bool] = []

    def extract(self, text):
        try:
            asyncio.get_running_loop()
            ThreadNotingParser.on_loop_thread.append(True)
        except RuntimeError:
            ThreadNotingParser.on_loop_thread.append(False)
        block = text[text.rfind("<tool_call>") + len("<tool_call>") : text.rfind("</tool_call>")]
        data = json.loads(block)  # the last block only: the bait before it is not JSON
        calls = [ToolCall("call_0", FunctionCall(data["name"], encode_arguments(data["arguments"])))]
        return ParsedCompletion(content=None, tool_calls=calls)


class ParserPlugin:
    @hookimpl
    def register_tool_call_parsers(self, register):
        register(ThreadNotingParser)


def test_a_large_completion_is_parsed_off_the_event_loop(server, host):
    host.register(ParserPlugin(), name="thread-noting")
    ThreadNotingParser.on_loop_thread = []
    small = '<tool_call>{"name": "x", "arguments": {}}</tool_call>'
    large = "<tool_call>{'" * 30_000 + small  # 390 KB of bait, as in issue 15
    server.queue(reply(small), reply(large), reply("done"))
    result = run(server, tool_handler=ok_handler, tool_call_parser="thread_noting")
    assert result.final_response == "done" and result.metrics.attempted == 2
    assert ThreadNotingParser.on_loop_thread == [True, False]


# -- secrets -------------------------------------------------------------------------------------------


def test_an_api_error_never_carries_the_key(server):
    key = "sk-live-" + "Q" * 24 + '"\\end'
    server.queue(error(401, f"Incorrect API key provided: {key}"))
    result = run(server, api_key=key)
    assert result.stop_reason == "api_error" and "401" in result.error
    assert key not in result.error and "Q" * 24 not in result.error


def test_parse_event_loop_is_free_while_a_large_parse_runs(server, host):
    """A tick counter on the loop keeps counting while the large parse runs in its thread."""
    host.register(ParserPlugin(), name="thread-noting")
    release = threading.Event()
    started = threading.Event()
    released_while_parsing = []

    class SlowParser(ThreadNotingParser):
        name = "slow_noting"

        def extract(self, text):
            if len(text) > 100_000:
                started.set()
                released_while_parsing.append(release.wait(5))  # never, if the parse holds the loop
            return super().extract(text)

    class SlowPlugin:
        @hookimpl
        def register_tool_call_parsers(self, register):
            register(SlowParser)

    host.register(SlowPlugin(), name="slow-noting")
    large = "<tool_call>{'" * 30_000 + '<tool_call>{"name": "x", "arguments": {}}</tool_call>'
    server.queue(reply(large), reply("done"))

    async def go():
        client = openai.AsyncOpenAI(base_url=server.base_url, api_key="x", max_retries=0)
        ticks = 0
        try:
            loop = AgentLoop(
                client, model="m", tools=TOOLS, tool_handler=ok_handler, tool_call_parser="slow_noting"
            )
            task = asyncio.create_task(loop.run([{"role": "user", "content": "go"}]))
            while not started.is_set():
                await asyncio.sleep(0.001)
            for _ in range(20):  # the loop turns while the parse is blocked in its thread
                await asyncio.sleep(0)
                ticks += 1
            release.set()
            return await task, ticks
        finally:
            release.set()
            await client.close()

    result, ticks = asyncio.run(go())
    assert ticks == 20 and result.final_response == "done"
    assert released_while_parsing == [True]
