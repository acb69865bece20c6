"""Tool calls written as text become real ``tool_calls`` in whole answers (streams:
:mod:`hermes_serve.stream_rewrite`), and the model's thinking becomes ``reasoning_content``.

A choice whose upstream answer already carries ``tool_calls`` (a server with its own parser) passes
through untouched. Otherwise its text goes through the parser: the calls become ``tool_calls``, the text
outside them stays ``content`` and ``finish_reason`` becomes ``"tool_calls"``, as vLLM's own tool
parsers answer. With ``--reasoning-parser`` the reasoning is split off first and the tool parser reads
the content only (vLLM's order, :func:`hermes_core.reasoning.split_reasoning`); an answer that already
has ``reasoning_content`` (an upstream that split it) keeps it.
"""

from __future__ import annotations

from typing import Any

from hermes_core.parsing import ToolCallParser
from hermes_core.reasoning import ReasoningParser, split_reasoning


def wants_parsing(request: dict[str, Any]) -> bool:
    """Parse only when the request offers tools the model may call (vLLM's rule for its parsers)."""
    return bool(request.get("tools")) and request.get("tool_choice") != "none"


def thinking_switch(request: dict[str, Any]) -> bool | None:
    """The request's thinking switch, where vLLM reads it (``chat_template_kwargs``); ``None``: default."""
    kwargs = request.get("chat_template_kwargs")
    if not isinstance(kwargs, dict):
        return None
    for key in ("enable_thinking", "thinking"):
        if isinstance(kwargs.get(key), bool):
            return kwargs[key]
    return None


def rewrite_completion(
    body: dict[str, Any],
    parser: ToolCallParser | None,
    tools: list[dict[str, Any]] | None,
    reasoning: ReasoningParser | None = None,
) -> list[dict[str, Any]]:
    """Rewrite a ``chat.completion`` in place; return one record per choice (raw text, parsed result).
    ``parser`` None: no tool parsing (the request offers no tools); ``reasoning`` None: no split."""
    records = []
    for choice in body.get("choices") or ():
        message = choice.get("message") or {}
        raw = message.get("content")
        if message.get("tool_calls"):
            records.append({"raw": raw, "parsed": None, "native_tool_calls": message["tool_calls"]})
            continue
        if not isinstance(raw, str) or (parser is None and reasoning is None):
            records.append({"raw": raw, "parsed": None})
            continue
        if reasoning is not None:
            if message.get("reasoning_content") is not None:  # the upstream split it already
                records.append({"raw": raw, "parsed": None})
                continue
            split = split_reasoning(raw, reasoning, parser, tools)
            message["content"] = split.content
            if split.reasoning is not None:
                message["reasoning_content"] = split.reasoning
            if split.tool_calls:
                message["tool_calls"] = [call.model_dump() for call in split.tool_calls]
                choice["finish_reason"] = "tool_calls"
            records.append({"raw": raw, "parsed": split.model_dump()})
            continue
        parsed = parser.parse(raw, tools=tools)
        if parsed.tool_calls:
            message.update(parsed.as_assistant_message())
            choice["finish_reason"] = parsed.finish_reason()
        records.append({"raw": raw, "parsed": parsed.model_dump()})
    return records
