"""The agent loop through the real ``openai`` client against a scripted OpenAI-compatible server."""

from __future__ import annotations

import asyncio
import json
import threading
import time

import openai
import pytest

from hermes_agent_loop import AgentEvent, AgentLoop, AgentResult, ToolError
from hermes_agent_loop.clients import AtroposChatClient
from hermes_agent_loop.truncation import estimate_tokens
from hermes_core.hookspecs import hookimpl
from hermes_core.parsing_tags import TaggedJsonParser
from hermes_core.registry import HermesError
from hermes_core.tools import Tool
from hermes_testkit.openai_server import Reply, error, reply, tool_call

FAST = {"retry_base_delay": 0.001, "retry_max_delay": 0.01}


class TagParser(TaggedJsonParser):
    """The core's ``<tool_call>{json}</tool_call>`` scanner under a test name: no parser plugin needed."""

    name = "test_tags"


class TestTools:
    calls: list[tuple[str, dict, str | None]] = []

    @hookimpl
    def register_tools(self, register):
        def terminal(args, task_id):
            TestTools.calls.append(("terminal", args, task_id))
            return {"output": f"ran {args['command']}", "exit_code": 0}

        def echo(args, task_id):
            TestTools.calls.append(("echo", args, task_id))
            return {"echo": args.get("text", args.get("input"))}

        def boom(args, task_id):
            raise RuntimeError("kaboom")

        def big(args, task_id):
            return {"output": "x" * args.get("size", 2_000_000)}

        register(
            Tool(
                "terminal",
                "run a command",
                terminal,
                {"type": "object", "properties": {"command": {"type": "string"}}, "required": ["command"]},
            )
        )
        register(
            Tool(
                "echo",
                "echo text",
                echo,
                {"type": "object", "properties": {"text": {"type": "string"}, "input": {"type": "string"}}},
            )
        )
        register(Tool("boom", "always fails", boom))
        register(
            Tool("big", "a huge output", big, {"type": "object", "properties": {"size": {"type": "integer"}}})
        )

    @hookimpl
    def register_tool_call_parsers(self, register):
        register(TagParser)


@pytest.fixture
def tools_host(host):
    TestTools.calls = []
    host.register(TestTools(), name="agent-test-tools")
    return host


def schemas(host, names=("terminal", "echo", "boom", "big")):
    return host.tools.openai_tools(list(names))


def run(server, messages=None, **kwargs) -> AgentResult:
    async def go():
        client = openai.AsyncOpenAI(base_url=server.base_url, api_key="x", max_retries=0)
        try:
            loop = AgentLoop(client, model="m", **{**FAST, **kwargs})
            return await loop.run(messages or [{"role": "user", "content": "do it"}])
        finally:
            await client.close()

    return asyncio.run(go())


def test_native_tool_calls_run_and_results_go_back(server, tools_host):
    server.queue(reply(tool_calls=[("terminal", {"command": "ls"})]), reply("all done"))
    result = run(server, tools=schemas(tools_host), task_id="t1")
    assert result.final_response == "all done"
    assert result.finished_naturally and result.error is None and result.stop_reason == "stop"
    assert result.turns_used == 2
    assert TestTools.calls == [("terminal", {"command": "ls"}, "t1")]
    assert [m["role"] for m in result.messages] == ["user", "assistant", "tool", "assistant"]
    call_id = result.messages[1]["tool_calls"][0]["id"]
    assert result.messages[2]["tool_call_id"] == call_id
    assert json.loads(result.messages[2]["content"]) == {"output": "ran ls", "exit_code": 0}
    assert result.metrics.to_dict() | {"per_tool": None} == {
        "attempted": 1,
        "schema_valid": 1,
        "executed_ok": 1,
        "execution_errors": 0,
        "unknown_tools": 0,
        "timeouts": 0,
        "per_tool": None,
    }
    first, second = server.requests
    assert [t["function"]["name"] for t in first["tools"]] == ["terminal", "echo", "boom", "big"]
    assert second["messages"][2] == {
        "role": "tool",
        "tool_call_id": call_id,
        "content": result.messages[2]["content"],
    }
    assert result.usage == {"prompt_tokens": 20, "completion_tokens": 10, "total_tokens": 30}


def test_input_messages_are_not_mutated_and_kept(server, tools_host):
    messages = [{"role": "system", "content": "be brief"}, {"role": "user", "content": "hi"}]
    snapshot = json.dumps(messages)
    server.queue(reply("hello"))
    result = run(server, messages, tools=schemas(tools_host))
    assert json.dumps(messages) == snapshot
    assert result.messages[:2] == messages and result.messages[2]["content"] == "hello"


