"""Gemma 4 tool calls: ``<|tool_call>call:get_weather{location:<|"|>Paris<|"|>,days:3}<tool_call|>``.

Gemma 4 does not write JSON: keys are bare, strings sit between ``<|"|>`` tokens, numbers, booleans and
``null`` are bare, objects use ``{}`` and arrays ``[]``; calls follow each other with no separator.
Values are read as vLLM's ``_parse_gemma4_args`` reads them (``"."`` makes a float, ``true``/``false``,
``null``/``none``/``nil``, anything else bare stays a string), but with one recursive-descent pass over
the original string instead of re-slicing each nested level, so a ``}<tool_call|>`` inside a string value
does not end the call.

Besides the canonical form this accepts what Gemma 4 also emits (vLLM's ``gemma4_utils`` tests): the call
closed by ``<turn|>`` instead of ``<tool_call|>``, a stray colon (``<|tool_call>:call:``), and a call
cut off after its closing brace at the end of the text.

Streaming (:mod:`hermes_parser_gemma.arguments`): the name goes out once ``call:NAME{`` is written, each
pair once complete, a top-level string as it comes. So a call is kept whatever follows its name: cut off
(vLLM's ``test_incomplete_tool_call``: ``{location:<|"|>London`` gives ``{"location": "London"}``; an
unterminated string takes the rest of the text, as vLLM's ``test_unterminated_string``) or broken (the
pairs before the bad spot kept; the next call is looked for from there).
"""

from __future__ import annotations

import math
import re
from typing import Any

from hermes_core.parsing import ParsedCompletion, ToolCallParser
from hermes_core.parsing_scan import find_anchored
from hermes_parser_gemma.arguments import (
    ArgumentsText,
    calls_view,
    extract_calls,
    held_suffix,
)

TOOL_CALL_START = "<|tool_call>"
TOOL_CALL_END = "<tool_call|>"
TURN_END = "<turn|>"
STRING_DELIM = '<|"|>'

# ``call:NAME{``, ``:call:NAME{`` and the bare ``:NAME{`` opener (vLLM's test_gemma4_tool_parser.py
# ``TestBareAndMalformedOpeners::test_bare_opener_non_streaming``, vLLM issue #53431)
_NAME = re.compile(r"(?::?call:|:)([\w\-.]+)\{")
_MAX_DEPTH = 64
_KEY = re.compile(r"[^:{}\[\]]*")  # a bare key runs to the first of these


class _Malformed(Exception):
    def __init__(self, pos: int) -> None:
        self.pos = pos


def bare_value(raw: str) -> Any:
    """A bare Gemma 4 value, typed as vLLM types it."""
    raw = raw.strip()
    if raw == "true":
        return True
    if raw == "false":
        return False
    if raw.lower() in ("null", "none", "nil"):
        return None
    try:
        number = float(raw) if "." in raw else int(raw)
    except ValueError:
        return raw
    return number if not isinstance(number, float) or math.isfinite(number) else raw


