"""GLM-4.5 / 4.6 / 4.7 tool calls: XML-ish key/value pairs, one ``<tool_call>`` block per call.

GLM-4.5 and 4.6 (chat template)::

    <tool_call>get_weather
    <arg_key>city</arg_key>
    <arg_value>Beijing</arg_value>
    </tool_call>

GLM-4.7 drops the newlines, so the name runs straight into ``<arg_key>`` (or ``</tool_call>``)::

    <tool_call>get_weather<arg_key>city</arg_key><arg_value>Beijing</arg_value></tool_call>

vLLM now serves both ``glm45`` and ``glm47`` with its GLM-4.7 parser, so both names read both layouts.
Values are untyped text, typed by :func:`hermes_core.parsing_values.convert_value` (the tool's JSON schema
when ``tools`` are given; else JSON, then a Python literal, else the text).

Linear time: the text is cut into blocks at each ``<tool_call>`` (found once, left to right) and every
search inside a block stops at the block's end, so no search runs past the next call. A ``</tool_call>``
inside a value does not end the call (vLLM's ``<tool_call>.*?</tool_call>`` regex cuts it there).
"""

from __future__ import annotations

import re
from typing import Any

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
from hermes_core.parsing_values import convert_value, tool_property_types

TOOL_CALL = "<tool_call>"
TOOL_CALL_END = "</tool_call>"
KEY = "<arg_key>"
VALUE_END = "</arg_value>"

_WS = " \t\r\n"
_BAD_NAME_CHARS = frozenset(" \t\r\n\"'{}<>")
# One key and the opening of its value; ``[^<]`` keeps the match inside the pair (no rescans).
_PAIR = re.compile(r"[ \t\r\n]*<arg_key>([^<]*)</arg_key>[ \t\r\n]*<arg_value>")
_SPACE = re.compile(r"[ \t\r\n]*")


class Glm47Parser(ToolCallParser):
    """GLM-4.7 (and 4.5 / 4.6): ``<tool_call>NAME[<arg_key>K</arg_key><arg_value>V</arg_value>]...``."""

    name = "glm47"
    aliases = ("ling3",)  # vLLM's Ling3Parser is this parser (vllm/frontend/processing/parser/ling3.py)
    start_markers = (TOOL_CALL,)

    def __init__(self, tools: list[dict[str, Any]] | None = None) -> None:
        super().__init__(tools)
        self._types = tool_property_types(self.tools) if self.tools else {}

    def extract(self, text: str) -> ParsedCompletion | None:
        first = first_marker(text, TOOL_CALL)
        if first < 0:
            return None
        calls: list[ToolCall] = []
        start = first
        step = len(TOOL_CALL)
        find = text.find
        while start >= 0:
            following = find(TOOL_CALL, start + step)
            call = self._block(text, start + step, len(text) if following < 0 else following)
            if call is not None:
                calls.append(call)
            start = following
        if not calls:
            return None
        return ParsedCompletion(content=content_before(text, first), tool_calls=calls)

    def _block(self, text: str, start: int, end: int) -> ToolCall | None:
        """The call in ``text[start:end]`` (just after ``<tool_call>``, up to the next one), or ``None``."""
        find = text.find
        startswith = text.startswith
        name_end = find(KEY, start, end)
        close = find(TOOL_CALL_END, start, end if name_end < 0 else name_end)
        if close >= 0:
            name_end = close
        if name_end < 0:
            return None  # cut off in the name
        name = text[start:name_end].strip(_WS)
        if not name or not _BAD_NAME_CHARS.isdisjoint(name):
            return None  # e.g. hermes JSON in the same tags: not a GLM call
        types = self._types.get(name) if self._types else None
        if types is None and self.tools:
            return None  # vLLM's engine validates names against the request's tools (when it has some)
        raw: dict[str, str] = {}  # typed once the call closes: a repeated key is converted once
        pair = _PAIR.match
        space = _SPACE.match
        pos = name_end
        while True:
            found = pair(text, pos, end)
            if found is not None:
                key = found.group(1).strip(_WS)
                value_start = found.end()
                value_end = find(VALUE_END, value_start, end)
                if not key or value_end < 0:
                    return None  # a nameless key, or cut off inside a value: no whole call
                raw[key] = text[value_start:value_end].strip(_WS)
                pos = value_end + len(VALUE_END)
                continue
            pos = space(text, pos, end).end()
            if startswith(TOOL_CALL_END, pos):
                if types is None:
                    arguments = {key: convert_value(value, None) for key, value in raw.items()}
                else:
                    arguments = {key: convert_value(value, types.get(key, ())) for key, value in raw.items()}
                return ToolCall(make_call_id(), FunctionCall(name, encode_arguments(arguments)))
            if startswith(KEY, pos):
                return None  # a key without its value: malformed block
            # stray text between pairs (vLLM's findall skips it): on to the next key or the end
            next_key = find(KEY, pos, end)
            close = find(TOOL_CALL_END, pos, end if next_key < 0 else next_key)
            if close >= 0:
                pos = close
            elif next_key >= 0:
                pos = next_key
            else:
                return None  # cut off: the call never closes


class Glm45Parser(Glm47Parser):
    """GLM-4.5 / GLM-4.6. vLLM's registry maps ``glm45`` to its GLM-4.7 parser: the same reading here."""

    name = "glm45"
    aliases = ("glm4_moe",)
