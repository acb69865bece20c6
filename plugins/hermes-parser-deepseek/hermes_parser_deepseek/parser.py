"""DeepSeek tool-call formats.

V3 / R1 (chat template)::

    <｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>NAME
    ```json
    {ARGS}
    ```<｜tool▁call▁end｜>
    <｜tool▁call▁begin｜>...<｜tool▁call▁end｜><｜tool▁calls▁end｜>

V3.1::

    <｜tool▁calls▁begin｜><｜tool▁call▁begin｜>NAME<｜tool▁sep｜>{ARGS}<｜tool▁call▁end｜>...<｜tool▁calls▁end｜>

The markers use full-width ｜ (U+FF5C) and ▁ (U+2581). Both parsers read both layouts (the part after
``<｜tool▁sep｜>`` tells them apart: JSON means V3.1, a name line means V3), so picking the wrong one of the
two still works. Blocks are found with ``str.find``, never a backtracking regex, and every block is read,
so parallel calls are all found.
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
from hermes_core.parsing_tags import first_marker

CALLS_BEGIN = "<｜tool▁calls▁begin｜>"
CALLS_END = "<｜tool▁calls▁end｜>"
CALL_BEGIN = "<｜tool▁call▁begin｜>"
CALL_END = "<｜tool▁call▁end｜>"
SEP = "<｜tool▁sep｜>"
_FENCE = "```"

_raw_decode = json.JSONDecoder().raw_decode
_BAD_NAME_CHARS = frozenset(" \t\r\n\"'{}<>`")


def _valid_name(name: str) -> bool:
    return bool(name) and _BAD_NAME_CHARS.isdisjoint(name)


def _parse_block(block: str, closed: bool) -> tuple[str, str] | None:
    """``(name, arguments)`` of one call block (the text between the call markers), or ``None``."""
    sep = block.find(SEP)
    if sep == -1:
        return None
    right = block[sep + len(SEP) :]
    body = right.lstrip()
    if body[:1] in ("{", "[", '"'):  # V3.1: NAME<｜tool▁sep｜>{ARGS}
        name = block[:sep].strip()
        args = body
    else:  # V3: TYPE<｜tool▁sep｜>NAME\n```json\n{ARGS}\n```
        end = len(right)
        for stop in ("\n", _FENCE, "{"):
            i = right.find(stop)
            if i != -1 and i < end:
                end = i
        name = right[:end].strip()
        args = right[end:].strip()
        if args.startswith(_FENCE):
            newline = args.find("\n")
            # ```json{...} without the newline is tolerated too
            args = args[newline + 1 :] if newline != -1 else args[3:].removeprefix("json")
            if args.rstrip().endswith(_FENCE):
                args = args.rstrip()[:-3]
    if not _valid_name(name):
        return None
    args = args.strip()
    if not args:
        # a closed block with no arguments is a call without arguments; an open one is cut short
        return (name, "{}") if closed else None
    try:
        value, end = _raw_decode(args)
    except (ValueError, RecursionError):
        return None
    if end != len(args):  # text after the JSON: not a clean call
        return None
    return name, encode_arguments(value)


class _DeepSeekParser(ToolCallParser):
    start_markers = (CALLS_BEGIN, CALL_BEGIN)

    def extract(self, text: str) -> ParsedCompletion | None:
        first = first_marker(text, CALLS_BEGIN)
        if first == -1:  # the section marker is missing: tolerate bare call blocks
            first = first_marker(text, CALL_BEGIN)
        calls: list[ToolCall] = []
        pos = text.find(CALL_BEGIN, first)
        n = len(text)
        while pos != -1:
            start = pos + len(CALL_BEGIN)
            end = text.find(CALL_END, start)
            nxt = text.find(CALL_BEGIN, start)
            if end != -1 and (nxt == -1 or end < nxt):
                parsed = _parse_block(text[start:end], closed=True)
            else:  # not closed: the block runs to the next call, the section end or the text end
                section_end = text.find(CALLS_END, start)
                stop = min(i for i in (nxt, section_end, n) if i != -1)
                parsed = _parse_block(text[start:stop], closed=False)
            if parsed is not None:
                calls.append(ToolCall(id=make_call_id(), function=FunctionCall(*parsed)))
            pos = nxt
        if not calls:
            return None
        return ParsedCompletion(content=content_before(text, first), tool_calls=calls)


class DeepSeekV3Parser(_DeepSeekParser):
    """DeepSeek-V3 / V3-0324 / R1 / R1-0528: ``function<｜tool▁sep｜>NAME`` + fenced JSON arguments."""

    name = "deepseek_v3"


class DeepSeekV31Parser(_DeepSeekParser):
    """DeepSeek-V3.1 (and its Terminus update): ``NAME<｜tool▁sep｜>{ARGS}``."""

    name = "deepseek_v3_1"
    aliases = ("deepseek_v31",)
