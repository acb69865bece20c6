"""GigaChat 3 / 3.1 (``gigachat3``): one JSON call after a header, at the end of the message.

GigaChat 3 starts a new message for the call::

    I'll check that for you.<|message_sep|>

    function call<|role_sep|>
    {"name": "manage_user_memory", "arguments": {"action": "create"}}</s>

GigaChat 3.1 uses one token instead::

    I'll check that for you.<|function_call|>{"name": "manage_user_memory", "arguments": {}}

The content is the text before the first ``<|message_sep|>`` or header; the call is the
JSON object after the header (``name`` and an object ``arguments``, as vLLM requires). One call per
message, as in vLLM.
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

MESSAGE_SEP = "<|message_sep|>"
FUNCTION_CALL = "<|function_call|>"
ROLE_HEADER = "function call<|role_sep|>"

# GigaChat writes raw newlines and tabs inside JSON strings; vLLM reads them with strict=False.
_scan = json.JSONDecoder(strict=False).scan_once
_SCAN_ERRORS = (StopIteration, ValueError, RecursionError)
_WS = " \t\r\n"


class GigaChat3Parser(ToolCallParser):
    """``function call<|role_sep|>\\n{json}`` (GigaChat 3) or ``<|function_call|>{json}`` (3.1)."""

    name = "gigachat3"
    aliases = ("gigachat",)
    start_markers = (MESSAGE_SEP, FUNCTION_CALL, ROLE_HEADER)

    def extract(self, text: str) -> ParsedCompletion | None:
        header = text.find(FUNCTION_CALL)
        role = text.find(ROLE_HEADER, 0, header if header >= 0 else len(text))
        if role >= 0:
            body = role + len(ROLE_HEADER)
        elif header >= 0:
            body = header + len(FUNCTION_CALL)
        else:
            return None
        while body < len(text) and text[body] in _WS:
            body += 1
        try:
            obj, _ = _scan(text, body)
        except _SCAN_ERRORS:
            return None
        if type(obj) is not dict or "name" not in obj or type(obj.get("arguments")) is not dict:
            return None
        name = obj["name"]
        if type(name) is not str or not name.strip():
            return None
        call = ToolCall(make_call_id(), FunctionCall(name.strip(), encode_arguments(obj["arguments"])))
        cut = [i for i in (text.find(MESSAGE_SEP), header, role) if i >= 0]
        return ParsedCompletion(content=content_before(text, min(cut)), tool_calls=[call])
