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

Streaming (:func:`~hermes_core.parsing_partial.open_calls_view`): ``parse()`` of a cut-off text keeps the
last call with its complete arguments (a cut-off argument left out), so the name goes out once the call's
head is written and each argument, typed by its ``type`` attribute, once it closes. A call cut off by
max_tokens is kept that way (it used to be dropped). An argument key written twice keeps both in the
arguments text (decoded: the last value), so nothing sent is taken back.
"""

from __future__ import annotations

import json
import re
from typing import Any

from hermes_core.parsing import (
    LONG_TEXT,
    FunctionCall,
    ParsedCompletion,
    ToolCall,
    ToolCallParser,
    encode_argument_pairs,
    encode_arguments,
    encode_long_arguments,
    make_call_id,
)
from hermes_core.parsing_partial import PartialCall, open_calls_view
from hermes_core.parsing_scan import find_anchored
from hermes_core.parsing_start import calls_start

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


_find_in = str.find


def _find_tag(text: str, tag: str, pos: int, stop: int) -> int:
    """``text.find(tag, pos, stop)``, fast past a long value: the tag's rarest character is searched for."""
    return find_anchored(text, tag, pos, "|", stop)


def attributes(text: str) -> dict[str, str]:
    found = dict(_ATTR.findall(text))
    if "&" not in text:  # nothing to unescape (the usual case): no replace per value
        return found
    return {k: v.replace("&quot;", '"').replace("&amp;", "&") for k, v in found.items()}


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

    def partial_calls(self, text: str, pos: int) -> tuple[list[PartialCall], int]:
        """The name once the call's head is written, each argument once it closes (module docstring)."""
        return open_calls_view(text, pos, self._read_with_starts)

    def _read_with_starts(self, text: str) -> tuple[ParsedCompletion | None, list[int]]:
        starts: list[int] = []
        return self.extract(text, starts), starts

    def extract(self, text: str, starts: list[int] | None = None) -> ParsedCompletion | None:
        def begins_call(marker: int) -> bool:  # a call's head is written in the channel opening here
            call = text.find(CALL_OPEN, marker)
            return call >= 0 and text.find(TOOLS_CLOSE, marker, call) < 0 and text.find(SEP, call) >= 0

        first = calls_start(text, (TOOLS_OPEN,), begins_call)
        if first < 0:
            return None
        calls = self._calls(text, first + len(TOOLS_OPEN), [] if starts is None else starts)
        if not calls:
            return None
        return ParsedCompletion(content=content_of(text[:first]), tool_calls=calls)

    def _calls(self, text: str, start: int, starts: list[int]) -> list[ToolCall]:
        """The calls of the tools channel opening at ``start``; one cut off (max_tokens) keeps its whole
        arguments."""
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
            if head_end < 0:
                break  # cut off inside the call's head
            end = find(CALL_CLOSE, head_end, stop)
            name = attributes(text[call + len(CALL_OPEN) : head_end]).get("tool", "")
            if name:
                arguments = self._arguments(text, head_end + len(SEP), end if end >= 0 else stop)
                calls.append(ToolCall(make_call_id(), FunctionCall(name, arguments)))
                starts.append(call)
            if end < 0:
                break  # cut off
            pos = end + len(CALL_CLOSE)
        return calls

    @staticmethod
    def _arguments(text: str, pos: int, stop: int) -> str:
        arguments: dict[str, Any] = {}
        pairs: list[tuple[str, Any]] | None = None  # when a key is written twice
        find = text.find
        long = stop - pos >= LONG_TEXT  # else no value can be long: the plain search and encoder are cheaper
        find_end = _find_tag if long else _find_in
        while True:
            start = find(ARGUMENT_OPEN, pos, stop)
            if start < 0:
                break
            head_end = find(SEP, start, stop)
            end = find_end(text, ARGUMENT_CLOSE, head_end, stop) if head_end >= 0 else -1
            if end < 0:
                break
            attrs = attributes(text[start + len(ARGUMENT_OPEN) : head_end])
            raw = text[head_end + len(SEP) : end]
            if attrs.get("type", "string") == "string":
                value: Any = raw
            else:
                try:  # a plain integer as json.loads reads it (too many digits: ValueError too), at once
                    is_int = raw.isdigit() and raw.isascii() and (raw[0] != "0" or len(raw) == 1)
                    value = int(raw) if is_int else json.loads(raw)
                except (ValueError, RecursionError):
                    value = raw
            key = attrs.get("key", "")
            if pairs is not None or key in arguments:
                pairs = pairs if pairs is not None else list(arguments.items())
                pairs.append((key, value))
            arguments[key] = value
            pos = end + len(ARGUMENT_CLOSE)
        if pairs is not None:
            return encode_argument_pairs(pairs)
        return encode_long_arguments(arguments) if long else encode_arguments(arguments)
