"""Shared scanning for formats that wrap one JSON object per call in a pair of tags.

hermes (``<tool_call>``), Qwen2.5/Qwen3 (the same tags) and LongCat (``<longcat_tool_call>``) differ only in
the tag strings, so a parser for any of them is a :class:`TaggedJsonParser` subclass that sets
``start_tag`` / ``end_tag``. The scan is ``str.find`` plus ``JSONDecoder.raw_decode`` on the original
string: no regex, no slicing of the completion, and a ``</tool_call>`` *inside* a JSON string argument
does not cut the call short (as it does for the references' ``<tool_call>(.*?)</tool_call>`` regex).
"""

from __future__ import annotations

import json
import re
from typing import Any, ClassVar

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
from hermes_core.parsing_start import THINK_END, calls_start

__all__ = [
    "JSON_ERRORS",
    "THINK_END",
    "HermesParser",
    "TaggedJsonParser",
    "calls_from_json",
    "head_arguments",
    "first_marker",
    "json_document",
    "scan_json",
]

_WS = re.compile(r"[ \t\r\n]*")
# The shape nearly every model writes, name first: its arguments can be passed through as written.
_NAME_THEN_ARGUMENTS = re.compile(
    r'\{[ \t\r\n]*"name"[ \t\r\n]*:[ \t\r\n]*"([^"\\]*)"[ \t\r\n]*,[ \t\r\n]*'
    r'"(?:arguments|parameters)"[ \t\r\n]*:[ \t\r\n]*'
)

# ``JSONDecoder.raw_decode(s, idx)`` is a Python wrapper around ``scan_once(s, idx)`` that turns the
# ``StopIteration`` of "no value starts here" into a ``JSONDecodeError``; parsers on the hot path call the
# scanner directly and catch ``JSON_ERRORS``. Same values, same end index.
scan_json = json.JSONDecoder().scan_once
JSON_ERRORS = (StopIteration, ValueError, RecursionError)


class _ScanDocument(str):
    """The completion as handed to ``scan_json``, so that a failed scan costs O(1).

    ``json.JSONDecodeError`` finds the line and column of an error by counting newlines from the start of
    the document (``doc.count`` / ``doc.rfind``), so every failed scan deep into a long completion reads
    everything before it: 40,000 failed blocks in 500 KB cost 16 s. This copy answers those two calls at
    once (errors report line 1); give it to the scanner only, never to your own ``find``/``rfind``.
    """

    __slots__ = ()

    def count(self, *args: Any) -> int:
        return 0

    def rfind(self, *args: Any) -> int:
        return -1


_LONG_DOCUMENT = 4096  # below this, an error's newline count is cheaper than the copy


def json_document(text: str) -> str:
    """``text`` ready for ``scan_json(doc, index)`` at many indexes: linear however many scans fail."""
    return _ScanDocument(text) if len(text) > _LONG_DOCUMENT else text


def first_marker(text: str, marker: str) -> int:
    """Index of the first ``marker`` that is not inside the reasoning, or -1.

    A model may quote the call syntax while thinking; when a marker also follows the last ``</think>``
    the ones before it are reasoning, not calls. (Qwen3-Thinking completions carry only the closing
    tag: the opening one sits in the prompt.) With no marker after ``</think>`` the whole text counts.
    """
    think_end = text.rfind(THINK_END)
    if think_end >= 0:
        index = text.find(marker, think_end + len(THINK_END))
        if index >= 0:
            return index
    return text.find(marker)


def calls_from_json(obj: Any, out: list[ToolCall]) -> None:
    """Append the call(s) in a decoded ``{"name": ..., "arguments": ...}`` (or a list of them) to ``out``.

    ``parameters`` is accepted for ``arguments`` (Llama-style models trained on hermes data write it);
    objects without a non-empty string ``name`` are not calls and are skipped.
    """
    if type(obj) is list:
        for item in obj:
            if type(item) is dict:
                calls_from_json(item, out)
        return
    if type(obj) is not dict:
        return
    name = obj.get("name")
    if type(name) is not str or not name.strip():
        return
    arguments = obj.get("arguments")
    if arguments is None:
        arguments = obj.get("parameters")
    out.append(ToolCall(make_call_id(), FunctionCall(name.strip(), encode_arguments(arguments))))


