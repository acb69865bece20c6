"""The rule the Granite formats share: a call is ``{"name": str, "arguments": ...}``, both keys needed."""

from __future__ import annotations

from typing import Any

from hermes_core.parsing import encode_arguments

KEYS = ("arguments",)


def strict_decide(obj: Any) -> tuple[str, str] | None:
    """A call when ``obj`` has a non-empty string ``name`` and an ``arguments`` key (vLLM raises else)."""
    if type(obj) is not dict or "arguments" not in obj:
        return None
    name = obj.get("name")
    if type(name) is not str or not name.strip():
        return None
    return name.strip(), encode_arguments(obj["arguments"])