def test_text_tool_calls_are_parsed_client_side(server, tools_host):
    text = 'Let me echo.\n<tool_call>{"name": "echo", "arguments": {"text": "hi"}}</tool_call>'
    server.queue(reply(text), reply("echoed"))
    result = run(server, tools=schemas(tools_host), tool_call_parser="test_tags")
    assert TestTools.calls == [("echo", {"text": "hi"}, None)]
    assistant = result.messages[1]
    assert assistant["content"] == "Let me echo."
    assert assistant["tool_calls"][0]["function"]["name"] == "echo"
    assert server.requests[1]["messages"][2]["role"] == "tool"
    assert result.final_response == "echoed" and result.metrics.schema_valid == 1


def test_text_tool_calls_without_a_parser_are_just_an_answer(server, tools_host):
    text = '<tool_call>{"name": "echo", "arguments": {"text": "hi"}}</tool_call>'
    server.queue(reply(text))
    result = run(server, tools=schemas(tools_host))
    assert result.final_response == text and TestTools.calls == []


def test_unknown_parser_name_fails_at_construction(tools_host):
    with pytest.raises(HermesError, match="unknown tool-call parser"):
        AgentLoop(
            openai.AsyncOpenAI(base_url="http://127.0.0.1:1/v1", api_key="x"),
            model="m",
            tool_call_parser="nope",
        )


@pytest.mark.parametrize(
    ("name", "raw", "expected"),
    [
        ("echo", json.dumps(json.dumps({"text": "twice"})), {"text": "twice"}),
        ("terminal", "ls -la /tmp", {"command": "ls -la /tmp"}),
        ("echo", "just some words", {"input": "just some words"}),
        ("terminal", "[1, 2]", {"command": "[1, 2]"}),
    ],
)
def test_malformed_arguments_are_coerced_and_marked_schema_invalid(server, tools_host, name, raw, expected):
    server.queue(Reply(tool_calls=[tool_call(name, raw)]), reply("ok"))
    result = run(server, tools=schemas(tools_host))
    assert TestTools.calls[0][1] == expected
    assert result.metrics.attempted == 1 and result.metrics.schema_valid == 0
    assert result.metrics.executed_ok == 1
    sent = server.requests[1]["messages"][1]["tool_calls"][0]["function"]["arguments"]
    assert json.loads(sent) == expected  # what goes back to the server is valid JSON


def test_missing_required_argument_is_schema_invalid_and_an_error(server, tools_host):
    server.queue(reply(tool_calls=[("terminal", {"cmd": "ls"})]), reply("ok"))
    result = run(server, tools=schemas(tools_host))
    assert result.metrics.schema_valid == 0 and result.metrics.execution_errors == 1
    assert "command" in result.tool_errors[0].error


def test_unknown_tool_gets_an_error_listing_valid_tools_and_the_loop_goes_on(server, tools_host):
    server.queue(reply(tool_calls=[("rm_rf", {"path": "/"})]), reply("sorry"))
    result = run(server, tools=schemas(tools_host, ("terminal", "echo")))
    error = json.loads(result.messages[2]["content"])["error"]
    assert "rm_rf" in error and "echo, terminal" in error
    assert result.final_response == "sorry" and result.finished_naturally
    assert result.metrics.unknown_tools == 1 and result.metrics.schema_valid == 0
    assert result.tool_errors == [
        ToolError(
            turn=1,
            tool="rm_rf",
            arguments={"path": "/"},
            error=error,
            result_excerpt=result.messages[2]["content"],
        )
    ]


def test_valid_tool_names_restricts_dispatch(server, tools_host):
    server.queue(reply(tool_calls=[("echo", {"text": "a"})]), reply("ok"))
    result = run(server, tools=schemas(tools_host), valid_tool_names={"terminal"})
    assert TestTools.calls == [] and result.metrics.unknown_tools == 1


def test_tool_that_raises_becomes_an_error_result(server, tools_host):
    server.queue(reply(tool_calls=[("boom", {})]), reply("it broke"))
    result = run(server, tools=schemas(tools_host))
    assert json.loads(result.messages[2]["content"]) == {"error": "boom failed: RuntimeError: kaboom"}
    assert result.metrics.execution_errors == 1 and result.final_response == "it broke"


def test_429_and_500_are_retried_then_succeed(server, tools_host):
    server.queue(error(429, "slow down"), error(500), error(503), reply("finally"))
    events: list[AgentEvent] = []
    result = run(server, tools=schemas(tools_host), on_event=events.append)
    assert result.final_response == "finally" and result.error is None
    retries = [e for e in events if e.kind == "retry"]
    assert [e.data["attempt"] for e in retries] == [1, 2, 3]
    assert "slow down" in retries[0].data["error"]


