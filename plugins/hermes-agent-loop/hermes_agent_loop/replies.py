"""Reading chat completions field by field, whether they are ``openai`` models or plain dicts.

Servers add fields the OpenAI schema lacks (``reasoning_content``, ``reasoning_details``); the ``openai``
models keep them as pydantic extras, which are read directly (a plain attribute lookup of a missing field
costs an exception inside pydantic, on every turn of every run).
"""

from __future__ import annotations

from typing import Any

__all__ = ["extra_field", "get_field", "plain", "text_of", "tool_calls_of"]


def get_field(obj: Any, key: str) -> Any:
    """Attribute or key: replies may be ``openai`` models (extra fields allowed) or plain dicts."""
    if obj is None:
        return None
    if isinstance(obj, dict):
        return obj.get(key)
    value = getattr(obj, key, None)
    if value is None:
        extra = getattr(obj, "model_extra", None)
        if extra:
            value = extra.get(key)
    return value


def extra_field(obj: Any, key: str) -> Any:
    """A field outside the OpenAI schema (``reasoning_content``): read from pydantic's extras directly,
    as a plain attribute lookup of a missing field costs an exception inside pydantic."""
    if obj is None:
        return None
    if isinstance(obj, dict):
        return obj.get(key)
    extra = getattr(obj, "__pydantic_extra__", None)
    if isinstance(extra, dict):
        return extra.get(key)
    return getattr(obj, key, None)


def text_of(content: Any) -> str | None:
    if content is None or isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(get_field(p, "text") or "" for p in content)
    return str(content)


def plain(value: Any) -> Any:
    """``openai`` model objects inside a field as plain JSON values (they go back on the wire)."""
    if isinstance(value, list):
        return [plain(v) for v in value]
    dump = getattr(value, "model_dump", None)
    return dump() if callable(dump) else value


def tool_calls_of(message: Any) -> list[dict[str, Any]]:
    """A reply message's tool calls as plain OpenAI dicts (an id made up where the server sent none);
    arguments are left as sent, decoded once later by the dispatch."""
    from hermes_core.parsing import make_call_id

    calls: list[dict[str, Any]] = []
    for raw in get_field(message, "tool_calls") or ():
        function = get_field(raw, "function")
        if function is None:
            continue
        calls.append(
            {
                "id": get_field(raw, "id") or make_call_id(),
                "type": "function",
                "function": {
                    "name": get_field(function, "name") or "",
                    "arguments": get_field(function, "arguments"),
                },
            }
        )
    return calls
