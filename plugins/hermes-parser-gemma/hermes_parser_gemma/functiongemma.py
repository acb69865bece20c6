"""FunctionGemma tool calls.

``<start_function_call>call:NAME{key:<escape>value<escape>,...}<end_function_call>``.

Google's FunctionGemma (``google/functiongemma-270m-it``) wraps strings in ``<escape>`` tokens and writes
other values bare. As in vLLM's ``FunctionGemmaToolParser`` a value is JSON-decoded when it is JSON
(``42``, ``true``, a list) and kept as a string otherwise, and a last call without ``<end_function_call>``
runs to the end of the text. One left-to-right pass, no backtracking regex.

Streaming (:mod:`hermes_parser_gemma.arguments`): the name goes out once ``call:NAME{`` is written, each
pair once complete, and an ``<escape>`` value as it comes once it can no longer be JSON (``<escape>4``
may be the number 42; ``<escape>Paris`` is text). So a call is kept whatever follows its name, and a
string value the call stops inside keeps what was written (vLLM leaves it out; its stream never sends
it, ours has).
"""

from __future__ import annotations

import json
import re
from typing import Any

from hermes_core.parsing import ParsedCompletion, ToolCallParser
from hermes_core.parsing_scan import find_anchored
from hermes_parser_gemma.arguments import (
    ArgumentsText,
    calls_view,
    could_be_json,
    extract_calls,
    held_suffix,
)

START = "<start_function_call>"
END = "<end_function_call>"
ESCAPE = "<escape>"

_NAME = re.compile(r"call:(\w+)\{")
_BARE_LITERALS = {"true": True, "false": False, "null": None, "None": None}
# the first character of what json.loads reads (NaN, Infinity), or of its leading whitespace
_JSON_FIRST = frozenset('"{[-0123456789tfnNI \t\n\r')


class _Stop(Exception):
    """The arguments end (or break) before this value does: keep the pairs before it."""


def _decode(raw: str, bare: bool) -> Any:
    """A value as vLLM decodes it: JSON when it is JSON, bare ``true``/``None``/... as literals, else
    the text (an ``<escape>`` string keeps its spaces, a bare one is stripped)."""
    if bare:
        raw = raw.strip()
        if raw in _BARE_LITERALS:
            return _BARE_LITERALS[raw]
    if raw[:1] not in _JSON_FIRST:
        return raw  # no JSON starts so: json.loads would raise (an exception costs more than a decode)
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
        close = find_anchored(text, ESCAPE, pos + len(ESCAPE), "<", end)
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


def read_arguments(text: str, start: int, final: bool) -> ArgumentsText:
    """The ``key:value`` pairs of the call whose ``{`` ends at ``start``, up to its ``}<end_function_call>``
    (or the end of the text), as FunctionGemma's chat template writes them: only strings in ``<escape>``;
    numbers, booleans, arrays and ``{key:value}`` objects bare (vLLM's ``test_functiongemma_tool_parser.py
    ::TestTemplateArgumentTypes``, issue #63983: ``set_alarm{days:[<escape>mon<escape>,...],enabled:true,
    hour:7,...,snooze:{minutes:5}}`` keeps every argument, nested keys nested). A value cut short or
    broken ends the arguments; the pairs before it are kept (``::test_mismatched_delimiters_stop_parsing``).
    """
    close = find_anchored(text, "}" + END, start, "}")
    found = ArgumentsText()
    if close >= 0:
        stop, found.end, final = close, close + 1 + len(END), True
    else:
        stop = len(text)
    pos = start
    while pos < stop:
        if text[pos] in ", \n":
            pos += 1
            continue
        colon = text.find(":", pos, stop)
        key = text[pos:colon].strip() if colon >= 0 else ""
        if not key:
            return found
        value_start = _skip_space(text, colon + 1, stop)
        if text.startswith(ESCAPE, value_start, stop):
            opened = value_start + len(ESCAPE)
            end = find_anchored(text, ESCAPE, opened, "<", stop)
            if end < 0:
                _open_string(found, key, text, opened, stop, final)
                return found
            found.add(key, _decode(text[opened:end], bare=False))
            pos = end + len(ESCAPE)
            continue
        try:
            value, pos = _value(text, value_start, stop)
        except _Stop:
            return found
        if pos >= stop and not final and text[value_start] not in "{[":
            return found  # a bare value at the very end may go on (``1`` -> ``12``)
        if not final and text[pos - 1] == "}" and END.startswith(text[pos:stop]):
            return found  # that ``}`` may be the call's own: ``}<end_function_call>`` still arriving
        found.add(key, value)
    return found


def _open_string(found: ArgumentsText, key: str, text: str, opened: int, stop: int, final: bool) -> None:
    """An ``<escape>`` value the call stops inside: kept once it cannot be JSON any more (then it is
    text, whatever follows), as far as no delimiter may be starting."""
    if final:
        value = text[opened:stop]
        if not could_be_json(value):
            found.open_string(key, value)
        return
    certain = text[opened : stop - held_suffix(text, stop, (ESCAPE, "}" + END))]
    if not could_be_json(certain):
        found.open_string(key, text[opened:stop], certain)


class FunctionGemmaParser(ToolCallParser):
    """FunctionGemma: ``<start_function_call>call:NAME{...}<end_function_call>``, repeated."""

    name = "functiongemma"
    aliases = ("function_gemma",)
    start_markers = (START,)
    call_end_markers = (END,)

    def extract(self, text: str) -> ParsedCompletion | None:
        return extract_calls(text, START, _NAME, read_arguments)

    def partial_calls(self, text: str, pos: int):
        return calls_view(text, pos, START, _NAME, read_arguments)