def test_retries_exhausted_stop_with_the_error_recorded(server, tools_host):
    server.queue(*[error(500, "down")] * 3)
    result = run(server, tools=schemas(tools_host), max_retries=2)
    assert result.error and "down" in result.error and "500" in result.error
    assert result.stop_reason == "api_error" and not result.finished_naturally
    assert len(server.requests) == 3 and result.messages == [{"role": "user", "content": "do it"}]


def test_non_transient_errors_are_not_retried(server, tools_host):
    server.queue(error(400, "context too long"), reply("never"))
    result = run(server, tools=schemas(tools_host))
    assert "context too long" in result.error and len(server.requests) == 1


def test_connection_refused_is_an_error_not_an_exception(tools_host):
    async def go():
        client = openai.AsyncOpenAI(base_url="http://127.0.0.1:9/v1", api_key="x", max_retries=0)
        return await AgentLoop(client, model="m", max_retries=1, **FAST).run(
            [{"role": "user", "content": "x"}]
        )

    result = asyncio.run(go())
    assert result.stop_reason == "api_error" and "Connection" in result.error


def test_empty_reply_is_retried_once(server, tools_host):
    server.queue(reply(""), reply("here"))
    result = run(server, tools=schemas(tools_host))
    assert result.final_response == "here" and len(server.requests) == 2


def test_two_empty_replies_stop_with_an_error(server, tools_host):
    server.queue(reply(None), reply("  "), reply("unused"))
    result = run(server, tools=schemas(tools_host))
    assert result.stop_reason == "empty_reply" and "empty" in result.error and len(server.requests) == 2


def test_reasoning_from_fields_and_think_blocks(server, tools_host):
    server.queue(
        reply(tool_calls=[("echo", {"text": "a"})], reasoning_content="I should echo"),
        Reply(content="<think>now answer</think>The answer is 4."),
    )
    result = run(server, tools=schemas(tools_host))
    assert result.reasoning_per_turn == ["I should echo", "now answer"]
    assert result.final_response == "The answer is 4."
    assert result.messages[1]["reasoning_content"] == "I should echo"
    assert "reasoning_content" not in server.requests[1]["messages"][1]  # never sent back


def test_reasoning_field_named_reasoning(server, tools_host):
    server.queue(Reply(content="4", extra_message={"reasoning": "2+2"}))
    assert run(server, tools=schemas(tools_host)).reasoning_per_turn == ["2+2"]


def test_max_turns_stops_without_natural_finish(server, tools_host):
    server.responder = lambda body: reply(tool_calls=[("echo", {"text": "again"})])
    result = run(server, tools=schemas(tools_host), max_turns=3)
    assert result.turns_used == 3 and not result.finished_naturally
    assert result.stop_reason == "max_turns" and result.error is None and result.final_response is None
    assert result.metrics.attempted == 3


def test_very_long_tool_output_is_kept_whole_but_truncated_in_requests(server, tools_host):
    server.queue(reply(tool_calls=[("big", {"size": 2_000_000})]), reply("summarised"))
    # the result budget off: this is about truncating what is sent (test_result_budget.py spills)
    result = run(server, tools=schemas(tools_host), max_context_tokens=4000, tool_result_budget=False)
    assert len(result.messages[2]["content"]) > 2_000_000
    sent = server.requests[1]["messages"]
    assert sum(estimate_tokens(m) for m in sent) <= 4000
    assert "characters cut to fit the context" in sent[2]["content"]
    assert result.final_response == "summarised"


def test_long_conversation_truncates_middle_keeps_head_and_tail(server, tools_host):
    server.responder = lambda body: reply(tool_calls=[("big", {"size": 3000})])
    result = run(server, tools=schemas(tools_host), max_context_tokens=3000, max_turns=12)
    last = server.requests[-1]["messages"]
    assert last[0] == {"role": "user", "content": "do it"}
    full = [{k: v for k, v in m.items() if k != "reasoning_content"} for m in result.messages[:-2]]
    assert last[-6:] == full[-6:]
    ids = {c["id"] for m in last if m["role"] == "assistant" for c in m.get("tool_calls") or ()}
    assert all(m["tool_call_id"] in ids for m in last if m["role"] == "tool")
    assert len(result.messages) == 1 + 12 * 2


def test_tool_handler_replaces_dispatch_sync_and_async(server):
    seen = []

    def sync_handler(name, args, task_id):
        seen.append((name, args, task_id, threading.current_thread().name))
        return json.dumps({"ok": name})

    async def async_handler(name, args, task_id):
        seen.append((name, args, task_id, "async"))
        return {"ok": name}

    tools = [
        {"type": "function", "function": {"name": "x", "parameters": {"type": "object", "properties": {}}}}
    ]
    for handler in (sync_handler, async_handler):
        server.queue(reply(tool_calls=[("x", {"a": 1})]), reply("ok"))
        result = run(server, tools=tools, tool_handler=handler, task_id="sb-1")
        assert json.loads(result.messages[2]["content"]) == {"ok": "x"}
    assert seen[0][:3] == ("x", {"a": 1}, "sb-1") and seen[0][3].startswith("hermes-tool")
    assert seen[1] == ("x", {"a": 1}, "sb-1", "async")