def head_arguments(text: str, doc: str, start: int, limit: int = -1) -> tuple[str, str, int, bool]:
    """The arguments object opening at ``text[start]`` once the name is known: ``(arguments, closure,
    end, ended)``.

    Kept as the model wrote it (decoded once to check it, never re-encoded: the streamed pieces are the
    model's text, and long arguments cost one scan). When it stops early (cut off, or a bad token) the
    call keeps its arguments up to the last commit point, closed (``closure``): what a stream has sent by
    then (:mod:`hermes_core.parsing_partial`). ``end`` is where the next call may begin; ``ended`` is
    false only when the text stopped inside the object.

    ``limit``: where the call's end marker is, when known. A completion holding characters beyond
    Latin-1 (DeepSeek's full-width bars, Kimi's markers next to CJK content) is a 2-byte string that the
    JSON scanner reads about 1.5x slower than the 1-byte copy a slice of ASCII arguments gives; the
    object that ends before ``limit`` is read from ``text[start:limit]`` (same characters, same end).
    """
    if limit > start:
        piece = text[start:limit]
        try:
            value, end = scan_json(piece, 0)
        except JSON_ERRORS:
            value = None
        if type(value) is dict:
            return (piece if end == len(piece) else piece[:end]), "", start + end, True
    try:
        value, end = scan_json(doc, start)
    except JSON_ERRORS:
        value = None
    if type(value) is dict:
        return text[start:end], "", end, True
    found = json_object_prefix(text, start)
    if found.complete or found.end >= 0:
        return text[start : found.commit], found.closure, max(found.end, found.commit), True
    return text[start : found.commit], found.closure, len(text), False


def _holds_call(text: str, doc: str, body: int) -> bool:
    """Whether the block at ``text[body]`` is whole JSON holding a call (any shape); ``doc``: the
    :func:`json_document` of ``text``."""
    if text.startswith("{'", body) or not text.startswith(("{", "["), body):
        return False
    try:
        obj, _ = scan_json(doc, body)
    except JSON_ERRORS:
        return False
    found: list[ToolCall] = []
    calls_from_json(obj, found)
    return bool(found)


