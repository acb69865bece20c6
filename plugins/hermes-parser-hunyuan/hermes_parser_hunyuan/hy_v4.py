"""Hunyuan V4 (HY v4) tool calls: ``<arg_key>``/``<arg_value>`` pairs in a ``<tool_calls>`` section::

    <tool_calls><tool_call>get_weather<arg_key>city</arg_key><arg_value>Beijing</arg_value></tool_call>
    </tool_calls>

Unlike HY v3 there is no ``<tool_sep>``: the name runs to the first ``<arg_key>``. A checkpoint may suffix
every structural tag (``<tool_calls:6124c78e>``); the suffix is read from the section's opening tag.
As vLLM 0.34's ``hy_v4`` (``tests/tool_parsers/test_hy_v4_tool_parser.py``): keys are kept verbatim,
whitespace included (``" count "`` and ``"count"`` are two arguments); a key's value is typed by its
schema (a string stays verbatim), and without a schema by JSON, then a Python literal, else the text;
the content is the text before the section; a call is complete only with its ``</tool_call>``.

So a stream sends each call whole once its ``</tool_call>`` is in, not its name before: vLLM's strict
mode (``TestStrictMode``: ``unbalanced_tool_call``) requires a call cut off before its end tag to be no
call, and a name sent early could not be taken back.
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
from hermes_core.parsing_partial import PartialCall
from hermes_core.parsing_values import convert_value, schema_types

SECTION = "<tool_calls"
_SECTION = re.compile(r"<tool_calls(:[^\s<>]+)?>")


class HyV4Parser(ToolCallParser):
    """Tencent Hunyuan V4 (HY 4)."""

    name = "hy_v4"
    aliases = ("hunyuan_v4", "hy-v4")
    start_markers = (SECTION,)

    def partial_calls(self, text: str, pos: int):
        """Each call whole at its end tag (which carries the section's suffix). The view resumes just
        before the end of the text, so the stream reads again at its next delta and finds an end tag as
        soon as it is in; each read looks at the new text and the calls that ended in it only."""
        section = _SECTION.search(text)
        if section is None:
            return [], pos
        suffix = section.group(1) or ""
        call_tag, end_tag = f"<tool_call{suffix}>", f"</tool_call{suffix}>"
        floor = section.end()
        resume = max(pos, floor, len(text) - len(end_tag) + 1)
        last = text.rfind(end_tag, max(pos, floor))  # an end tag complete only now starts at pos or later
        if last < 0:
            return [], resume
        if text.rfind("<think>") > text.rfind("</think>"):
            return [], pos  # a call quoted while reasoning is not one: wait for the reasoning to end
        sent = text.rfind(end_tag, floor, max(pos + len(end_tag) - 1, floor))  # the last one read before
        start = text.find(call_tag, floor if sent < 0 else sent + len(end_tag))
        calls: list[PartialCall] = []
        while start >= 0:  # the loop of ``extract`` from there: calls that end at ``last`` at the latest
            end = text.find(end_tag, start + len(call_tag))
            if end < 0 or end > last:
                break
            found = self._call(text, start + len(call_tag), end, suffix)
            if found is not None:
                calls.append(PartialCall(found.function.name, found.function.arguments, True, end))
            start = text.find(call_tag, end + len(end_tag))
        return calls, resume

    def extract(self, text: str) -> ParsedCompletion | None:
        section = _SECTION.search(text)
        if section is None:
            return None
        suffix = section.group(1) or ""
        call, call_end = f"<tool_call{suffix}>", f"</tool_call{suffix}>"
        calls: list[ToolCall] = []
        find = text.find
        pos = find(call, section.end())
        while pos >= 0:
            start = pos + len(call)
            end = find(call_end, start)
            if end < 0:
                break  # cut off: its last value may be cut too
            found = self._call(text, start, end, suffix)
            if found is not None:
                calls.append(found)
            pos = find(call, end + len(call_end))
        if not calls:
            return None
        return ParsedCompletion(content=content_before(text, section.start()), tool_calls=calls)

    def _call(self, text: str, start: int, end: int, suffix: str) -> ToolCall | None:
        key_open, key_close = f"<arg_key{suffix}>", f"</arg_key{suffix}>"
        value_open, value_close = f"<arg_value{suffix}>", f"</arg_value{suffix}>"
        find = text.find
        first_key = find(key_open, start, end)
        name = text[start : first_key if first_key >= 0 else end].strip()
        if not name or "<" in name:
            return None
        properties = self.tool_schema(name) if self.tools else {}
        arguments: dict[str, Any] = {}
        pos = first_key
        while pos >= 0:
            key_end = find(key_close, pos + len(key_open), end)
            if key_end < 0:
                break
            value = key_end + len(key_close)
            if not text.startswith(value_open, value):  # vLLM's pair regex: the value follows at once
                pos = find(key_open, value, end)
                continue
            value_end = find(value_close, value + len(value_open), end)
            if value_end < 0:
                break
            key = text[pos + len(key_open) : key_end]
            raw = text[value + len(value_open) : value_end]
            arguments[key] = convert_value(raw, schema_types(properties.get(key)) or None)
            pos = find(key_open, value_end + len(value_close), end)
        return ToolCall(make_call_id(), FunctionCall(name, encode_arguments(arguments)))