def test_hung_tool_is_bounded_by_tool_timeout(server):
    release = threading.Event()

    def hang(name, args, task_id):
        release.wait(5)
        return "{}"

    async def hang_async(name, args, task_id):
        await asyncio.sleep(5)

    tools = [{"type": "function", "function": {"name": "hang", "parameters": {}}}]
    try:
        for handler in (hang, hang_async):
            server.queue(reply(tool_calls=[("hang", {})]), reply("gave up"))
            started = time.perf_counter()
            result = run(server, tools=tools, tool_handler=handler, tool_timeout=0.2)
            assert time.perf_counter() - started < 2
            assert json.loads(result.messages[2]["content"]) == {"error": "hang timed out after 0.2s"}
            assert result.metrics.timeouts == 1 and result.final_response == "gave up"
    finally:
        release.set()


def test_events_follow_the_run(server, tools_host):
    server.queue(reply(tool_calls=[("echo", {"text": "a"})]), reply("done"))
    events: list[AgentEvent] = []

    def broken(event):  # a failing display callback must not end the run
        events.append(event)
        raise ValueError("display bug")

    result = run(server, tools=schemas(tools_host), on_event=broken)
    assert result.final_response == "done"
    assert [(e.kind, e.turn) for e in events] == [
        ("assistant", 1),
        ("tool_call", 1),
        ("tool_result", 1),
        ("assistant", 2),
    ]
    assert events[2].data["error"] is None and events[1].data["arguments"] == {"text": "a"}


def test_many_concurrent_runs_share_one_process(server, tools_host):
    def responder(body):
        turns = sum(1 for m in body["messages"] if m["role"] == "assistant")
        return reply(tool_calls=[("echo", {"text": "x"})]) if turns < 2 else reply("done")

    server.responder = responder
    server.keep_requests = False
    threads_before = threading.active_count()

    async def go():
        client = openai.AsyncOpenAI(base_url=server.base_url, api_key="x", max_retries=0)
        loop = AgentLoop(client, model="m", tools=schemas(tools_host))
        results = await asyncio.gather(*(loop.run([{"role": "user", "content": str(i)}]) for i in range(128)))
        await client.close()
        return results

    results = asyncio.run(go())
    assert all(r.final_response == "done" and r.metrics.executed_ok == 2 for r in results)
    # the loop's own threads are bounded (the server adds one per connection, the pool at most 32)
    assert threading.active_count() - threads_before < 200


def test_atropos_style_server_is_adapted(server, tools_host):
    class FakeAtroposServer:
        def __init__(self, client):
            self.client, self.calls = client, []

        async def chat_completion(self, **kwargs):
            self.calls.append(kwargs)
            return await self.client.chat.completions.create(**kwargs)

    server.queue(reply(tool_calls=[("echo", {"text": "a"})]), reply("adapted"))

    async def go():
        client = openai.AsyncOpenAI(base_url=server.base_url, api_key="x", max_retries=0)
        fake = FakeAtroposServer(client)
        direct = await AgentLoop(fake, model="m", tools=schemas(tools_host)).run(
            [{"role": "user", "content": "q"}]
        )
        server.queue(reply("wrapped"))
        wrapped = AtroposChatClient(fake, temperature=0.5)
        again = await AgentLoop(wrapped, model="m").run([{"role": "user", "content": "q"}])
        await client.close()
        return fake, direct, again

    fake, direct, again = asyncio.run(go())
    assert direct.final_response == "adapted" and again.final_response == "wrapped"
    assert fake.calls[-1]["temperature"] == 0.5 and server.requests[-1]["temperature"] == 0.5


def test_request_options_are_sent(server, tools_host):
    server.queue(reply("ok"))
    run(server, tools=schemas(tools_host), temperature=0.3, max_tokens=77, extra_body={"top_k": 5})
    body = server.requests[0]
    assert body["temperature"] == 0.3 and body["max_tokens"] == 77 and body["top_k"] == 5
    assert body["model"] == "m"


def test_default_dispatch_uses_the_registry_without_tools_list(server, tools_host):
    server.queue(reply(tool_calls=[("nope", {})]), reply("ok"))
    result = run(server)  # no tools: the registry decides what is unknown
    assert "unknown tool 'nope'" in json.loads(result.messages[2]["content"])["error"]
