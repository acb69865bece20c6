"""AI21 Jamba tool calls: one JSON array between ``<tool_calls>`` and ``</tool_calls>``.

::

    Sure! <tool_calls>[{"name": "get_current_weather", "arguments": {"city": "Dallas"}}]</tool_calls>

As in vLLM's ``JambaToolParser`` only the first block counts, every element needs ``name`` and
``arguments``, and the text before the block is the content.

Streaming: a call goes out once its arguments hold a key, the arguments as written (vLLM's
``test_extract_tool_calls_streaming_partial_args_with_name_delta`` streams them so too), and it closes
where its object ends (:mod:`hermes_core.parsing_call_objects`). So a call that began is never taken
back: the array is read up to its first element that is not a call (vLLM voids the whole array), and
``parse()`` of a text cut inside a call (no ``</tool_calls>`` yet) keeps it, closed at its last
complete value.
"""

from __future__ import annotations

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
    read_call_list,
    skip_space,
    stream_view,
    tool_calls,
)
from hermes_core.parsing_partial import PartialCall

START = "<tool_calls>"
END = "</tool_calls>"
_KEYS = ("arguments",)


def _decide(item: Any) -> tuple[str, str] | None:
    if type(item) is not dict or "arguments" not in item:
        return None
    name = item.get("name")
    if type(name) is not str or not name.strip():
        return None
    return name.strip(), encode_arguments(item["arguments"])


class JambaParser(ToolCallParser):
    """AI21 Jamba 1.5 / 1.6 / 1.7: ``<tool_calls>[{"name": ..., "arguments": {...}}, ...]</tool_calls>``."""

    name = "jamba"
    start_markers = (START,)

    def extract(self, text: str) -> ParsedCompletion | None:
        start, found = _read(text)
        if not found:
            return None
        return ParsedCompletion(content=content_before(text, start), tool_calls=tool_calls(found))

    def partial_calls(self, text: str, pos: int) -> tuple[list[PartialCall], int]:
        return stream_view(_read(text)[1], pos)


def _read(text: str) -> tuple[int, list[CallObject]]:
    start = first_marker_outside_think(text, START)
    if start < 0:
        return start, []
    array = skip_space(text, start + len(START))
    if not text.startswith("[", array):
        return start, []
    # the array is read up to its first broken element: a scan or two fail at most, so the text
    # itself is the scan document (no copy of a long completion)
    return start, read_call_list(text, text, array, _KEYS, _decide, string_arguments=True)[0]
