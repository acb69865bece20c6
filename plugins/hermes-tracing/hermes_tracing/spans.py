"""Lifecycle hooks that turn an agent run into OpenTelemetry spans (GenAI semantic conventions).

One ``invoke_agent`` span per run; under it one ``chat {model}`` span per model call (retries included)
and one ``execute_tool {name}`` span per tool call. Spans are parented explicitly through the run's
``state`` rather than the ambient context: hundreds of concurrent runs share one event loop, and the tool
calls of one turn overlap.
"""

from __future__ import annotations

from typing import Any

from hermes_core.hookspecs import hookimpl

__all__ = ["STATE_KEY", "SpanHooks"]

STATE_KEY = "hermes-tracing"
SYSTEM = "openai"
"""``gen_ai.system``: every endpoint hermes talks to speaks the OpenAI chat API."""


def _get(obj: Any, key: str) -> Any:
    if obj is None:
        return None
    if isinstance(obj, dict):
        return obj.get(key)
    return getattr(obj, key, None)


def _error_type(message: str | None) -> str:
    """``APIStatusError`` from ``"APIStatusError (400): ..."``; a tool error is ``tool_error``."""
    head = (message or "").split(":", 1)[0].split(" (", 1)[0].strip()
    return head if head.isidentifier() else "error"


class SpanHooks:
    """A hermes plugin object: register it (or let ``HERMES_TRACING`` do so) to trace every run."""

    def __init__(self, tracer_provider: Any = None) -> None:
        from opentelemetry import trace

        provider = tracer_provider or trace.get_tracer_provider()
        self.tracer = provider.get_tracer("hermes_tracing", "0.1.0")

    # -- helpers ----------------------------------------------------------------------------------

    def _state(self, run: Any) -> dict[str, Any] | None:
        return run.state.get(STATE_KEY) if run is not None else None

    def _child(self, run: Any, name: str, attributes: dict[str, Any]) -> Any:
        from opentelemetry import trace

        state = self._state(run)
        context = trace.set_span_in_context(state["run"]) if state else None
        return self.tracer.start_span(
            name, context=context, kind=trace.SpanKind.CLIENT, attributes=attributes
        )

    @staticmethod
    def _fail(span: Any, error_type: str, message: str | None) -> None:
        from opentelemetry.trace import Status, StatusCode

        span.set_attribute("error.type", error_type)
        span.set_status(Status(StatusCode.ERROR, message))

    # -- the run ----------------------------------------------------------------------------------

    @hookimpl
    def on_run_start(self, run: Any) -> None:
        attributes = {
            "gen_ai.operation.name": "invoke_agent",
            "gen_ai.agent.name": "hermes",
            "gen_ai.system": SYSTEM,
            "gen_ai.request.model": run.model,
        }
        if run.task_id:
            attributes["gen_ai.conversation.id"] = run.task_id
        span = self.tracer.start_span("invoke_agent hermes", attributes=attributes)
        run.state[STATE_KEY] = {"run": span, "llm": None, "tools": {}}

    @hookimpl
    def on_run_end(self, run: Any, result: Any) -> None:
        state = self._state(run)
        if not state:
            return
        span = state["run"]
        usage = result.usage or {}
        span.set_attribute("hermes.stop_reason", result.stop_reason)
        span.set_attribute("hermes.turns", result.turns_used)
        span.set_attribute("hermes.tool_calls", result.metrics.attempted)
        span.set_attribute("hermes.tool_errors", result.metrics.execution_errors)
        if "prompt_tokens" in usage:
            span.set_attribute("gen_ai.usage.input_tokens", usage["prompt_tokens"])
        if "completion_tokens" in usage:
            span.set_attribute("gen_ai.usage.output_tokens", usage["completion_tokens"])
        if result.error:
            self._fail(span, _error_type(result.error), result.error)
        for leftover in (state["llm"], *state["tools"].values()):  # a run cut short mid-call
            if leftover is not None:
                leftover.end()
        span.end()

    # -- model calls ------------------------------------------------------------------------------

    @hookimpl
    def pre_llm_call(self, run: Any, request: dict[str, Any]) -> None:
        model = request.get("model")
        attributes: dict[str, Any] = {
            "gen_ai.operation.name": "chat",
            "gen_ai.system": SYSTEM,
            "gen_ai.request.model": model,
            "hermes.turn": run.turn if run is not None else 0,
        }
        for key, attribute in (
            ("temperature", "gen_ai.request.temperature"),
            ("max_tokens", "gen_ai.request.max_tokens"),
            ("top_p", "gen_ai.request.top_p"),
        ):
            if request.get(key) is not None:
                attributes[attribute] = request[key]
        span = self._child(run, f"chat {model}", attributes)
        state = self._state(run)
        if state is not None:
            state["llm"] = span
        else:  # no run span to hang it on: a marker, not a duration
            span.end()

    @hookimpl
    def post_llm_call(self, run: Any, request: dict[str, Any], response: Any, error: str | None) -> None:
        state = self._state(run)
        span = state["llm"] if state else None
        if span is None:
            return
        state["llm"] = None
        if error is not None:
            self._fail(span, _error_type(error), error)
        else:
            usage = _get(response, "usage")
            for key, attribute in (
                ("prompt_tokens", "gen_ai.usage.input_tokens"),
                ("completion_tokens", "gen_ai.usage.output_tokens"),
            ):
                value = _get(usage, key)
                if isinstance(value, int):
                    span.set_attribute(attribute, value)
            for key, attribute in (("model", "gen_ai.response.model"), ("id", "gen_ai.response.id")):
                value = _get(response, key)
                if isinstance(value, str):
                    span.set_attribute(attribute, value)
            reasons = [r for c in _get(response, "choices") or () if (r := _get(c, "finish_reason"))]
            if reasons:
                span.set_attribute("gen_ai.response.finish_reasons", reasons)
        span.end()

    # -- tool calls -------------------------------------------------------------------------------

    @hookimpl
    def pre_tool_call(self, run: Any, tool_name: str, call_id: str) -> None:
        attributes = {
            "gen_ai.operation.name": "execute_tool",
            "gen_ai.tool.name": tool_name,
            "gen_ai.tool.call.id": call_id,
            "gen_ai.tool.type": "function",
        }
        span = self._child(run, f"execute_tool {tool_name}", attributes)
        state = self._state(run)
        if state is not None:
            state["tools"][call_id] = span
        else:
            span.end()  # no run span to hang it on: a marker, not a duration

    @hookimpl
    def post_tool_call(self, run: Any, error: str | None, call_id: str) -> None:
        state = self._state(run)
        span = state["tools"].pop(call_id, None) if state else None
        if span is None:
            return
        if error is not None:
            self._fail(span, "tool_error", error)
        span.end()
