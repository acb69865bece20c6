"""LFM2 / LFM2.5 (``lfm2``): a pythonic call list between two special tokens::

    <|tool_call_start|>[get_weather(location="Paris"), get_time()]<|tool_call_end|>
    Checking the weather in Paris.

Text before and after the block is content (LFM2.5 often explains *after* the call), joined by a
newline; an echo of the call that the model closes with a second ``<|tool_call_end|>`` is dropped, as
vLLM does. The list is decoded by :func:`hermes_core.parsing_pythonic.decode_call_list` (literals only,
sets as lists, raw newlines in strings escaped, one bad call dropped and its siblings kept); zero-padded
integers (``month=07``), which Python rejects, are read as numbers when the list does not parse as is.
"""

from __future__ import annotations

import json
import re

from hermes_core.parsing import ParsedCompletion, ToolCall, ToolCallParser, content_before
from hermes_core.parsing_pythonic import decode_call_list
from hermes_core.parsing_tags import calls_from_json

START = "<|tool_call_start|>"
END = "<|tool_call_end|>"
# ``=07`` / ``, 007]``: a zero-padded integer after ``=``, ``,``, ``[`` or ``(`` (outside strings, in
# practice: only tried when the list does not parse as written).
_LEADING_ZEROS = re.compile(r"(?<=[=,\[(:])(\s*)0+(?=\d)")


def _json_call_list(source: str) -> list[ToolCall]:
    """``[{"name": ..., "arguments": {...}}]``, the JSON form SGLang's ``Lfm2Detector`` also reads
    (its ``test_single_call_json``)."""
    try:
        decoded = json.loads(source)
    except (ValueError, RecursionError):
        return []
    calls: list[ToolCall] = []
    calls_from_json(decoded, calls)
    return calls


class Lfm2Parser(ToolCallParser):
    """``<|tool_call_start|>[CALLS]<|tool_call_end|>``, as vLLM's ``Lfm2ToolParser``."""

    name = "lfm2"
    aliases = ("lfm2_5", "liquid")
    start_markers = (START,)
    # streaming sends the block's calls at ``<|tool_call_end|>``: before it a later element can still
    # drop a call or the whole block (see :class:`hermes_core.parsing_pythonic.PythonicListParser`)
    call_end_markers = (END,)

    def extract(self, text: str) -> ParsedCompletion | None:
        start = text.find(START)
        if start < 0:
            return None
        body = start + len(START)
        end = text.find(END, body)
        source = (text[body:] if end < 0 else text[body:end]).strip()
        if len(source) < 2 or source[0] != "[" or source[-1] != "]":
            return None
        calls = decode_call_list(source)
        if not calls and source[1:].lstrip().startswith("{"):
            calls = _json_call_list(source)
        if not calls and _LEADING_ZEROS.search(source):
            calls = decode_call_list(_LEADING_ZEROS.sub(r"\1", source))
        if not calls:
            return None
        parts = [content_before(text, start)]
        if end >= 0:
            after = text[end + len(END) :]
            echo_end = after.rfind(END)  # the model echoed the call and closed it again: not content
            parts.append((after if echo_end < 0 else after[echo_end + len(END) :]).strip())
        content = "\n".join(part for part in parts if part)
        return ParsedCompletion(content=content or None, tool_calls=calls)
