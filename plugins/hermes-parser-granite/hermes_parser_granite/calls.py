"""The rule the Granite formats share: a call is ``{"name": str, "arguments": ...}``, both keys needed."""

from __future__ import annotations

from typing import Any

from hermes_core.parsing import FunctionCall, ToolCall, encode_arguments, make_call_id


def strict_call(obj: Any) -> ToolCall | None:
    """A call when ``obj`` has a non-empty string ``name`` and an ``arguments`` key (vLLM raises else)."""
    if type(obj) is not dict or "arguments" not in obj:
        return None
    name = obj.get("name")
    if type(name) is not str or not name.strip():
        return None
    return ToolCall(make_call_id(), FunctionCall(name.strip(), encode_arguments(obj["arguments"])))
