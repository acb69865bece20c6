"""Inkling (``inkling``): typed content blocks, each opened by a special token::

    <|message_model|><|content_thinking|>...reasoning...<|end_message|>
    <|message_model|><|content_text|>...visible text...<|end_message|>
    <|message_model|><|content_invoke_tool_json|>{"name": "f", "args": {"city": "SF"}}<|end_message|>

A block ends at ``<|end_message|>`` or ``<|content_model_end_sampling|>``; blocks come in any order. As
vLLM's ``InklingParser``: a tool block holds one JSON object whose ``args`` object is the arguments;
text blocks, raw-text tool blocks and tool errors are visible content, thinking blocks and the text of
a message header are not. When calls are found, the content is the text before the first token
followed by the visible blocks; with none, the text stays whole (hermes contract). Every token is a
start marker, so a stream holds back from the first one and reconciles at the end.
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
from hermes_core.parsing_tags import JSON_ERRORS, json_document, scan_json

MESSAGE_MODEL = "<|message_model|>"
TEXT = "<|content_text|>"
THINKING = "<|content_thinking|>"
TOOL_JSON = "<|content_invoke_tool_json|>"
TOOL_TEXT = "<|content_invoke_tool_text|>"
TOOL_ERROR = "<|content_tool_error|>"
END_SAMPLING = "<|content_model_end_sampling|>"
END_MESSAGE = "<|end_message|>"

# What the text after each token is: visible content, hidden, or a tool call.
_MODES = {
    MESSAGE_MODEL: "hidden",  # the header's optional metadata
    TEXT: "visible",
    TOOL_TEXT: "visible",
    TOOL_ERROR: "visible",
    THINKING: "hidden",
    TOOL_JSON: "tool",
    END_MESSAGE: "visible",  # between blocks
    END_SAMPLING: "visible",
}
_WS = " \t\r\n"


class InklingParser(ToolCallParser):
    """``<|content_invoke_tool_json|>{"name": N, "args": {...}}<|end_message|>`` among typed blocks."""

    name = "inkling"
    start_markers = tuple(_MODES)

    def extract(self, text: str) -> ParsedCompletion | None:
        if TOOL_JSON not in text:
            return None
        first = -1
        mode = "visible"
        start = 0
        visible: list[str] = []
        calls: list[ToolCall] = []
        doc = json_document(text)
        pos = text.find("<|")
        while True:
            token = None
            if pos >= 0:
                for candidate in _MODES:
                    if text.startswith(candidate, pos):
                        token = candidate
                        break
                if token is None:  # "<|" that opens no token: plain text
                    pos = text.find("<|", pos + 2)
                    continue
            end = len(text) if pos < 0 else pos
            if first < 0:
                first = end  # the text before the first token is the content's prefix
            elif mode == "visible":
                visible.append(text[start:end])
            elif mode == "tool":
                self._call(doc, start, end, calls)
            if pos < 0:
                break
            mode = _MODES[token]
            start = pos + len(token)
            pos = text.find("<|", start)
        if not calls:
            return None
        content = (content_before(text, first) or "") + "".join(visible)
        return ParsedCompletion(content=content if content.strip(_WS) else None, tool_calls=calls)

    @staticmethod
    def _call(doc: str, start: int, end: int, calls: list[ToolCall]) -> None:
        while start < end and doc[start] in _WS:
            start += 1
        try:
            obj, stop = scan_json(doc, start)
        except JSON_ERRORS:
            return
        if stop > end or type(obj) is not dict:
            return
        name = obj.get("name")
        arguments = obj.get("args", {})
        if type(name) is not str or not name.strip() or type(arguments) is not dict:
            return  # vLLM: args must be a JSON object
        calls.append(ToolCall(make_call_id(), FunctionCall(name.strip(), encode_arguments(arguments))))
