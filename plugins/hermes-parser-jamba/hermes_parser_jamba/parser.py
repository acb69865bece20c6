"""AI21 Jamba tool calls: one JSON array between ``<tool_calls>`` and ``</tool_calls>``.

::

    Sure! <tool_calls>[{"name": "get_current_weather", "arguments": {"city": "Dallas"}}]</tool_calls>

As in vLLM's ``JambaToolParser`` only the first block counts, every element needs ``name`` and
``arguments`` (or the whole text is content), and the text before the block is the content.
"""

from __future__ import annotations

import json

from hermes_core.parsing import (
    FunctionCall,
    ParsedCompletion,
    ToolCall,
    ToolCallParser,
    content_before,
    encode_arguments,
    make_call_id,
)
from hermes_core.parsing_tags import first_marker

START = "<tool_calls>"
END = "</tool_calls>"


class JambaParser(ToolCallParser):
    """AI21 Jamba 1.5 / 1.6 / 1.7: ``<tool_calls>[{"name": ..., "arguments": {...}}, ...]</tool_calls>``."""

    name = "jamba"
    start_markers = (START,)
    call_end_markers = (END,)  # a call that ended is sent at once when streaming

    def extract(self, text: str) -> ParsedCompletion | None:
        start = first_marker(text, START)
        if start < 0:
            return None
        end = text.find(END, start)
        if end < 0:
            return None
        try:
            items = json.loads(text[start + len(START) : end])
        except (ValueError, RecursionError):
            return None
        if type(items) is not list:
            return None
        calls: list[ToolCall] = []
        for item in items:
            if type(item) is not dict or "arguments" not in item:
                return None
            name = item.get("name")
            if type(name) is not str or not name.strip():
                return None
            calls.append(
                ToolCall(make_call_id(), FunctionCall(name.strip(), encode_arguments(item["arguments"])))
            )
        if not calls:
            return None
        return ParsedCompletion(content=content_before(text, start), tool_calls=calls)
