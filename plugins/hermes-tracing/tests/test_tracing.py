"""Spans from real agent runs (the ``openai`` client against the scripted server), read back from the
OpenTelemetry SDK's in-memory exporter."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from hermes_tracing import SpanHooks
from hermes_tracing.plugin import Disabled, configured_exporter
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import StatusCode

from hermes_core.hookspecs import hookimpl
from hermes_core.plugins import Hermes
from hermes_core.registry import HermesError
from hermes_core.tools import Tool
from hermes_testkit.hooks import LifecycleHookConformance, assert_hooks_listed, run_agent
from hermes_testkit.openai_server import error, reply

pytest.importorskip("hermes_agent_loop")


def in_memory() -> tuple[TracerProvider, InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return provider, exporter


class Tools:
    @hookimpl
    def register_tools(self, register):
        register(Tool("echo", "echo", lambda args, task_id: {"echo": args.get("text")}))
        register(Tool("boom", "fails", lambda args, task_id: 1 / 0))


@pytest.fixture
def traced():
    provider, exporter = in_memory()
    import hermes_agent_loop.plugin

    host = Hermes()
    host.register(hermes_agent_loop.plugin, name="hermes-agent-loop")  # declares the lifecycle hooks
    host.register(Tools(), name="tools")
    host.register(SpanHooks(provider), name="hermes-tracing")
    return host, exporter


def by_name(spans):
    return {span.name: span for span in spans}


def test_a_run_becomes_an_agent_span_with_model_and_tool_spans(traced, server):
    host, exporter = traced
    server.queue(
        reply(
            tool_calls=[("echo", {"text": "hi"}), ("boom", {})],
            usage={"prompt_tokens": 11, "completion_tokens": 7, "total_tokens": 18},
        ),
        reply("done", usage={"prompt_tokens": 30, "completion_tokens": 2, "total_tokens": 32}),
    )
    result = run_agent(server, host, temperature=0.3, task_id="task-7")
    assert result.final_response == "done"
    spans = exporter.get_finished_spans()
    names = sorted(span.name for span in spans)
    assert names == [
        "chat scripted-model",
        "chat scripted-model",
        "execute_tool boom",
        "execute_tool echo",
        "invoke_agent hermes",
    ]
    run_span = by_name(spans)["invoke_agent hermes"]
    assert all(s.parent.span_id == run_span.context.span_id for s in spans if s is not run_span)
    assert len({s.context.trace_id for s in spans}) == 1
    assert run_span.attributes["gen_ai.operation.name"] == "invoke_agent"
    assert run_span.attributes["gen_ai.request.model"] == "scripted-model"
    assert run_span.attributes["gen_ai.conversation.id"] == "task-7"
    assert run_span.attributes["gen_ai.usage.input_tokens"] == 41
    assert run_span.attributes["gen_ai.usage.output_tokens"] == 9
    assert (
        run_span.attributes["hermes.stop_reason"] == "stop"
        and run_span.status.status_code == StatusCode.UNSET
    )
    first_chat = min((s for s in spans if s.name.startswith("chat")), key=lambda s: s.start_time)
    assert first_chat.attributes["gen_ai.request.model"] == "scripted-model"
    assert first_chat.attributes["gen_ai.request.temperature"] == 0.3
    assert first_chat.attributes["gen_ai.usage.input_tokens"] == 11
    assert first_chat.attributes["gen_ai.usage.output_tokens"] == 7
    assert tuple(first_chat.attributes["gen_ai.response.finish_reasons"]) == ("tool_calls",)
    echo, boom = by_name(spans)["execute_tool echo"], by_name(spans)["execute_tool boom"]
    assert echo.attributes["gen_ai.tool.name"] == "echo" and echo.status.status_code == StatusCode.UNSET
    assert echo.attributes["gen_ai.tool.call.id"] == result.messages[1]["tool_calls"][0]["id"]
    assert boom.status.status_code == StatusCode.ERROR and boom.attributes["error.type"] == "tool_error"
    assert "ZeroDivisionError" in boom.status.description
    assert_hooks_listed(host, "hermes-tracing", ("on_run_start", "pre_llm_call", "post_tool_call"))


def test_an_api_error_marks_the_model_and_run_spans(traced, server):
    host, exporter = traced
    server.queue(error(400, "context too long"))
    result = run_agent(server, host)
    assert result.stop_reason == "api_error"
    spans = by_name(exporter.get_finished_spans())
    chat, run_span = spans["chat scripted-model"], spans["invoke_agent hermes"]
    for span in (chat, run_span):
        assert span.status.status_code == StatusCode.ERROR
        assert span.attributes["error.type"] == "BadRequestError"
    assert "context too long" in chat.status.description


def test_concurrent_runs_keep_their_spans_apart(traced, server):
    import asyncio

    import openai

    from hermes_agent_loop import AgentLoop
    from hermes_agent_loop.hooks import RunHooks

    host, exporter = traced
    server.responder = lambda body: (
        reply("done")
        if body["messages"][-1]["role"] == "tool"
        else reply(tool_calls=[("echo", {"text": "x"})])
    )

    async def go():
        client = openai.AsyncOpenAI(base_url=server.base_url, api_key="x", max_retries=0)
        try:
            loops = [
                AgentLoop(
                    client,
                    model="m",
                    tools=host.tools.openai_tools(["echo"]),
                    task_id=f"t{i}",
                    hooks=RunHooks(host),
                )
                for i in range(8)
            ]
            return await asyncio.gather(*(loop.run([{"role": "user", "content": "go"}]) for loop in loops))
        finally:
            await client.close()

    import hermes_core.plugins as plugins

    previous = plugins._host
    plugins.set_hermes(host)
    try:
        results = asyncio.run(go())
    finally:
        plugins.set_hermes(previous)
    assert all(r.final_response == "done" for r in results)
    spans = exporter.get_finished_spans()
    runs = [s for s in spans if s.name == "invoke_agent hermes"]
    assert len(runs) == 8 and len({s.context.trace_id for s in runs}) == 8
    for run_span in runs:
        children = [s for s in spans if s.parent is not None and s.parent.span_id == run_span.context.span_id]
        assert sorted(s.name for s in children) == ["chat m", "chat m", "execute_tool echo"]
        assert {s.context.trace_id for s in children} == {run_span.context.trace_id}


def test_unconfigured_tracing_adds_no_hook(monkeypatch):
    monkeypatch.delenv("HERMES_TRACING", raising=False)
    assert configured_exporter() == "none"
    host = Hermes()
    record = host.register(Disabled(), name="hermes-tracing")
    assert record.status == "ok" and record.hooks == []


def test_a_bad_setting_is_a_one_line_error(monkeypatch):
    monkeypatch.setenv("HERMES_TRACING", "jaeger")
    with pytest.raises(HermesError, match="HERMES_TRACING='jaeger' is not one of: none, console, otlp"):
        configured_exporter()


class TestSpanHooksConformance(LifecycleHookConformance):
    plugin_name = "hermes-tracing"

    def make_plugin(self):
        return SpanHooks(in_memory()[0])


def test_hermes_run_prints_spans_to_the_console_when_configured(server, tmp_path):
    """The installed plugin, loaded from its entry point by a real ``hermes run``."""
    server.queue(reply(tool_calls=[("terminal", {"command": "echo traced"})]), reply("all done"))
    env = {
        k: v for k, v in os.environ.items() if k not in ("OPENAI_BASE_URL", "OPENAI_API_KEY", "HERMES_MODEL")
    }
    env.update(HOME=str(tmp_path), HERMES_HOME=str(tmp_path / ".hermes"), HERMES_TRACING="console")
    script = "from hermes_agent_loop.cli.run import run; run()"
    args = ["trace me", "--base-url", server.base_url, "-m", "traced-model", "--toolsets", "terminal", "-q"]
    done = subprocess.run(
        [sys.executable, "-c", script, *args], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "all done"  # spans go to stderr: stdout stays the answer
    spans = _console_spans(done.stderr)
    names = [span["name"] for span in spans]
    assert names.count("chat traced-model") == 2 and "execute_tool terminal" in names
    assert names[-1] == "invoke_agent hermes"  # the run ends last
    chat = next(span for span in spans if span["name"] == "chat traced-model")
    assert chat["attributes"]["gen_ai.usage.input_tokens"] == 10


def _console_spans(text: str) -> list[dict]:
    """The JSON objects ConsoleSpanExporter printed (each spans several lines)."""
    decoder, spans, index = json.JSONDecoder(), [], 0
    while (start := text.find("{", index)) >= 0:
        try:
            value, index = decoder.raw_decode(text, start)
        except ValueError:
            index = start + 1
            continue
        if isinstance(value, dict) and "context" in value and "name" in value:
            spans.append(value)
    return spans
