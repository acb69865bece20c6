"""MiniMax-M1 tool calls: one JSON object per line in a ``<tool_calls>`` block::

    <tool_calls>
    {"name": "get_weather", "arguments": {"city": "Seattle"}}
    {"name": "get_time", "arguments": {}}
    </tool_calls>

As vLLM: blocks inside ``<think>`` are reasoning, not calls; a line counts when it is a JSON object with
``name`` and ``arguments``; a final block without its end tag still counts.

Streams: a line written name first (``{"name": "X", "arguments": {`` on one line, as the model writes
it) is a call as soon as that head is in, and its arguments object is kept as written, as far as it goes
on its line: cut off (or broken by a bad token), it closes at its last commit point
(:func:`~hermes_core.parsing_partial.json_object_prefix`), so ``parse()`` of any prefix gives what the
stream sent plus the closing brackets; text after the object on its line is ignored. Any other line
counts only whole, as before, and holds the stream until its line ends.
"""

from __future__ import annotations

import re
from bisect import bisect_left

from hermes_core.parsing import (
    FunctionCall,
    ParsedCompletion,
    ToolCall,
    ToolCallParser,
    content_before,
    encode_arguments,
    make_call_id,
)
from hermes_core.parsing_partial import PartialCall, json_object_prefix
from hermes_core.parsing_start import calls_start
from hermes_core.parsing_tags import JSON_ERRORS, json_document, scan_json

BLOCK = "<tool_calls>"
BLOCK_END = "</tool_calls>"
_HEAD = re.compile(r'\{[ \t]*"name"[ \t]*:[ \t]*"([^"\\\n]*)"[ \t]*,[ \t]*"arguments"[ \t]*:[ \t]*(?=\{)')
_SPACE = re.compile(r"[ \t\r]*")


def _any_block(at: int) -> bool:
    return True  # a block outside an explicit ``<think>`` counts, as before


_Line = tuple[str, str, str, int, int]
"""One call's line: name, arguments as written (a prefix when the closure is not empty), closure, where
it starts, where its line (or its object, when the line goes on) ends (-1: still being written)."""


class MinimaxM1Parser(ToolCallParser):
    """MiniMax-M1 (40k / 80k)."""

    name = "minimax"
    aliases = ("minimax_m1", "minimax-m1")
    start_markers = (BLOCK,)
    call_end_markers = (BLOCK_END,)

    def extract(self, text: str) -> ParsedCompletion | None:
        first = calls_start(text, (BLOCK,), _any_block, fallback=True)
        calls = [
            ToolCall(make_call_id(), FunctionCall(name, arguments + closure))
            for name, arguments, closure, _, _ in self._calls(text, first, whole=True)
        ]
        if not calls:
            return None
        return ParsedCompletion(content=content_before(text, first), tool_calls=calls)

    def partial_calls(self, text: str, pos: int):
        """Name-first lines as they are written; a line of any other shape holds the view until it ends."""
        if text.rfind("<think>") > text.rfind("</think>"):
            return [], pos  # a call quoted while reasoning is not one: wait for the reasoning to end
        lines = self._calls(text, calls_start(text, (BLOCK,), _any_block), whole=False)
        done = bisect_left([line[3] for line in lines], pos) if pos > 0 else 0
        out: list[PartialCall] = []
        resume = pos
        for name, arguments, closure, _, end in lines[done:]:
            if end < 0:
                out.append(PartialCall(name, arguments))
                break
            out.append(PartialCall(name, arguments + closure, True, end))
            resume = end
        return out, resume

    def _calls(self, text: str, pos: int, whole: bool) -> list[_Line]:
        """The calls from the block at ``pos``, block by block and line by line. ``whole``: a line not
        ended yet is read as it is (``parse()``); else it stops the walk unless it is written name first,
        and a possible start of ``</tool_calls>`` at the very end is held back (a stream's view)."""
        out: list[_Line] = []
        doc = json_document(text)
        find, head_match, space = text.find, _HEAD.match, _SPACE.match
        while pos >= 0:
            body = pos + len(BLOCK)
            stop = find(BLOCK_END, body)
            block_end = stop if stop >= 0 else len(text)
            if stop < 0 and not whole:
                block_end -= _end_tag_prefix(text)
            while body < block_end:
                newline = find("\n", body, block_end)
                line_end = newline if newline >= 0 else block_end
                ended = newline >= 0 or stop >= 0
                start = space(text, body, line_end).end()
                head = head_match(text, start, line_end)
                name = head.group(1).strip() if head is not None else ""
                if name:
                    line = _name_first(text, doc, name, start, head.end(), line_end, ended)
                    out.append(line)
                    if line[4] < 0:
                        return out
                elif not ended and not whole:
                    return out  # another shape: whole lines only
                elif start < line_end:
                    call = _whole_line(text[start:line_end].strip())
                    if call is not None:
                        out.append((call[0], call[1], "", start, line_end))
                body = line_end + 1
            if stop < 0:
                return out
            pos = find(BLOCK, stop + len(BLOCK_END))
        return out


def _name_first(text: str, doc: str, name: str, start: int, at: int, line_end: int, ended: bool) -> _Line:
    """The call of a line written name first, its arguments object opening at ``text[at]``: kept as
    written (decoded once to check it); stopped early, up to its last commit point and closed."""
    try:
        value, end = scan_json(doc, at)
    except JSON_ERRORS:
        value, end = None, -1
    if type(value) is dict and end <= line_end:
        return name, text[at:end], "", start, end
    found = json_object_prefix(text, at, line_end)
    end = found.commit if found.complete or found.end >= 0 else line_end if ended else -1
    return name, text[at : found.commit], found.closure, start, end


def _end_tag_prefix(text: str) -> int:
    """The length of the start of ``</tool_calls>`` the text ends with (0 if none)."""
    for size in range(min(len(BLOCK_END) - 1, len(text)), 0, -1):
        if text.endswith(BLOCK_END[:size]):
            return size
    return 0


def _whole_line(line: str) -> tuple[str, str] | None:
    """A line that is exactly one JSON object with ``name`` and ``arguments``: ``(name, arguments)``."""
    if not (line.startswith("{") and line.endswith("}")):
        return None
    try:
        obj, end = scan_json(line, 0)
    except JSON_ERRORS:
        return None
    if end != len(line) or type(obj) is not dict or "name" not in obj or "arguments" not in obj:
        return None
    name = obj["name"]
    if type(name) is not str or not name.strip():
        return None
    return name.strip(), encode_arguments(obj["arguments"])
