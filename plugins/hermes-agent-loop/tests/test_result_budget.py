"""Tool-result budgets: an oversized result is saved whole in the task's sandbox; the model gets head,
tail and path."""

from __future__ import annotations

import asyncio
import json
import os

import openai
import pytest

import hermes_tools_terminal
from hermes_agent_loop import AgentLoop
from hermes_agent_loop.budget import PER_RESULT_CHARS, PER_TURN_CHARS, ResultBudget, over_turn_budget
from hermes_core.hookspecs import hookimpl
from hermes_core.sandboxes import cleanup_task
from hermes_core.tools import Tool
from hermes_testkit.openai_server import reply

FAST = {"retry_base_delay": 0.001, "retry_max_delay": 0.01}


class BigTool:
    @hookimpl
    def register_tools(self, register):
        def big(args, task_id):
            size = args["size"]
            return "HEAD-MARK" + "x" * (size - 18) + "TAIL-MARK"

        register(
            Tool(
                "big", "a large output", big, {"type": "object", "properties": {"size": {"type": "integer"}}}
            )
        )


@pytest.fixture
def budget_host(host, monkeypatch):
    monkeypatch.setenv("TERMINAL_ENV", "local")
    monkeypatch.delenv("TERMINAL_CWD", raising=False)  # a sandbox of its own, removed with the task
    host.register(hermes_tools_terminal, name="hermes-tools-terminal")
    host.register(BigTool(), name="big-tool")
    return host


def run(server, host, calls, task_id="budget-1", **kwargs):
    server.queue(reply(tool_calls=calls), reply("done"))

    async def go():
        client = openai.AsyncOpenAI(base_url=server.base_url, api_key="x", max_retries=0)
        try:
            loop = AgentLoop(
                client, model="m", tools=host.tools.openai_tools(["big"]), task_id=task_id, **FAST, **kwargs
            )
            return await loop.run([{"role": "user", "content": "go"}])
        finally:
            await client.close()

    return asyncio.run(go())


def test_budgets_scale_with_the_context():
    assert ResultBudget.for_context(None) == ResultBudget(PER_RESULT_CHARS, PER_TURN_CHARS)
    assert ResultBudget.for_context(1_000_000) == ResultBudget(100_000, 200_000)
    assert ResultBudget.for_context(32_000) == ResultBudget(32_000, 64_000)
    assert ResultBudget.for_context(100).per_result == 2_000  # never below a usable preview


def test_an_oversized_result_is_spilled_into_the_sandbox(server, budget_host):
    try:
        result = run(server, budget_host, [("big", {"size": 150_000})])
        seen = json.loads(server.requests[1]["messages"][2]["content"])
        assert seen["truncated"] is True and seen["total_chars"] > 150_000
        assert "HEAD-MARK" in seen["head"] and "TAIL-MARK" in seen["tail"]
        assert len(server.requests[1]["messages"][2]["content"]) < 6_000
        path = seen["saved_to"]
        assert path.endswith(".txt") and path in seen["note"]
        with open(path, encoding="utf-8") as handle:  # the local sandbox: the same file system
            saved = json.loads(handle.read())
        assert saved == {"output": "HEAD-MARK" + "x" * (150_000 - 18) + "TAIL-MARK"}
        assert result.messages[2]["content"] == server.requests[1]["messages"][2]["content"]
        assert result.metrics.executed_ok == 1
    finally:
        cleanup_task("budget-1")
    assert not os.path.exists(path)  # spilled results go with the sandbox


def test_a_turn_over_its_budget_spills_its_largest_results(server, budget_host):
    try:
        budget = ResultBudget(per_result=100_000, per_turn=100_000)
        calls = [("big", {"size": 60_000}), ("big", {"size": 70_000}), ("big", {"size": 1_000})]
        run(server, budget_host, calls, tool_result_budget=budget)
        sent = [json.loads(m["content"]) for m in server.requests[1]["messages"][2:5]]
        assert "saved_to" not in sent[0] and len(sent[0]["output"]) == 60_000 - 18 + 18
        assert sent[1]["truncated"] is True and sent[1]["total_chars"] > 70_000
        assert "saved_to" not in sent[2]
    finally:
        cleanup_task("budget-1")


def test_without_a_sandbox_the_model_is_told_what_was_cut(server, host, monkeypatch):
    monkeypatch.setenv("TERMINAL_ENV", "nosuch")  # a backend nobody installed
    host.register(BigTool(), name="big-tool")
    run(server, host, [("big", {"size": 150_000})], task_id="nosandbox")
    seen = json.loads(server.requests[1]["messages"][2]["content"])
    assert "saved_to" not in seen and "HEAD-MARK" in seen["head"]
    assert "only its head and tail are shown" in seen["note"] and "BackendUnavailable" in seen["note"]


def test_the_budget_can_be_turned_off(server, host):
    host.register(BigTool(), name="big-tool")
    result = run(server, host, [("big", {"size": 150_000})], tool_result_budget=False)
    assert len(result.messages[2]["content"]) > 150_000


def test_only_large_results_are_spilled_when_a_turn_is_over_budget(server, budget_host):
    """Issue 22, item 8: 200 short errors past the turn's budget stay as they are (a summary of each would
    be longer than the error), and the one large result among them is the one spilled."""
    calls = [("no_such_tool", {}) for _ in range(200)] + [("big", {"size": 20_000})]
    try:
        result = run(
            server, budget_host, calls, tool_result_budget=ResultBudget(per_result=100_000, per_turn=8_000)
        )
        contents = [m["content"] for m in server.requests[1]["messages"][2:]]
        assert len(contents) == 201
        errors = [json.loads(c) for c in contents[:200]]
        assert all(set(e) == {"error"} and "unknown tool 'no_such_tool'" in e["error"] for e in errors)
        spilled = json.loads(contents[200])
        assert spilled["truncated"] is True and spilled["total_chars"] > 20_000
        assert result.metrics.unknown_tools == 200
    finally:
        cleanup_task("budget-1")


def test_over_turn_budget_leaves_results_no_larger_than_their_spilled_form():
    assert over_turn_budget([130] * 5000, 200_000) == []
    assert over_turn_budget([130] * 10 + [50_000], 10_000) == [10]
