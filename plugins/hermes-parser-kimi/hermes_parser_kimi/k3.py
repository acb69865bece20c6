"""Kimi-K3 tool calls: XTML channels built from three special tokens (``<|open|>``, ``<|close|>``,
``<|sep|>``)::

    <|open|>response<|sep|>Let me run that.<|close|>response<|sep|>
    <|open|>tools<|sep|>
    <|open|>call tool="python" index="1"<|sep|>
    <|open|>argument key="code" type="string"<|sep|>print(1)<|close|>argument<|sep|>
    <|open|>argument key="opts" type="object"<|sep|>{"a": 1}<|close|>argument<|sep|>
    <|close|>call<|sep|>
    <|close|>tools<|sep|>

As vLLM: ``type="string"`` values are the raw text, other types are JSON (raw text when not JSON);
attribute values are unescaped (``&quot;``, ``&amp;``); the content is the ``response`` channel's text,
unwrapped (the opening marker is often part of the prompt, so only the closing one may be present).
"""

from __future__ import annotations

import json
import re
from typing import Any

from hermes_core.parsing import (
    FunctionCall,
    ParsedCompletion,
    ToolCall,
    ToolCallParser,
    encode_arguments,
    make_call_id,
)
from hermes_core.parsing_tags import first_marker

OPEN, CLOSE, SEP = "<|open|>", "<|close|>", "<|sep|>"
TOOLS_OPEN = f"{OPEN}tools{SEP}"
TOOLS_CLOSE = f"{CLOSE}tools{SEP}"
RESPONSE_OPEN = f"{OPEN}response{SEP}"
RESPONSE_CLOSE = f"{CLOSE}response{SEP}"
MESSAGE_CLOSE = f"{CLOSE}message{SEP}"
CALL_OPEN = f"{OPEN}call "
CALL_CLOSE = f"{CLOSE}call{SEP}"
ARGUMENT_OPEN = f"{OPEN}argument "
ARGUMENT_CLOSE = f"{CLOSE}argument{SEP}"
_ATTR = re.compile(r'(\w+)="([^"]*)"')
_CHANNEL_MARKERS = (RESPONSE_OPEN, RESPONSE_CLOSE, MESSAGE_CLOSE)


def attributes(text: str) -> dict[str, str]:
    return {k: v.replace("&quot;", '"').replace("&amp;", "&") for k, v in _ATTR.findall(text)}


def content_of(before: str) -> str | None:
    """The text before the tools channel without the response / message markers, trailing space dropped."""
    for marker in _CHANNEL_MARKERS:
        if marker in before:
            before = before.replace(marker, "")
    content = before.rstrip()
    return content if content.strip() else None


class KimiK3Parser(ToolCallParser):
    """Kimi-K3 XTML ``tools`` channel."""

    name = "kimi_k3"
    aliases = ("kimi-k3",)
    # The response markers are start markers too: the content is the text around them, so a stream
    # must not forward them as text.
    start_markers = (TOOLS_OPEN, RESPONSE_OPEN, RESPONSE_CLOSE, MESSAGE_CLOSE)

    def extract(self, text: str) -> ParsedCompletion | None:
        first = first_marker(text, TOOLS_OPEN)
        if first < 0:
            return None
        start = first + len(TOOLS_OPEN)
        stop = text.find(TOOLS_CLOSE, start)
        if stop < 0:
            stop = len(text)
        calls: list[ToolCall] = []
        find = text.find
        pos = start
        while True:
            call = find(CALL_OPEN, pos, stop)
            if call < 0:
                break
            head_end = find(SEP, call, stop)
            end = find(CALL_CLOSE, head_end, stop) if head_end >= 0 else -1
            if end < 0:
                break  # cut off
            name = attributes(text[call + len(CALL_OPEN) : head_end]).get("tool", "")
            if name:
                arguments = self._arguments(text, head_end + len(SEP), end)
                calls.append(ToolCall(make_call_id(), FunctionCall(name, encode_arguments(arguments))))
            pos = end + len(CALL_CLOSE)
        if not calls:
            return None
        return ParsedCompletion(content=content_of(text[:first]), tool_calls=calls)

    @staticmethod
    def _arguments(text: str, pos: int, stop: int) -> dict[str, Any]:
        arguments: dict[str, Any] = {}
        find = text.find
        while True:
            start = find(ARGUMENT_OPEN, pos, stop)
            if start < 0:
                return arguments
            head_end = find(SEP, start, stop)
            end = find(ARGUMENT_CLOSE, head_end, stop) if head_end >= 0 else -1
            if end < 0:
                return arguments
            attrs = attributes(text[start + len(ARGUMENT_OPEN) : head_end])
            raw = text[head_end + len(SEP) : end]
            if attrs.get("type", "string") == "string":
                value: Any = raw
            else:
                try:
                    value = json.loads(raw)
                except (ValueError, RecursionError):
                    value = raw
            arguments[attrs.get("key", "")] = value
            pos = end + len(ARGUMENT_CLOSE)
