"""FunctionGemma tool calls.

``<start_function_call>call:NAME{key:<escape>value<escape>,...}<end_function_call>``.

Google's FunctionGemma (``google/functiongemma-270m-it``) wraps strings in ``<escape>`` tokens and writes
other values bare. As in vLLM's ``FunctionGemmaToolParser`` a value is JSON-decoded when it is JSON
(``42``, ``true``, a list) and kept as a string otherwise, and a last call without ``<end_function_call>``
runs to the end of the text. One left-to-right pass, no backtracking regex.
"""

from __future__ import annotations

import json
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
from hermes_core.parsing_tags import first_marker

START = "<start_function_call>"
END = "<end_function_call>"
ESCAPE = "<escape>"

_NAME = re.compile(r"call:(\w+)\{")
_BARE_LITERALS = {"true": True, "false": False, "null": None, "None": None}


class _Stop(Exception):
    """The arguments end (or break) before this value does: keep the pairs before it."""


def _decode(raw: str, bare: bool) -> Any:
    """A value as vLLM decodes it: JSON when it is JSON, bare ``true``/``None``/... as literals, else
    the text (an ``<escape>`` string keeps its spaces, a bare one is stripped)."""
    if bare:
        raw = raw.strip()
        if raw in _BARE_LITERALS:
            return _BARE_LITERALS[raw]
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def _skip_space(text: str, pos: int, end: int) -> int:
    while pos < end and text[pos] in " \n":
        pos += 1
    return pos


def _value(text: str, pos: int, end: int) -> tuple[Any, int]:
    """One value at ``pos``: an ``<escape>`` string, ``{key:value,...}``, ``[value,...]`` or a bare
    scalar (up to ``,``, ``}`` or ``]``), and the position after it."""
    pos = _skip_space(text, pos, end)
    if text.startswith(ESCAPE, pos):
        close = text.find(ESCAPE, pos + len(ESCAPE), end)
        if close < 0:
            raise _Stop
        return _decode(text[pos + len(ESCAPE) : close], bare=False), close + len(ESCAPE)
    if pos < end and text[pos] in "{[":
        return _container(text, pos + 1, end, text[pos] == "{")
    stop = pos
    while stop < end and text[stop] not in ",}]":
        stop += 1
    if stop == pos:
        raise _Stop
    return _decode(text[pos:stop], bare=True), stop


def _container(text: str, pos: int, end: int, is_object: bool) -> tuple[Any, int]:
    items: Any = {} if is_object else []
    closer, wrong = ("}", "]") if is_object else ("]", "}")
    while True:
        pos = _skip_space(text, pos, end)
        if pos >= end or text[pos] == wrong:
            raise _Stop
        if text[pos] == closer:
            return items, pos + 1
        if text[pos] == ",":
            pos += 1
            continue
        if is_object:
            colon = text.find(":", pos, end)
            if colon < 0:
                raise _Stop
            items[text[pos:colon].strip()], pos = _value(text, colon + 1, end)
        else:
            value, pos = _value(text, pos, end)
            items.append(value)


def parse_arguments(text: str, start: int, end: int) -> dict[str, Any]:
    """The ``key:value`` pairs in ``text[start:end]`` as FunctionGemma's chat template writes them: only
    strings in ``<escape>``, numbers, booleans, arrays and ``{key:value}`` objects bare (vLLM's
    ``test_functiongemma_tool_parser.py::TestTemplateArgumentTypes``, issue #63983: ``set_alarm{days:
    [<escape>mon<escape>,...],enabled:true,hour:7,...,snooze:{minutes:5}}`` keeps every argument, nested
    keys nested). A value cut short ends the arguments; the pairs before it are kept."""
    out: dict[str, Any] = {}
    pos = start
    while pos < end:
        if text[pos] in ", \n":
            pos += 1
            continue
        colon = text.find(":", pos, end)
        key = text[pos:colon].strip() if colon >= 0 else ""
        if not key:
            return out
        try:
            value, pos = _value(text, colon + 1, end)
        except _Stop:
            return out
        out[key] = value
    return out


class FunctionGemmaParser(ToolCallParser):
    """FunctionGemma: ``<start_function_call>call:NAME{...}<end_function_call>``, repeated."""

    name = "functiongemma"
    aliases = ("function_gemma",)
    start_markers = (START,)
    call_end_markers = (END,)  # a call that ended is sent at once when streaming

    def extract(self, text: str) -> ParsedCompletion | None:
        first = first_marker(text, START)
        if first < 0:
            return None
        calls: list[ToolCall] = []
        pos = first
        while pos >= 0:
            body = pos + len(START)
            match = _NAME.match(text, body)
            if match is None:
                pos = text.find(START, body)
                continue
            close = text.find("}" + END, match.end())
            stop = close if close >= 0 else len(text)  # an unclosed last call runs to the end, as in vLLM
            arguments = parse_arguments(text, match.end(), stop)
            calls.append(ToolCall(make_call_id(), FunctionCall(match.group(1), encode_arguments(arguments))))
            if close < 0:
                break
            pos = text.find(START, close + 1 + len(END))
        if not calls:
            return None
        return ParsedCompletion(content=content_before(text, first), tool_calls=calls)
