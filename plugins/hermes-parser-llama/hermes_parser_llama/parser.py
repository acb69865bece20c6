"""Llama 3.x / 4 JSON tool calls: ``{"name": ..., "parameters": {...}}`` objects in the completion.

Llama 3.1+ (JSON tool-calling template) answers a tool turn with JSON objects, sometimes after
``<|python_tag|>``, several separated by ``;``::

    {"name": "get_weather", "parameters": {"city": "Paris"}}; {"name": "get_time", "parameters": {}}

As vLLM 0.34's ``llama3_json`` grammar: calls begin only where the answer opens with ``{`` or after
``<|python_tag|>`` (a JSON example in prose is text: ``test_brace_in_plain_text_is_not_a_tool_call``);
from there every top-level object with a string ``name`` and ``arguments``/``parameters`` is a call, and
prose or a brace after the calls does not lose them. Objects without those keys are skipped. The text
before ``<|python_tag|>`` is kept as content.

Linear time: objects are read with the C JSON scanner on the original string, a decoded object's
interior is never re-scanned, and reading goes on where a broken object broke, so bait like
``"{\\"a\\": [" * 100000`` cannot turn the scan quadratic.
"""

from __future__ import annotations

import re
from typing import Any

from hermes_core.parsing import (
    ParsedCompletion,
    ToolCallParser,
    content_before,
    encode_arguments,
)
from hermes_core.parsing_call_objects import (
    CallObject,
    first_marker_outside_think,
    read_call_object,
    skip_space,
    stream_view,
    tool_calls,
)
from hermes_core.parsing_partial import PartialCall
from hermes_core.parsing_tags import THINK_END, json_document

PYTHON_TAG = "<|python_tag|>"
_KEYS = ("arguments", "parameters")
# A call object starts with a key: ``{`` then optional whitespace then ``"``.
_OBJECT_START = re.compile(r'\{[ \t\r\n]*"')


def _decide(obj: Any) -> tuple[str, str] | None:
    """A call when ``obj`` has a string ``name`` and ``arguments`` or ``parameters`` (vLLM's test)."""
    if type(obj) is not dict:
        return None
    name = obj.get("name")
    if type(name) is not str or not name.strip():
        return None
    if "arguments" in obj:
        arguments = obj["arguments"]
    elif "parameters" in obj:
        arguments = obj["parameters"]
    else:
        return None
    return name.strip(), encode_arguments(arguments)


class Llama3JsonParser(ToolCallParser):
    """Llama 3.1 / 3.2 / 3.3 and Llama 4 JSON tool calls (``{"name": ..., "parameters": {...}}``).

    Streams: a name-first object goes out once its arguments object holds a key, its arguments as the
    model writes them (see :mod:`hermes_core.parsing_call_objects`), so ``parse()`` of a text cut inside
    such a call keeps it, its arguments closed at the last complete value. When both argument keys are
    written the first one counts (vLLM prefers ``arguments`` even when it comes second).
    """

    name = "llama3_json"
    aliases = ("llama4_json",)
    start_markers = (PYTHON_TAG, "{")

    def extract(self, text: str) -> ParsedCompletion | None:
        region = _calls_region(text)
        if region is None:
            return None
        tag, pos = region
        found, _ = _read_calls(text, pos)
        if not found:
            return None
        calls = tool_calls([c for _, c in found])
        return ParsedCompletion(
            content=content_before(text, tag if tag >= 0 else found[0][0]), tool_calls=calls
        )

    def partial_calls(self, text: str, pos: int) -> tuple[list[PartialCall], int]:
        if text.rfind("<think>") > text.rfind(THINK_END):
            return [], pos  # a call quoted while reasoning is not one: wait for the reasoning to end
        start = pos
        if pos < 0:
            region = _calls_region(text)
            if region is None:
                return [], pos
            start = region[1]
        found, _ = _read_calls(text, start)
        return stream_view([c for _, c in found], pos)


def _calls_region(text: str) -> tuple[int, int] | None:
    """``(python tag or -1, where the calls begin)``, or ``None`` (none, or not known yet).

    As vLLM 0.34's ``llama_json`` grammar: an answer that opens with ``{`` (after any reasoning), or
    after ``<|python_tag|>``; a brace in prose is text (``test_brace_in_plain_text_is_not_a_tool_call``).
    Of the candidates (``{`` opening the text, the first tag outside a ``<think>`` block, ``{`` right
    after the first ``</think>``) the first in the text wins: decided by the text up to it, so a later
    ``</think>`` (inside an argument, say) never moves the calls.
    """
    opening = skip_space(text, 0)
    if text.startswith("{", opening):
        return -1, opening
    tag = first_marker_outside_think(text, PYTHON_TAG)
    think_end = text.find(THINK_END)
    if think_end >= 0 and (tag < 0 or think_end < tag):
        answer = skip_space(text, think_end + len(THINK_END))
        if text.startswith("{", answer):
            return -1, answer
    return None if tag < 0 else (tag, tag + len(PYTHON_TAG))


def _read_calls(text: str, pos: int) -> tuple[list[tuple[int, CallObject]], bool]:
    """Every call object from ``pos`` on, with where each starts; ``True`` when the text stopped inside
    an object. A decoded object's interior is consumed, not searched (as in vLLM); a broken one is left
    where it broke, so the text is read once however much of it is bait."""
    calls: list[tuple[int, CallObject]] = []
    doc = json_document(text)
    search = _OBJECT_START.search  # a brace that cannot start a call (prose, bait) costs nothing
    match = search(text, pos)
    while match is not None:
        start = match.start()
        found = read_call_object(text, doc, start, _KEYS, _decide, string_arguments=True)
        if found.name is not None:
            calls.append((start, found))
        if found.end < 0:
            return calls, True
        match = search(text, found.end)
    return calls, False
