"""MiniMax-M1 tool calls: one JSON object per line in a ``<tool_calls>`` block::

    <tool_calls>
    {"name": "get_weather", "arguments": {"city": "Seattle"}}
    {"name": "get_time", "arguments": {}}
    </tool_calls>

As vLLM: blocks inside ``<think>`` are reasoning, not calls; a line counts when it is a JSON object with
``name`` and ``arguments``; a final block without its end tag still counts.
"""

from __future__ import annotations

from hermes_core.parsing import (
    FunctionCall,
    ParsedCompletion,
    ToolCall,
    ToolCallParser,
    content_before,
    encode_arguments,
    make_call_id,
)
from hermes_core.parsing_tags import JSON_ERRORS, THINK_END, scan_json

BLOCK = "<tool_calls>"
BLOCK_END = "</tool_calls>"
THINK = "<think>"


class MinimaxM1Parser(ToolCallParser):
    """MiniMax-M1 (40k / 80k)."""

    name = "minimax"
    aliases = ("minimax_m1", "minimax-m1")
    start_markers = (BLOCK,)
    call_end_markers = (BLOCK_END,)  # a call that ended is sent at once when streaming

    def extract(self, text: str) -> ParsedCompletion | None:
        think_end = text.rfind(THINK_END)
        think = text.find(THINK, 0, think_end) if think_end >= 0 else -1
        first = text.find(BLOCK, think_end + len(THINK_END) if think >= 0 else 0)
        if first < 0:
            return None
        calls: list[ToolCall] = []
        pos = first
        while pos >= 0:
            body = pos + len(BLOCK)
            stop = text.find(BLOCK_END, body)
            self._lines(text[body : stop if stop >= 0 else len(text)], calls)
            if stop < 0:
                break
            pos = text.find(BLOCK, stop + len(BLOCK_END))
        if not calls:
            return None
        return ParsedCompletion(content=content_before(text, first), tool_calls=calls)

    @staticmethod
    def _lines(block: str, calls: list[ToolCall]) -> None:
        for line in block.split("\n"):
            line = line.strip()
            if not (line.startswith("{") and line.endswith("}")):
                continue
            try:
                obj, end = scan_json(line, 0)
            except JSON_ERRORS:
                continue
            if end != len(line) or type(obj) is not dict or "name" not in obj or "arguments" not in obj:
                continue
            name = obj["name"]
            if type(name) is str and name.strip():
                calls.append(
                    ToolCall(make_call_id(), FunctionCall(name.strip(), encode_arguments(obj["arguments"])))
                )
