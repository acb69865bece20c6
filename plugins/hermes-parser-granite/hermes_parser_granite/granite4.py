"""Granite 4 tool calls: ``<tool_call>{json}</tool_call>`` blocks anywhere in the text.

As in vLLM's ``Granite4ToolParser`` the text *around and between* the blocks is the content (joined), a
block must hold one JSON object with ``name`` and ``arguments``, and any malformed block (bad JSON, a
start without an end, an end without a start) makes the whole completion content.
"""

from __future__ import annotations

import json

from hermes_core.parsing import ParsedCompletion, ToolCall, ToolCallParser
from hermes_parser_granite.calls import strict_call

TC_START = "<tool_call>"
TC_END = "</tool_call>"


class Granite4Parser(ToolCallParser):
    """IBM Granite 4.0: ``text <tool_call> {"name": ..., "arguments": ...} </tool_call> text``."""

    name = "granite4"
    aliases = ("granite_4",)
    start_markers = (TC_START,)

    def extract(self, text: str) -> ParsedCompletion | None:
        find = text.find
        start = find(TC_START)
        if start < 0:
            return None
        segments: list[str] = []
        calls: list[ToolCall] = []
        cut = 0
        while start >= 0:
            end = find(TC_END, start)
            if end < 0 or find(TC_END, cut, start) >= 0 or find(TC_START, start + 1, end) >= 0:
                return None  # unclosed call, stray end tag, or two starts in a row
            segments.append(text[cut:start])
            body = text[start + len(TC_START) : end]
            try:
                call = strict_call(json.loads(body))
            except (ValueError, RecursionError):
                return None
            if call is None:
                return None
            calls.append(call)
            cut = end + len(TC_END)
            start = find(TC_START, cut)
        if find(TC_END, cut) >= 0:
            return None
        segments.append(text[cut:])
        content = "".join(segments)
        first = segments[0]
        content = first.rstrip() + content[len(first) :] if first.strip() else content[len(first) :]
        return ParsedCompletion(content=content if content.strip() else None, tool_calls=calls)