class TaggedJsonParser(ToolCallParser):
    """``START{json}END`` repeated. Blocks that do not hold a call are skipped, not fatal.

    The closing tag is optional: each block is decoded from just after its start tag, so an unclosed
    final block whose JSON is complete counts, and trailing junk before the closing tag (a stray
    ``}``) does not lose the call.
    """

    start_tag: ClassVar[str] = "<tool_call>"
    end_tag: ClassVar[str] = "</tool_call>"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "start_markers" not in cls.__dict__:
            cls.start_markers = (cls.start_tag,)

    def calls_start(self, text: str) -> int:
        """Where the calls begin (:func:`hermes_core.parsing_start.calls_start`): a start tag counts once
        a call begins in its block (``{"name": ..., "arguments": {``, or a whole call in another shape)."""
        start = self.start_tag
        if len(text) < 4096 and "think>" not in text:  # the common case, without a call of overhead
            return text.find(start)
        doc: list[str] = []  # made once, and only when a block needs a scan

        def begins_call(found: int) -> bool:
            body = _WS.match(text, found + len(start)).end()
            head = _NAME_THEN_ARGUMENTS.match(text, body)
            if head is not None and head.group(1).strip() and text.startswith("{", head.end()):
                return True
            if not doc:
                doc.append(json_document(text))
            return _holds_call(text, doc[0], body)

        return calls_start(text, (start,), begins_call)

    def extract(self, text: str) -> ParsedCompletion | None:
        start = self.start_tag
        first = self.calls_start(text)
        if first < 0:
            return None
        step = len(start)
        ws_match = _WS.match
        calls: list[ToolCall] = []
        pos = first
        scan = scan_json
        find = text.find
        doc = text  # becomes a json_document at the first failed scan (valid completions never pay the copy)
        end_at = -2  # the next end tag at or after the current block (-2: not looked for yet)
        while pos >= 0:
            body = ws_match(text, pos + step).end()
            if text.startswith("{'", body):  # a Python dict, never JSON: no scan (nor its error) needed
                if end_at != -1 and end_at < body:
                    end_at = find(self.end_tag, body)
                pos = find(start, body)
                # only a block closed before the next one opens: each character is evaluated once at most
                if end_at >= 0 and (pos < 0 or end_at < pos):
                    self._python_literal_block(text[body:end_at], calls)
                continue
            head = _NAME_THEN_ARGUMENTS.match(text, body)
            if head is not None and text.startswith("{", head.end()) and head.group(1).strip():
                arguments, closure, end, _ = head_arguments(text, doc, head.end())
                if closure and doc is text:  # a failed scan: later ones must not count lines
                    doc = json_document(text)
                name = head.group(1).strip()
                calls.append(ToolCall(make_call_id(), FunctionCall(name, arguments + closure)))
                pos = find(start, end)
                continue
            try:
                obj, pos = scan(doc, body)
            except JSON_ERRORS:  # not JSON (or absurdly nested)
                pos = body
                if doc is text:
                    doc = json_document(text)
            else:
                calls_from_json(obj, calls)
            pos = find(start, pos)
        if not calls:
            return None
        return ParsedCompletion(content=content_before(text, first), tool_calls=calls)

    def partial_calls(self, text: str, pos: int) -> tuple[list[PartialCall], int] | None:
        """Stream ``{"name": ..., "arguments": {`` blocks as written (see :func:`head_arguments`); any
        other block (a Python dict, arguments first, string arguments) stops the view until the end."""
        start = self.start_tag
        resume = pos
        pos = self.calls_start(text) if pos < 0 else text.find(start, pos)
        calls: list[PartialCall] = []
        doc = json_document(text)
        first = resume < 0
        while pos >= 0:
            if calls or resume >= 0:
                first = False
            body = _WS.match(text, pos + len(start)).end()
            head = _NAME_THEN_ARGUMENTS.match(text, body)
            name = head.group(1).strip() if head is not None else ""
            if not name or not text.startswith("{", head.end()):
                if text.startswith("{'", body) or not text.startswith(("{", "["), body):
                    break  # a Python dict, or not JSON: read at the end
                found = json_object_prefix(text, body)
                if not found.complete and found.end < 0:
                    break  # not complete yet
                try:
                    obj, end = scan_json(doc, body)
                except JSON_ERRORS:  # skipped by parse() as well
                    obj, end = None, body
                whole: list[ToolCall] = []
                calls_from_json(obj, whole)
                if not whole and first:
                    break  # no call: a later ``</think>`` may move the start past it (calls_start)
                calls.extend(PartialCall(c.function.name, c.function.arguments, True, end) for c in whole)
                resume, pos = end, text.find(start, end)
                continue
            arguments, closure, end, closed = head_arguments(text, doc, head.end())
            if not closed:
                calls.append(PartialCall(name, arguments))
                break
            calls.append(PartialCall(name, arguments + closure, True, end))
            resume, pos = end, text.find(start, end)
        return calls, resume

    @staticmethod
    def _python_literal_block(block: str, calls: list[ToolCall]) -> None:
        """Hermes 2 Pro sometimes writes the call as a Python dict (``{'name': ...}``).

        NousResearch's own reference parser falls back to ``ast.literal_eval`` for it; vLLM drops it.
        """
        import ast

        try:
            obj = ast.literal_eval(block.strip())
            found: list[ToolCall] = []
            calls_from_json(obj, found)
        except Exception:  # not a literal, or not JSON-encodable (sets, bytes): not a call
            return
        calls.extend(found)


class HermesParser(TaggedJsonParser):
    """The hermes format (NousResearch Hermes 2 Pro / 3, and every model trained on its data)::

        <tool_call>
        {"name": "get_weather", "arguments": {"city": "Paris"}}
        </tool_call>

    One class for every family that writes it: Qwen2.5 / Qwen3 (``qwen``) and ERNIE-4.5 (``ernie45``)
    register this class under their own names, so no family depends on another's distribution.
    """

    name = "hermes"
    aliases = ("hermes2_pro",)
