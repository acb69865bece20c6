"""Arguments of the ``call:NAME{key:value,...}`` formats (Gemma 4, FunctionGemma) built as JSON text pair by
pair, so that a stream can send them as the model writes them.

Neither format writes JSON, so the arguments cannot be passed through: each ``key:value`` pair is encoded
once it is complete (``"key": value``, encoded as :func:`~hermes_core.parsing.encode_arguments` encodes a
dict, so a call without a repeated key gives the same text as before). A string value the text stops
inside is sent as it comes (``"key": "partial``, held back only where a delimiter may be starting);
numbers, booleans, nested objects and arrays are held until they end, since ``1`` may become ``12`` and
vLLM's partial readers hold containers too (``test_functiongemma_tool_parser.py::
test_partial_parsing_holds_back_incomplete_values``). Pairs are only ever appended, so what a stream sent
is a prefix of what ``parse()`` gives for any text that follows: a cut-off or broken call keeps its
complete pairs (and its cut-off string), its name is never taken back.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from hermes_core.parsing import (
    FunctionCall,
    ParsedCompletion,
    ToolCall,
    content_before,
    encode_string,
    make_call_id,
)
from hermes_core.parsing_partial import PartialCall, json_object_prefix
from hermes_core.parsing_start import calls_start as first_call

__all__ = [
    "ArgumentsText",
    "calls_start",
    "calls_view",
    "could_be_json",
    "extract_calls",
    "held_suffix",
]

_encode_basestring = json.encoder.encode_basestring  # ensure_ascii=False, as encode_arguments
_encode_other = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": ")).encode


@dataclass(slots=True)
class ArgumentsText:
    """One call's arguments as read so far, as pieces of JSON text: the complete pairs, the string pair
    the text stops inside (as ``parse()`` gives it, and its certain part), and ``end``: where the call's
    text ends (-1 while the text stops inside the call). Joined once, the way the core's encoder joins."""

    pieces: list[str] = field(default_factory=list)
    tail: Sequence[str] = ()  # replaced whole, never changed in place: no list per call
    certain_tail: Sequence[str] = ()
    end: int = -1

    def add(self, key: str, value: Any) -> None:
        """A complete ``key: value`` pair."""
        if self.pieces:
            self.pieces.append(", ")
        encoded = encode_string(value) if type(value) is str else _encode_other(value)
        self.pieces += (_encode_basestring(key), ": ", encoded)

    def open_string(self, key: str, value: str, certain: str | None = None) -> None:
        """The text stops inside the string ``value`` of ``key``; ``certain``: the part of it no later text
        changes (``None``: none, the pair is not sent before the call ends)."""
        separator = ", " if self.pieces else ""
        key = _encode_basestring(key)
        self.tail = [separator, key, ": ", encode_string(value)]
        if certain is not None:
            self.certain_tail = [separator, key, ": ", encode_string(certain)[:-1]]

    def final(self) -> str:
        """The arguments ``parse()`` gives."""
        return "".join(["{", *self.pieces, *self.tail, "}"])

    def certain(self) -> str:
        """The prefix of :meth:`final` that no later text changes (no closing brace)."""
        return "".join(["{", *self.pieces, *self.certain_tail])


def held_suffix(text: str, end: int, markers: tuple[str, ...]) -> int:
    """Length of the longest suffix of ``text[:end]`` that may still become one of ``markers``."""
    for size in range(min(max(map(len, markers)) - 1, end), 0, -1):
        tail = text[end - size : end]
        if any(marker.startswith(tail) for marker in markers):
            return size
    return 0


_JSON_SPACE = " \t\n\r"
_WORDS = ("true", "false", "null", "NaN", "Infinity", "-Infinity")  # what ``json.loads`` reads
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")
_NUMBER_PREFIX = re.compile(r"-?(?:0|[1-9][0-9]*)?(?:\.[0-9]*)?(?:[eE][-+]?[0-9]*)?")


def could_be_json(raw: str) -> bool:
    """Whether some text continuing ``raw`` is a JSON document (FunctionGemma decodes an ``<escape>``
    value that is JSON: ``<escape>42<escape>`` is 42). Errs towards yes: that only holds a value back."""
    body = raw.lstrip(_JSON_SPACE)
    if not body:
        return True
    if body[0] in "[{":
        found = json_object_prefix(body, 0)
        if found.complete:
            return not body[found.end :].strip(_JSON_SPACE)
        return found.end < 0
    if body[0] == '"':  # read as the first item of an array: the same reader, one string
        found = json_object_prefix("[" + body, 0)
        return not found.complete and found.end < 0
    core = body.rstrip(_JSON_SPACE)
    if core != body:  # whitespace after the value: it is complete
        return core in _WORDS or _NUMBER.fullmatch(core) is not None
    return any(word.startswith(core) for word in _WORDS) or _NUMBER_PREFIX.fullmatch(core) is not None


ReadArguments = Callable[[str, int, bool], ArgumentsText]
"""``read(text, start, final)``: the arguments of the call whose ``{`` ends at ``start``; ``final``: the
text is whole (``parse()``), else it may go on (a stream's view: values at the very end are held)."""


def calls_start(text: str, marker: str, name: re.Pattern[str]) -> int:
    """Where the calls begin (:func:`hermes_core.parsing_start.calls_start`): a marker counts once
    ``call:NAME{`` follows it."""
    return first_call(text, (marker,), lambda at: name.match(text, at + len(marker)) is not None)


def extract_calls(text: str, marker: str, name: re.Pattern[str], read: ReadArguments):
    """``parse()`` of ``MARKER call:NAME{...}`` repeated: every call whose name is written is kept."""
    first = calls_start(text, marker, name)
    if first < 0:
        return None
    calls: list[ToolCall] = []
    pos = first
    while pos >= 0:
        body = pos + len(marker)
        match = name.match(text, body)
        if match is None:
            pos = text.find(marker, body)
            continue
        arguments = read(text, match.end(), True)
        calls.append(ToolCall(make_call_id(), FunctionCall(match.group(1), arguments.final())))
        if arguments.end < 0:
            break
        pos = text.find(marker, arguments.end)
    if not calls:
        return None
    return ParsedCompletion(content=content_before(text, first), tool_calls=calls)


def calls_view(text: str, pos: int, marker: str, name: re.Pattern[str], read: ReadArguments):
    """``partial_calls`` for these formats: the calls that ended, then the open one with its certain
    arguments; its name goes out once ``call:NAME{`` is written."""
    if text.rfind("<think>") > text.rfind("</think>"):
        return [], pos  # a call quoted while reasoning is not one: wait for the reasoning to end
    found = calls_start(text, marker, name) if pos < 0 else text.find(marker, pos)
    calls: list[PartialCall] = []
    resume = pos
    while found >= 0:
        body = found + len(marker)
        match = name.match(text, body)
        if match is None:
            following = text.find(marker, body)
            if following < 0:
                break  # the name may still be written
            found = following  # a marker follows, which no name holds: this one is not a call
            continue
        arguments = read(text, match.end(), False)
        if arguments.end < 0:
            calls.append(PartialCall(match.group(1), arguments.certain()))
            break
        calls.append(PartialCall(match.group(1), arguments.final(), True, arguments.end))
        resume = arguments.end
        found = text.find(marker, resume)
    return calls, resume
