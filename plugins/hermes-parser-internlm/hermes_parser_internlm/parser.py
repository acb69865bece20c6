"""InternLM2 / 2.5 tool calls: ``<|action_start|><|plugin|>{json}<|action_end|>``.

::

    Sure. <|action_start|><|plugin|>{"name": "get_weather", "parameters": {"city": "Oslo"}}<|action_end|>

As in vLLM's ``Internlm2ToolParser`` (after its whitelist fix), the object after the marker needs a
``name`` and takes ``parameters`` or ``arguments``; a name that is not among the request's tools is not
a call when tools are given; the text before the marker is the content. Unlike vLLM (one call, and a
``ValueError`` on a second marker), every block is read, and arguments that are not an object make the
block content (vLLM's shared malformed-input cases).

Streaming: a call goes out once its arguments hold a key (and its name is among the tools, when tools
are given), the arguments as written, and it closes where its object ends, before ``<|action_end|>``
(:mod:`hermes_core.parsing_call_objects`); so ``parse()`` of a text cut inside a call keeps it,
closed at its last complete value.
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
    stream_view,
    tool_calls,
)
from hermes_core.parsing_partial import PartialCall
from hermes_core.parsing_tags import json_document

START = "<|action_start|><|plugin|>"
_OBJECT = re.compile(r'\{[ \t\r\n]*"')
END = "<|action_end|>"
_KEYS = ("parameters", "arguments")


class InternLMParser(ToolCallParser):
    """InternLM2 / InternLM2.5 ``<|plugin|>`` actions."""

    name = "internlm"
    aliases = ("internlm2",)
    start_markers = (START,)

    def extract(self, text: str) -> ParsedCompletion | None:
        first, found = self._read(text)
        if not found:
            return None
        return ParsedCompletion(content=content_before(text, first), tool_calls=tool_calls(found))

    def partial_calls(self, text: str, pos: int) -> tuple[list[PartialCall], int]:
        return stream_view(self._read(text)[1], pos)

    def _read(self, text: str) -> tuple[int, list[CallObject]]:
        """The first marker and the call of each block after it (the last one open when the text stopped
        inside it). Reading goes on where a broken object broke: linear however much is bait."""
        first = first_marker_outside_think(text, START)
        calls: list[CallObject] = []
        if first < 0:
            return first, calls
        allowed = (
            {t.get("function", t).get("name") for t in self.tools if isinstance(t, dict)}
            if self.tools
            else None
        )

        def decide(obj: Any) -> tuple[str, str] | None:
            if type(obj) is not dict:
                return None
            name = obj.get("name")
            if type(name) is not str or not name.strip() or (allowed is not None and name not in allowed):
                return None
            arguments = obj["parameters"] if "parameters" in obj else obj.get("arguments")
            if arguments is not None and type(arguments) is not dict:
                return None
            return name, encode_arguments(arguments)

        n = len(text)
        doc = json_document(text)
        end_at = obj_at = -1  # next END / next object start found so far (n: none): never re-scanned
        pos = first
        while pos >= 0:
            body = pos + len(START)
            if end_at < body:
                end_at = text.find(END, body)
                end_at = n if end_at < 0 else end_at
            if obj_at < body:
                match = _OBJECT.search(text, body)
                obj_at = n if match is None else match.start()
            if obj_at >= end_at:  # no object in this block (or none yet)
                pos = text.find(START, body) if end_at < n else -1
                continue
            found = read_call_object(text, doc, obj_at, _KEYS, decide, allowed)
            if found.name is not None:
                calls.append(found)
            if found.end < 0:
                break
            pos = text.find(START, max(found.end, obj_at + 1))
        return first, calls
