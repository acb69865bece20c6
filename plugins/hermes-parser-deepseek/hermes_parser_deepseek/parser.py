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

Streaming: a call whose arguments object has begun (``NAME<｜tool▁sep｜>{`` or ``NAME`` + fence + ``{``) is a
call for good, its arguments kept as the model wrote them (:func:`~hermes_core.parsing_tags.head_arguments`),
so its name goes out at once and its arguments as they arrive. The price, as in vLLM's own streaming (which
sends names early and cannot take them back): a cut-off or broken arguments object keeps the call, closed at
its last commit point (``{"y": "unfini`` gives ``{"y": "unfini"}``) where a whole-text read used to drop it.
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
from hermes_core.parsing_scan import NextFinder, find_soon
from hermes_core.parsing_start import calls_start
from hermes_core.parsing_tags import JSON_ERRORS, head_arguments, json_document, scan_json

CALLS_BEGIN = "<｜tool▁calls▁begin｜>"
CALLS_END = "<｜tool▁calls▁end｜>"
CALL_BEGIN = "<｜tool▁call▁begin｜>"
CALL_END = "<｜tool▁call▁end｜>"
SEP = "<｜tool▁sep｜>"
_CALL_PREFIX = "<｜tool▁call▁"  # CALL_BEGIN and CALL_END start with it, the section markers do not
_FENCE = "```"
_V3_FENCE = "\n```json\n{"
_N_CALL_BEGIN, _N_CALL_END, _N_SEP = len(CALL_BEGIN), len(CALL_END), len(SEP)

_BAD_NAME_CHARS = frozenset(" \t\r\n\"'{}<>`")
_WS = re.compile(r"\s*")
# V3's ``NAME`` line, then an optional ```json fence, up to the arguments' ``{``
_V3_HEAD = re.compile(r"[ \t]*([^\s\"'{}<>`]+)\s*(?:```[^\s{`]*\s*)?\{")


def _valid_name(name: str) -> bool:
    return bool(name) and _BAD_NAME_CHARS.isdisjoint(name)


def _head(text: str, start: int, sep: int) -> tuple[str, int] | None:
    """``(name, where the arguments object opens)`` for a block that has begun its arguments object."""
    after = sep + _N_SEP
    newline = text.find("\n", after, after + 256)
    if newline > after and text.startswith(_V3_FENCE, newline):  # the chat template's V3 layout, at once
        name = text[after:newline]
        if _BAD_NAME_CHARS.isdisjoint(name) and name.isprintable():  # what _V3_HEAD's name reads
            return name, newline + len(_V3_FENCE) - 1
    brace = _WS.match(text, after).end()
    if text.startswith("{", brace):  # V3.1: NAME<｜tool▁sep｜>{ARGS}
        name = text[start:sep].strip()
        return (name, brace) if _valid_name(name) else None
    head = _V3_HEAD.match(text, sep + _N_SEP)  # V3: TYPE<｜tool▁sep｜>NAME\n```json\n{ARGS}
    return (head.group(1), head.end() - 1) if head is not None else None


def _parse_block(block: str, closed: bool) -> tuple[str, str] | None:
    """``(name, arguments)`` of a block whose arguments are not an object being written (none, a JSON
    string or array, a fence without JSON): read whole, or ``None``."""
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


def _tool_call(name: str, arguments: str, closed: bool, end: int) -> ToolCall:
    return ToolCall(make_call_id(), FunctionCall(name, arguments))


def _block_end(text: str, start: int) -> tuple[int, int]:
    """``(end, next)``: the call end closing the block at ``start`` (-1: none before the next call) and
    the next call's begin. Both markers share a prefix, so one scan finds whichever comes first."""
    end = nxt = find_soon(text, _CALL_PREFIX, start)
    while nxt != -1:
        if text.startswith(CALL_END, nxt):
            return nxt, find_soon(text, CALL_BEGIN, nxt + _N_CALL_END)
        if text.startswith(CALL_BEGIN, nxt):
            return -1, nxt
        end = nxt = find_soon(text, _CALL_PREFIX, nxt + 1)
    return end, nxt


class _DeepSeekParser(ToolCallParser):
    start_markers = (CALLS_BEGIN, CALL_BEGIN)

    @staticmethod
    def _first(text: str) -> int:
        """The section marker, or a bare call block (some stacks drop the section marker)."""

        def begins_call(marker: int) -> bool:  # the first block's arguments have begun, or it is closed
            start = text.find(CALL_BEGIN, marker)
            if start < 0:
                return False
            start += _N_CALL_BEGIN
            sep = find_soon(text, SEP, start)
            if sep >= 0 and text.find(_CALL_PREFIX, start, sep) < 0 and _head(text, start, sep) is not None:
                return True
            return _block_end(text, start)[0] >= 0

        return calls_start(text, (CALLS_BEGIN, CALL_BEGIN), begins_call)

    def extract(self, text: str) -> ParsedCompletion | None:
        first = self._first(text)
        if first == -1:
            return None
        calls, _ = self._calls(text, first, whole=True)
        return ParsedCompletion(content_before(text, first), calls) if calls else None

    def partial_calls(self, text: str, pos: int) -> tuple[list[PartialCall], int]:
        """Each call from the moment its arguments object opens (see the module docstring)."""
        if text.rfind("<think>") > text.rfind("</think>"):
            return [], pos  # a call quoted while reasoning is not one: wait for the reasoning to end
        start = self._first(text) if pos < 0 else pos
        return self._calls(text, start, whole=False) if start >= 0 else ([], pos)

    def _calls(self, text: str, pos: int, whole: bool) -> tuple[list[Any], int]:
        """The calls from ``pos`` on and where the last one that ended ends. ``whole``: the text is final
        (an unfinished block is read as it stands), the calls are ``ToolCall``s; else ``PartialCall``s,
        stopping at the first call not certain yet."""
        call = _tool_call if whole else PartialCall
        find = text.find
        next_sep = NextFinder(text, SEP)
        next_end = NextFinder(text, CALL_END)
        section_end = None
        doc = text  # a json_document once a scan has failed (valid completions never pay the copy)
        calls: list[PartialCall] = []
        resume = pos
        pos = find(CALL_BEGIN, pos)
        while pos != -1:
            start = pos + _N_CALL_BEGIN
            sep = next_sep(start)
            head = _head(text, start, sep) if sep != -1 and find(_CALL_PREFIX, start, sep) == -1 else None
            if head is not None:
                limit = next_end(head[1]) if whole and not text.isascii() else -1
                arguments, closure, end, ended = head_arguments(text, doc, head[1], limit)
                if closure and doc is text:
                    doc = json_document(text)
                if not ended and not whole:
                    calls.append(PartialCall(head[0], arguments))
                    break
                calls.append(call(head[0], arguments + closure, True, end))
                resume, pos = end, find(CALL_BEGIN, end)
                continue
            end, nxt = _block_end(text, start)
            if end == -1:  # not closed: the block runs to the next call, the section end or the text end
                if not whole:
                    break
                section_end = section_end or NextFinder(text, CALLS_END)
                stop = min(i for i in (nxt, section_end(start), len(text)) if i != -1)
                parsed = _parse_block(text[start:stop], closed=False)
            else:
                parsed = _parse_block(text[start:end], closed=True)
                resume = end + _N_CALL_END
            if parsed is not None:
                calls.append(call(*parsed, True, resume))
            pos = nxt
        return calls, resume


class DeepSeekV3Parser(_DeepSeekParser):
    """DeepSeek-V3 / V3-0324 / R1 / R1-0528: ``function<｜tool▁sep｜>NAME`` + fenced JSON arguments."""

    name = "deepseek_v3"


class DeepSeekV31Parser(_DeepSeekParser):
    """DeepSeek-V3.1 (and its Terminus update): ``NAME<｜tool▁sep｜>{ARGS}``."""

    name = "deepseek_v3_1"
    aliases = ("deepseek_v31",)