class _Reader:
    """Recursive descent over ``text`` from a position; raises ``_Malformed`` at the first bad spot."""

    __slots__ = ("text", "n")

    def __init__(self, text: str) -> None:
        self.text = text
        self.n = len(text)

    def skip(self, i: int, chars: str = " \t\r\n") -> int:
        text, n = self.text, self.n
        while i < n and text[i] in chars:
            i += 1
        return i

    def string(self, i: int) -> tuple[str, int]:
        """``i`` is just after an opening ``<|"|>``."""
        end = find_anchored(self.text, STRING_DELIM, i, "|")
        if end < 0:
            raise _Malformed(self.n)
        return self.text[i:end], end + len(STRING_DELIM)

    def obj(self, i: int, depth: int) -> tuple[dict[str, Any], int]:
        """``i`` is just after ``{``; returns the object and the index after its ``}``."""
        if depth > _MAX_DEPTH:
            raise _Malformed(i)
        text, out = self.text, {}
        while True:
            i = self.skip(i, " \t\r\n,")
            if i >= self.n:
                raise _Malformed(i)
            if text[i] == "}":
                return out, i + 1
            if text.startswith(STRING_DELIM, i):
                key, i = self.string(i + len(STRING_DELIM))
                i = self.skip(i)
                if not text.startswith(":", i):
                    raise _Malformed(i)
            else:
                colon = _KEY.match(text, i).end()
                if colon >= self.n or text[colon] != ":":
                    raise _Malformed(colon)
                key = text[i:colon].strip()
                i = colon
            out[key], i = self.value(self.skip(i + 1), depth, "}")

    def array(self, i: int, depth: int) -> tuple[list[Any], int]:
        if depth > _MAX_DEPTH:
            raise _Malformed(i)
        out: list[Any] = []
        while True:
            i = self.skip(i, " \t\r\n,")
            if i >= self.n:
                raise _Malformed(i)
            if self.text[i] == "]":
                return out, i + 1
            item, i = self.value(i, depth, "]")
            out.append(item)

    def value(self, i: int, depth: int, closer: str) -> tuple[Any, int]:
        text = self.text
        if i >= self.n:
            raise _Malformed(i)
        if text.startswith(STRING_DELIM, i):
            return self.string(i + len(STRING_DELIM))
        ch = text[i]
        if ch == "{":
            return self.obj(i + 1, depth + 1)
        if ch == "[":
            return self.array(i + 1, depth + 1)
        start = i
        while i < self.n and text[i] not in ",}]":
            if text.startswith(STRING_DELIM, i) or text[i] in "{[":
                raise _Malformed(i)
            i += 1
        if i == start:  # vLLM keeps an empty value as ""
            if text[i] == closer or text[i] == ",":
                return "", i
            raise _Malformed(i)
        return bare_value(text[start:i]), i


def read_arguments(text: str, start: int, final: bool) -> ArgumentsText:
    """The top-level ``key:value`` pairs of the call whose ``{`` ends at ``start``, as :class:`_Reader`
    reads them (nested values read by it whole)."""
    reader = _Reader(text)
    n = len(text)
    found = ArgumentsText()
    i = start
    try:
        while True:
            i = reader.skip(i, " \t\r\n,")
            if i >= n:
                return found
            if text[i] == "}":
                found.end = i + 1
                return found
            if text.startswith(STRING_DELIM, i):
                key, i = reader.string(i + len(STRING_DELIM))
                i = reader.skip(i)
                if not text.startswith(":", i):
                    raise _Malformed(i)
            else:
                colon = _KEY.match(text, i).end()
                if colon >= n or text[colon] != ":":
                    raise _Malformed(colon)
                key = text[i:colon].strip()
                i = colon
            i = reader.skip(i + 1)
            if text.startswith(STRING_DELIM, i):
                opened = i + len(STRING_DELIM)
                close = find_anchored(text, STRING_DELIM, opened, "|")
                if close < 0:  # the text stops inside the string: it takes the rest (vLLM)
                    certain = text[opened : n - held_suffix(text, n, (STRING_DELIM,))]
                    found.open_string(key, text[opened:], certain)
                    return found
                found.add(key, text[opened:close])
                i = close + len(STRING_DELIM)
                continue
            value_start = i
            value, i = reader.value(i, 1, "}")
            if i >= n and not final and text[value_start] not in "{[":
                return found  # a bare value at the very end may go on (``1`` -> ``12``)
            found.add(key, value)
    except _Malformed as error:
        found.end = error.pos if error.pos < n else -1
        return found


class Gemma4Parser(ToolCallParser):
    """Google Gemma 4: ``<|tool_call>call:NAME{key:value,...}<tool_call|>``, repeated."""

    name = "gemma4"
    aliases = ("gemma_4",)
    start_markers = (TOOL_CALL_START,)
    call_end_markers = (TOOL_CALL_END,)

    def extract(self, text: str) -> ParsedCompletion | None:
        return extract_calls(text, TOOL_CALL_START, _NAME, read_arguments)

    def partial_calls(self, text: str, pos: int):
        return calls_view(text, pos, TOOL_CALL_START, _NAME, read_arguments)
