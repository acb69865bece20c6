"""Conformance helpers for plugins that implement the lifecycle hooks (``pre_tool_call``, ``on_run_end``...).

Subclass :class:`LifecycleHookConformance` in a plugin's tests and implement ``make_plugin()``: every test
then registers that plugin in a fresh host and drives a real agent run (the ``openai`` client against
:class:`~hermes_testkit.openai_server.ScriptedOpenAIServer`) through model calls, a tool call, an unknown
tool and an API error, checking that the plugin never breaks a run and never records a hook error::

    class TestMyTracer(LifecycleHookConformance):
        def make_plugin(self):
            return my_tracer.Plugin()

:class:`NoopHooks` implements every lifecycle hook and does nothing: the benchmarks' cost baseline.
The agent plugin (``hermes-agent-loop``) declares the lifecycle hooks: it must be installed for these
tests; they skip otherwise. Register it first in a host of your own (``host.register(
hermes_agent_loop.plugin, name="hermes-agent-loop")``) before a plugin implementing lifecycle hooks.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

import pytest

from hermes_core.hookspecs import hookimpl
from hermes_core.tools import Tool
from hermes_testkit.openai_server import ScriptedOpenAIServer, error, reply

__all__ = ["LifecycleHookConformance", "NoopHooks", "assert_hooks_listed", "run_agent"]


class NoopHooks:
    """Every lifecycle hook, doing nothing (what "a hook is implemented" costs, and nothing more)."""

    @hookimpl
    def on_run_start(self, run):
        return None

    @hookimpl
    def pre_llm_call(self, run, request):
        return None

    @hookimpl
    def post_llm_call(self, run, request, response, error):
        return None

    @hookimpl
    def pre_tool_call(self, run, tool_name, arguments, call_id):
        return None

    @hookimpl
    def post_tool_call(self, run, tool_name, arguments, result, error, seconds, call_id):
        return None

    @hookimpl
    def transform_tool_result(self, run, tool_name, arguments, result, call_id):
        return None

    @hookimpl
    def on_run_end(self, run, result):
        return None

    @hookimpl
    def pre_trajectory_write(self, record):
        return None


def assert_hooks_listed(host: Any, plugin_name: str, hooks: Iterable[str]) -> None:
    """``hermes plugins list`` shows each of ``hooks`` for the plugin, and no hook error."""
    record = host.records[plugin_name]
    missing = sorted(set(hooks) - set(record.hooks))
    assert not missing, f"{plugin_name} does not list hooks {missing}: {record.hooks}"
    assert record.status == "ok" and not record.error, f"{plugin_name}: {record.status}: {record.error}"


class _EchoTool:
    @hookimpl
    def register_tools(self, register):
        register(
            Tool(
                "echo",
                "echo text back",
                lambda args, task_id: {"echo": args.get("text")},
                {"type": "object", "properties": {"text": {"type": "string"}}},
            )
        )


def run_agent(server: ScriptedOpenAIServer, host: Any, task: str = "go", **loop_options: Any) -> Any:
    """One real agent run against ``server`` with ``host``'s tools and lifecycle hooks (``host`` is the
    process-wide host for the run's duration, as the tools' dispatch looks it up)."""
    import openai

    import hermes_core.plugins as plugins
    from hermes_agent_loop import AgentLoop
    from hermes_agent_loop.hooks import RunHooks

    async def go():
        client = openai.AsyncOpenAI(base_url=server.base_url, api_key="x", max_retries=0)
        try:
            loop = AgentLoop(
                client,
                model=server.model,
                tools=host.tools.openai_tools(host.tools.names()),
                hooks=RunHooks(host),
                retry_base_delay=0.001,
                retry_max_delay=0.01,
                **loop_options,
            )
            return await loop.run([{"role": "user", "content": task}])
        finally:
            await client.close()

    previous = plugins._host
    plugins.set_hermes(host)
    try:
        return asyncio.run(go())
    finally:
        plugins.set_hermes(previous)


class LifecycleHookConformance:
    """Base class for a hook plugin's tests; implement :meth:`make_plugin`."""

    plugin_name = "plugin-under-test"

    def make_plugin(self) -> Any:
        raise NotImplementedError

    @pytest.fixture
    def conformance_host(self):
        pytest.importorskip("hermes_agent_loop")
        import hermes_agent_loop.plugin
        from hermes_core.plugins import Hermes

        host = Hermes()
        host.register(hermes_agent_loop.plugin, name="hermes-agent-loop")  # declares the lifecycle hooks
        host.register(_EchoTool(), name="conformance-echo")
        record = host.register(self.make_plugin(), name=self.plugin_name)
        assert record.status == "ok", f"the plugin failed to load: {record.error}"
        return host

    @pytest.fixture
    def conformance_server(self):
        with ScriptedOpenAIServer() as server:
            yield server

    def test_implements_only_lifecycle_or_registration_hooks(self, conformance_host):
        from hermes_agent_loop.hookspecs import LIFECYCLE_HOOKS

        record = conformance_host.records[self.plugin_name]
        assert record.hooks, "the plugin implements no hook"
        assert any(h in LIFECYCLE_HOOKS for h in record.hooks), record.hooks

    def test_a_run_with_tool_calls_completes_without_hook_errors(self, conformance_host, conformance_server):
        conformance_server.queue(
            reply(tool_calls=[("echo", {"text": "a"}), ("echo", {"text": "b"})]),
            reply(tool_calls=[("no_such_tool", {})]),
            reply("done"),
        )
        result = run_agent(conformance_server, conformance_host)
        assert result.final_response == "done" and result.error is None
        assert result.metrics.attempted == 3 and result.metrics.executed_ok == 2
        record = conformance_host.records[self.plugin_name]
        assert record.error is None, f"a hook failed: {record.error}"

    def test_a_failed_run_still_ends_cleanly(self, conformance_host, conformance_server):
        conformance_server.queue(error(400, "bad request"))
        result = run_agent(conformance_server, conformance_host)
        assert result.stop_reason == "api_error"
        record = conformance_host.records[self.plugin_name]
        assert record.error is None, f"a hook failed: {record.error}"
