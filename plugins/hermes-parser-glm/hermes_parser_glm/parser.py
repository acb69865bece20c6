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
    encode_argument_pairs,
    encode_arguments,
    make_call_id,
)
from hermes_core.parsing_partial import ended_calls_view
from hermes_core.parsing_start import calls_start as first_call
from hermes_core.parsing_values import convert_value, tool_property_types

TOOL_CALL = "<tool_call>"
TOOL_CALL_END = "</tool_call>"
THINK_END = "</think>"
KEY = "<arg_key>"
VALUE_END = "</arg_value>"

_WS = " \t\r\n"
_BAD_NAME_CHARS = frozenset(" \t\r\n\"'{}<>")
# One key and the opening of its value; ``[^<]`` keeps the match inside the pair (no rescans).
_PAIR = re.compile(r"[ \t\r\n]*<arg_key>([^<]*)</arg_key>[ \t\r\n]*<arg_value>")
_SPACE = re.compile(r"[ \t\r\n]*")


def calls_start(text: str, fallback: bool = True) -> int:
    """Where the calls begin (:func:`hermes_core.parsing_start.calls_start`): a ``<tool_call>`` counts once
    its name is complete (``<arg_key>`` or ``</tool_call>`` after it, before the next ``</think>`` and the
    next ``<tool_call>``); vLLM's GLM-4.7 engine ends the reasoning at a tool call. None such: the first
    one (calls quoted in reasoning count when none follows), or -1 when not ``fallback`` (a stream's view).
    """

    def named(pos: int) -> bool:
        stop = text.find(THINK_END, pos)
        following = text.find(TOOL_CALL, pos + len(TOOL_CALL))
        stop = len(text) if stop < 0 else stop
        if following >= 0:
            stop = min(stop, following)
        return (
            text.find(KEY, pos + len(TOOL_CALL), stop) >= 0
            or text.find(TOOL_CALL_END, pos + len(TOOL_CALL), stop) >= 0
        )

    return first_call(text, (TOOL_CALL,), named, fallback=fallback)


class Glm47Parser(ToolCallParser):
    """GLM-4.7 (and 4.5 / 4.6): ``<tool_call>NAME[<arg_key>K</arg_key><arg_value>V</arg_value>]...``.

    Streams: a call counts once its name is complete (``<arg_key>`` or ``</tool_call>`` after it) and
    keeps every pair that closed, whatever follows: a value cut off by the end of the text (or by the
    next ``<tool_call>``) is left out, a malformed pair (no value, no key) is skipped like stray text, a
    key written twice keeps both (the last value wins when decoded). That is vLLM 0.34's GLM-4.7 engine
    (``_glm47_parse_args(raw, partial=False)`` keeps the closed pairs; its ``finish()`` ends an open
    call), and it makes ``parse()`` of any prefix the certain part of the call (:func:`open_calls_view`).
    """

    name = "glm47"
    aliases = ("ling3",)  # vLLM's Ling3Parser is this parser (vllm/frontend/processing/parser/ling3.py)
    start_markers = (TOOL_CALL,)
    call_end_markers = (TOOL_CALL_END,)

    def __init__(self, tools: list[dict[str, Any]] | None = None) -> None:
        super().__init__(tools)
        self._types = tool_property_types(self.tools) if self.tools else {}

    def partial_calls(self, text: str, pos: int):
        """The name once its tag follows, each pair once its ``</arg_value>`` is in, the call closed at
        its ``</tool_call>``."""
        return ended_calls_view(text, pos, self.extract, self._may_send)

    @staticmethod
    def _may_send(text: str) -> bool:
        """False with no call yet, or only calls quoted in reasoning that a later one may void."""
        return calls_start(text, fallback=False) >= 0

    def extract(
        self, text: str, starts: list[int] | None = None, ends: list[int] | None = None
    ) -> ParsedCompletion | None:
        first = calls_start(text)
        if first < 0:
            return None
        calls: list[ToolCall] = []
        start = first
        step = len(TOOL_CALL)
        find = text.find
        while start >= 0:
            following = find(TOOL_CALL, start + step)
            call = self._block(text, start + step, len(text) if following < 0 else following, ends)
            if call is not None:
                calls.append(call)
                if starts is not None:
                    starts.append(start)
            start = following
        if not calls:
            return None
        return ParsedCompletion(content=content_before(text, first), tool_calls=calls)

    def _block(self, text: str, start: int, end: int, ends: list[int] | None = None) -> ToolCall | None:
        """The call in ``text[start:end]`` (just after ``<tool_call>``, up to the next one), or ``None``;
        ``ends`` gets where it ended for good (after its ``</tool_call>``; -1: not yet)."""
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
        raw: list[tuple[str, str]] = []  # every pair in order, the raw strings: typed when encoded
        pair = _PAIR.match
        space = _SPACE.match
        pos = name_end
        closed_at = -1
        while True:
            found = pair(text, pos, end)
            if found is not None:
                value_start = found.end()
                value_end = find(VALUE_END, value_start, end)
                if value_end < 0:
                    break  # cut off inside a value (or the next call began): left out
                key = found.group(1).strip(_WS)
                if key:  # a nameless key is skipped
                    raw.append((key, text[value_start:value_end].strip(_WS)))
                pos = value_end + len(VALUE_END)
                continue
            pos = space(text, pos, end).end()
            if startswith(TOOL_CALL_END, pos):
                closed_at = pos + len(TOOL_CALL_END)
                break
            # stray text between pairs, or a key without its value (vLLM's findall skips both): on to
            # the next key or the end
            next_key = find(KEY, pos + 1, end)
            close = find(TOOL_CALL_END, pos, end if next_key < 0 else next_key)
            if close >= 0:
                pos = close  # read as the end just above
            elif next_key >= 0:
                pos = next_key
            else:
                break  # cut off: the pairs so far
        if ends is not None:
            ends.append(closed_at)
        return ToolCall(make_call_id(), FunctionCall(name, self._encode(raw, types)))

    @staticmethod
    def _encode(raw: list[tuple[str, str]], types: dict[str, Any] | None) -> str:
        """Type each value (by the schema when there is one) and encode the object."""
        values = dict(raw)
        if len(values) == len(raw):
            if types is None:
                return encode_arguments({key: convert_value(value, None) for key, value in values.items()})
            return encode_arguments(
                {key: convert_value(value, types.get(key, ())) for key, value in values.items()}
            )
        typed: dict[tuple[str, str], Any] = {}  # a pair repeated many times is converted once
        pairs = []
        for key, value in raw:
            if (key, value) not in typed:
                typed[key, value] = convert_value(value, types.get(key, ()) if types is not None else None)
            pairs.append((key, typed[key, value]))
        return encode_argument_pairs(pairs)


class Glm45Parser(Glm47Parser):
    """GLM-4.5 / GLM-4.6. vLLM's registry maps ``glm45`` to its GLM-4.7 parser: the same reading here."""

    name = "glm45"
    aliases = ("glm4_moe",)
