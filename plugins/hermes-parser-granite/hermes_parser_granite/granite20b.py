"""granite-20b-functioncalling: ``<function_call> {json}`` once per call.

::

    <function_call> {"name": "get_weather", "arguments": {"city": "Tokyo"}}
    <function_call> {"name": "get_time", "arguments": {"timezone": "Asia/Tokyo"}}

As in vLLM's ``Granite20bFCToolParser`` each object is read from just after its marker (text after it,
up to the next marker, is ignored), every object must be a call, and the text before the first marker
is the content.

Streaming: a call goes out once its arguments hold a key, the arguments as written, and it closes where
its object ends (:mod:`hermes_core.parsing_call_objects`). So a call that began is never taken back:
reading stops at the first object that is not a call (the calls before it are kept, where vLLM drops
them all), ``parse()`` of a text cut inside a call keeps it closed at its last complete value, and an
object is read whole even where an argument holds ``<function_call>`` (vLLM splits it there).
"""

from __future__ import annotations

from hermes_core.parsing import ParsedCompletion, ToolCallParser, content_before
from hermes_core.parsing_call_objects import (
    CallObject,
    first_marker_outside_think,
    read_call_object,
    skip_space,
    stream_view,
    tool_calls,
)
from hermes_core.parsing_partial import PartialCall
from hermes_parser_granite.calls import KEYS, strict_decide

BOT = "<function_call>"


class Granite20bFCParser(ToolCallParser):
    """IBM granite-20b-functioncalling: ``<function_call> {"name": ..., "arguments": ...}``, repeated."""

    name = "granite-20b-fc"
    aliases = ("granite_20b_fc",)
    start_markers = (BOT,)

    def extract(self, text: str) -> ParsedCompletion | None:
        first, found = _read(text)
        if not found:
            return None
        return ParsedCompletion(content=content_before(text, first), tool_calls=tool_calls(found))

    def partial_calls(self, text: str, pos: int) -> tuple[list[PartialCall], int]:
        return stream_view(_read(text)[1], pos)


def _read(text: str) -> tuple[int, list[CallObject]]:
    first = first_marker_outside_think(text, BOT)
    calls: list[CallObject] = []
    if first < 0:
        return first, calls
    pos = first
    while pos >= 0:
        body = skip_space(text, pos + len(BOT))
        if not text.startswith("{", body):
            break
        # reading stops at the first object that is not a whole call, so at most one scan fails: the
        # text itself serves as the scan document (no copy of a long completion)
        found = read_call_object(text, text, body, KEYS, strict_decide, string_arguments=True)
        if found.name is None:
            break
        calls.append(found)
        if found.end < 0 or not found.whole:
            break
        pos = text.find(BOT, found.end)
    return first, calls
