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
KEY_END = "</arg_key>"
VALUE = "<arg_value>"
VALUE_END = "</arg_value>"

_WS = " \t\r\n"
_BAD_NAME_CHARS = frozenset(" \t\r\n\"'{}<>")
# What a JSON value or a Python literal can start with: any other value is plain text, and sending it
# through a raising ``json.loads`` costs three times the parse of a number (issue 12, item 6).
_DECODABLE_START = frozenset('{["-0123456789(' + "'" + "tfnTFN")


def typed_value(raw: str, types: tuple[str, ...] | None) -> Any:
    """The value of one ``<arg_value>`` (stripped), typed by its schema ``types`` (``None``: untyped)."""
    value = raw.strip(_WS)
    if not value:
        return value
    if types is None and value[0] not in _DECODABLE_START:
        return value  # plain text: what convert_value would return, without its raising paths
    return convert_value(value, types)


class Glm47Parser(ToolCallParser):
    """GLM-4.7 (and 4.5 / 4.6): ``<tool_call>NAME[<arg_key>K</arg_key><arg_value>V</arg_value>]...``."""

    name = "glm47"
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
        arguments: dict[str, Any] = {}
        pos = name_end
        while True:
            while pos < end and text[pos] in _WS:
                pos += 1
            if startswith(TOOL_CALL_END, pos):
                return ToolCall(make_call_id(), FunctionCall(name, encode_arguments(arguments)))
            if not startswith(KEY, pos):
                # stray text between pairs (vLLM's findall skips it): on to the next key or the end
                next_key = find(KEY, pos, end)
                close = find(TOOL_CALL_END, pos, end if next_key < 0 else next_key)
                if close >= 0:
                    pos = close
                elif next_key >= 0:
                    pos = next_key
                else:
                    return None  # cut off: the call never closes
                continue
            key_end = find(KEY_END, pos, end)
            if key_end < 0:
                return None
            key = text[pos + len(KEY) : key_end].strip(_WS)
            pos = key_end + len(KEY_END)
            while pos < end and text[pos] in _WS:
                pos += 1
            if not key or not startswith(VALUE, pos):
                return None  # a key without its value: malformed block
            value_end = find(VALUE_END, pos, end)
            if value_end < 0:
                return None  # cut off inside a value: cannot know the value is whole
            raw = text[pos + len(VALUE) : value_end]
            arguments[key] = typed_value(raw, None if types is None else types.get(key, ()))
            pos = value_end + len(VALUE_END)


class Glm45Parser(Glm47Parser):
    """GLM-4.5 / GLM-4.6. vLLM's registry maps ``glm45`` to its GLM-4.7 parser: the same reading here."""

    name = "glm45"
    aliases = ("glm4_moe",)
