"""Qwen3-Coder: XML-style calls whose values are raw text, typed afterwards::

    <tool_call>
    <function=get_weather>
    <parameter=city>
    Paris
    </parameter>
    <parameter=days>
    3
    </parameter>
    </function>
    </tool_call>

Values are typed by the tool's JSON schema when ``tools`` are given (as vLLM's ``qwen3_coder`` parser
does), otherwise by JSON and then Python-literal parsing. The scan walks the text once with ``str.find``
and two small alternation regexes instead of vLLM's three nested ``findall`` passes.
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
    make_call_id,
)
from hermes_core.parsing_partial import open_calls_view
from hermes_core.parsing_start import THINK_END, calls_start
from hermes_core.parsing_values import convert_value, tool_property_types

_FUNCTION = "<function="
_TOOL_CALL = "<tool_call>"
_NEXT = re.compile(r"<parameter=|</function>|<function=|</tool_call>")
# A value ends where vLLM's parameter regex ends it: its closing tag, the next parameter, or the end of
# the function / call (a model that forgets ``</parameter>`` loses nothing).
_VALUE_END = re.compile(r"</parameter>|<parameter=|</function>|</tool_call>")


def _named(text: str, pos: int) -> bool:
    """A ``<function=NAME>`` tag complete before the next ``</think>``: the call began."""
    stop = text.find(THINK_END, pos)
    return text.find(">", pos + len(_FUNCTION), len(text) if stop < 0 else stop) >= 0


class Qwen3CoderParser(ToolCallParser):
    """``<function=NAME><parameter=KEY>VALUE</parameter>...</function>``, optionally in ``<tool_call>``.

    Truncated output keeps what is complete: a value cut off by the end of the text is left out (vLLM
    0.34's ``qwen3_coder`` is its ``qwen3`` grammar, whose ``_qwen3_arg_converter(raw, partial=False)``
    keeps a parameter only when ``</parameter>`` or the next ``<parameter=`` ends it), the call keeps its
    closed parameters; a call cut inside its name is dropped.
    """

    name = "qwen3_coder"
    aliases = ("qwen3_xml", "mimo", "mimo_v2")  # vLLM serves Xiaomi MiMo with this same parser class
    # ``<tool_call>`` too: the wrapper is not content, so a stream must not forward it before the call
    start_markers = (_TOOL_CALL, _FUNCTION)
    call_end_markers = ("</function>",)

    def __init__(self, tools: list[dict[str, Any]] | None = None) -> None:
        super().__init__(tools)
        self._types = tool_property_types(self.tools)

    def partial_calls(self, text: str, pos: int):
        """Streams the name once its tag closes and each parameter once it ends: ``parse()`` of a cut-off
        text keeps the call with its complete parameters, so it is the certain view."""
        return open_calls_view(text, pos, self._read_with_starts)

    def _read_with_starts(self, text: str) -> tuple[ParsedCompletion | None, list[int]]:
        starts: list[int] = []
        if calls_start(text, (_FUNCTION,), lambda at: _named(text, at)) < 0:
            return None, starts  # no call yet, or only calls quoted in reasoning that a later one may void
        return self.extract(text, starts), starts

    def extract(self, text: str, starts: list[int] | None = None) -> ParsedCompletion | None:
        # the core's streaming-safe rule: a call whose name a stream has sent is not voided by a later
        # ``</think>`` (a random-cut run showed ``first_marker`` dropping one)
        first = calls_start(text, (_FUNCTION,), lambda at: _named(text, at), fallback=True)
        if first < 0:
            return None
        end = len(text)
        next_token = _NEXT.search
        value_end = _VALUE_END.search
        find = text.find
        calls: list[ToolCall] = []
        pos = first
        while pos >= 0:
            name_end = find(">", pos + 10)
            if name_end < 0:
                break  # truncated inside the function name
            name = text[pos + 10 : name_end].strip()
            types = self._types.get(name, {})
            arguments: list[tuple[str, Any]] = []  # every pair in order (a key written twice: both)
            following = -1
            cursor = name_end + 1
            while True:
                token = next_token(text, cursor)
                if token is None:
                    cursor = end
                    break
                tag = token.group()
                if tag == "<parameter=":
                    key_end = find(">", token.end())
                    if key_end < 0:
                        cursor = end  # truncated inside a parameter name
                        break
                    key = text[token.end() : key_end].strip()
                    stop = value_end(text, key_end + 1)
                    if stop is None:  # cut off inside the value: left out, as vLLM's parameter regex does
                        cursor = end
                        break
                    value = text[key_end + 1 : stop.start()]
                    if value.startswith("\n"):  # the template puts the value on its own lines
                        value = value[1:]
                    if value.endswith("\n"):
                        value = value[:-1]
                    arguments.append((key, convert_value(value, types.get(key))))
                    cursor = stop.end() if stop.group() == "</parameter>" else stop.start()
                elif tag == _FUNCTION:  # a new call before this one was closed
                    following = token.start()
                    break
                else:  # </function> or </tool_call>
                    cursor = token.end()
                    break
            if name and "<" not in name and "\n" not in name:
                try:
                    encoded = encode_argument_pairs(arguments)
                except (TypeError, ValueError):
                    encoded = None
                if encoded is not None:
                    calls.append(ToolCall(make_call_id(), FunctionCall(name, encoded)))
                    if starts is not None:
                        starts.append(pos)
            pos = following if following >= 0 else find(_FUNCTION, cursor)
        if not calls:
            return None
        # The content ends at the ``<tool_call>`` wrapping the first call, or at the call itself.
        start = first
        wrapper = text.rfind(_TOOL_CALL, 0, first)
        if wrapper >= 0 and not text[wrapper + len(_TOOL_CALL) : first].strip():
            start = wrapper
        return ParsedCompletion(content=content_before(text, start), tool_calls=calls)
