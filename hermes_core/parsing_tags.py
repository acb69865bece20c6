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

__all__ = [
    "JSON_ERRORS",
    "THINK_END",
    "TaggedJsonParser",
    "calls_from_json",
    "first_marker",
    "json_document",
    "scan_json",
]

THINK_END = "</think>"

_WS = re.compile(r"[ \t\r\n]*")
# The shape nearly every model writes, name first: its arguments can be passed through as written.
_NAME_THEN_ARGUMENTS = re.compile(
    r'\{[ \t\r\n]*"name"[ \t\r\n]*:[ \t\r\n]*"([^"\\]*)"[ \t\r\n]*,[ \t\r\n]*'
    r'"(?:arguments|parameters)"[ \t\r\n]*:[ \t\r\n]*'
)
_OBJECT_END = re.compile(r"[ \t\r\n]*\}")
_NOT_JSON = -2

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

    def extract(self, text: str) -> ParsedCompletion | None:
        start = self.start_tag
        first = first_marker(text, start)
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
            if head is not None:
                end = self._pass_through(text, doc, head, calls)
                if end >= 0:
                    pos = find(start, end)
                    continue
                if end == _NOT_JSON:  # the whole object cannot decode either: skip the second scan
                    if doc is text:
                        doc = json_document(text)
                    pos = find(start, body)
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

    @staticmethod
    def _pass_through(text: str, doc: str, head: re.Match[str], calls: list[ToolCall]) -> int:
        """``{"name": "f", "arguments": {...}}``: the arguments object, checked by decoding it once, is
        kept as the model wrote it instead of being re-encoded (half the cost on long arguments).

        Only where both spell the same JSON value: an object without ``\\u`` escapes (the re-encoding
        would spell ``\\u00e9`` as ``é``) and nothing after it but the closing brace; spacing (and the rare
        ``\\/`` for ``/``) may differ. Returns the block's end, -1 for the general path, or ``_NOT_JSON``
        when the arguments (so the whole block) do not decode.
        """
        name = head.group(1).strip()
        start = head.end()
        if not name or not text.startswith("{", start):
            return -1
        try:
            arguments, end = scan_json(doc, start)
        except JSON_ERRORS:
            return _NOT_JSON
        if text.startswith("}", end):  # the usual ``}}``: no regex needed
            close_end = end + 1
        else:
            close = _OBJECT_END.match(text, end)
            if close is None:
                return -1
            close_end = close.end()
        if type(arguments) is not dict:
            return -1
        if text.find("\\u", start, end) >= 0:
            return -1  # re-encoding spells ``\\u00e9`` as ``é``; ``\\n``, ``\\"``, ``\\\\`` stay as they are
        calls.append(ToolCall(make_call_id(), FunctionCall(name, text[start:end])))
        return close_end

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
