"""Granite 3.x tool calls: a JSON array after ``<|tool_call|>`` (3.0, a token) or ``<tool_call>`` (3.1+).

::

    <|tool_call|>[{"name": "get_weather", "arguments": {"city": "Tokyo"}}]

As in vLLM's ``GraniteToolParser`` the array may also stand alone (no marker) at the start of the
completion, and every element must be a call. Unlike vLLM, text before the marker is kept as content and
text after the array is tolerated (vLLM's own ``surrounding_text`` case is marked xfail for this parser).

Streaming: a call goes out once its arguments hold a key, the arguments as written, and it closes where
its object ends (:mod:`hermes_core.parsing_call_objects`). So a call that began is never taken back:
the array is read up to its first element that is not a call (the calls before it are kept, where vLLM
drops them all), ``parse()`` of a text cut inside a call keeps it closed at its last complete value, and
prose after a bare array no longer voids it. The calls begin at whichever comes first of a marker
followed by ``[`` and a ``[`` opening the completion (or the answer after the first ``</think>``).
"""

from __future__ import annotations

from hermes_core.parsing import ParsedCompletion, ToolCallParser, content_before
from hermes_core.parsing_call_objects import CallObject, read_call_list, skip_space, stream_view, tool_calls
from hermes_core.parsing_partial import PartialCall
from hermes_core.parsing_tags import THINK_END
from hermes_parser_granite.calls import KEYS, strict_decide

BOT_TOKEN = "<|tool_call|>"
BOT_STRING = "<tool_call>"


class GraniteParser(ToolCallParser):
    """IBM Granite 3.0 / 3.1 / 3.2 / 3.3: ``<|tool_call|>[{...}, ...]``."""

    name = "granite"
    aliases = ("granite3",)
    start_markers = (BOT_TOKEN, BOT_STRING, "[")

    def extract(self, text: str) -> ParsedCompletion | None:
        start, found = _read(text)
        if not found:
            return None
        return ParsedCompletion(content=content_before(text, start), tool_calls=tool_calls(found))

    def partial_calls(self, text: str, pos: int) -> tuple[list[PartialCall], int]:
        return stream_view(_read(text)[1], pos)


def _read(text: str) -> tuple[int, list[CallObject]]:
    """Where the calls begin (their marker, or the bare array) and the calls of the array."""
    found = _array_start(text)
    if found is None:
        return -1, []
    # the array is read up to its first broken element: a scan or two fail at most, so the text
    # itself is the scan document (no copy of a long completion)
    start, array = found
    return start, read_call_list(text, text, array, KEYS, strict_decide, string_arguments=True)[0]


def _array_start(text: str) -> tuple[int, int] | None:
    """``(start, where the array opens)`` of the first candidate, or ``None`` (none, or not known yet)."""
    n = len(text)
    if text.startswith(BOT_TOKEN):  # the common case: the completion opens with the token
        after = skip_space(text, len(BOT_TOKEN))
        if text.startswith("[", after):
            return 0, after
    bare = skip_space(text, 0)
    if text.startswith("[", bare):
        return bare, bare  # an array opens the completion: no marker can come before it
    token = text.find(BOT_TOKEN)
    if token >= 0 and text.find(BOT_STRING, 0, token) < 0 and text.find(THINK_END, 0, token) < 0:
        after = skip_space(text, token + len(BOT_TOKEN))  # the common case: the token, then the array
        if text.startswith("[", after):
            return token, after
    think_end = text.find(THINK_END)
    bare = skip_space(text, think_end + len(THINK_END)) if think_end >= 0 else n
    if not text.startswith("[", bare):
        bare = n
    token = string = -2  # the next of each marker at or after ``pos`` (-1: none; -2: not looked for)
    pos = 0
    while True:
        if -1 < token < pos or token == -2:
            token = text.find(BOT_TOKEN, pos, bare)
        if -1 < string < pos or string == -2:
            string = text.find(BOT_STRING, pos, bare)
        if string < 0 or 0 <= token < string:
            marker, after = token, token + len(BOT_TOKEN)
        else:
            marker, after = string, string + len(BOT_STRING)
        if marker < 0:
            return (bare, bare) if bare < n else None
        after = skip_space(text, after)
        if text.startswith(BOT_STRING, after):  # "<|tool_call|><tool_call>" as vLLM strips both
            after = skip_space(text, after + len(BOT_STRING))
        if after >= n or (after + len(BOT_STRING) > n and BOT_STRING.startswith(text[after:])):
            return None  # what follows the marker is not known yet
        if text[after] == "[":
            return marker, after
        pos = marker + 1
