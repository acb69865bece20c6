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

from hermes_core.parsing import (
    FunctionCall,
    ParsedCompletion,
    ToolCall,
    ToolCallParser,
    content_before,
    encode_arguments,
    make_call_id,
)
from hermes_core.parsing_scan import NextFinder, find_soon
from hermes_core.parsing_tags import (
    JSON_ERRORS,
    first_marker,
    scan_json,
)

CALLS_BEGIN = "<｜tool▁calls▁begin｜>"
CALLS_END = "<｜tool▁calls▁end｜>"
CALL_BEGIN = "<｜tool▁call▁begin｜>"
CALL_END = "<｜tool▁call▁end｜>"
SEP = "<｜tool▁sep｜>"
_CALL_PREFIX = "<｜tool▁call▁"  # CALL_BEGIN and CALL_END start with it, the section markers do not
_FENCE = "```"
_V3_FENCE = "\n```json\n"  # between name and arguments in the chat template's V3 layout
_V3_TAIL = "\n```"
_N_CALL_BEGIN, _N_CALL_END, _N_SEP = len(CALL_BEGIN), len(CALL_END), len(SEP)
_N_V3_FENCE, _N_V3_TAIL = len(_V3_FENCE), len(_V3_TAIL)

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
        value, end = scan_json(args, 0)
    except JSON_ERRORS:
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
        find = text.find
        startswith = text.startswith
        section_end = NextFinder(text, CALLS_END)
        pos = find(CALL_BEGIN, first)
        while pos != -1:
            start = pos + _N_CALL_BEGIN
            # nxt: the next call begin; end: the first call end before it. Both markers share a prefix, so
            # one scan of the block finds whichever comes first (neither can straddle the other).
            end = nxt = find_soon(text, _CALL_PREFIX, start)
            while nxt != -1:
                if startswith(CALL_END, nxt):
                    end, nxt = nxt, find_soon(text, CALL_BEGIN, nxt + _N_CALL_END)
                    break
                if startswith(CALL_BEGIN, nxt):
                    end = -1
                    break
                end = nxt = find_soon(text, _CALL_PREFIX, nxt + 1)
            if end == -1:  # not closed: the block runs to the next call, the section end or the text end
                stop = min(i for i in (nxt, section_end(start), len(text)) if i != -1)
                parsed = _parse_block(text[start:stop], closed=False)
                if parsed is not None:
                    calls.append(ToolCall(make_call_id(), FunctionCall(*parsed)))
                pos = nxt
                continue
            pos = nxt
            # Fast path, in place (no slicing of long arguments), for the chat templates' exact layouts;
            # anything else goes to _parse_block, which gives the same result for these layouts.
            sep = find(SEP, start, end)
            if sep == -1:
                continue  # not a call
            p = sep + _N_SEP
            lead = text[p : p + 1]
            stop = end
            if lead == "{":  # V3.1: NAME<｜tool▁sep｜>{ARGS}
                name = text[start:sep].strip()
                q = p
            elif lead and lead != "[" and lead not in _BAD_NAME_CHARS:  # V3: <sep>NAME\n```json\n{ARGS}\n```
                nl = find("\n", p, end)
                stop = end - _N_V3_TAIL
                q = nl + _N_V3_FENCE
                if nl == -1 or not startswith(_V3_FENCE, nl) or not startswith(_V3_TAIL, stop):
                    q = -1
                name = text[p:nl]
            else:
                q = -1
            if q != -1 and name and _BAD_NAME_CHARS.isdisjoint(name):
                try:
                    value, e = scan_json(text, q)
                except JSON_ERRORS:
                    e = -1
                if e == stop:
                    calls.append(ToolCall(make_call_id(), FunctionCall(name, encode_arguments(value))))
                    continue
            parsed = _parse_block(text[start:end], closed=True)
            if parsed is not None:
                calls.append(ToolCall(make_call_id(), FunctionCall(*parsed)))
        if not calls:
            return None
        return ParsedCompletion(content_before(text, first), calls)


class DeepSeekV3Parser(_DeepSeekParser):
    """DeepSeek-V3 / V3-0324 / R1 / R1-0528: ``function<｜tool▁sep｜>NAME`` + fenced JSON arguments."""

    name = "deepseek_v3"


class DeepSeekV31Parser(_DeepSeekParser):
    """DeepSeek-V3.1 (and its Terminus update): ``NAME<｜tool▁sep｜>{ARGS}``."""

    name = "deepseek_v3_1"
    aliases = ("deepseek_v31",)
