"""MuseGlimmer (``muse_glimmer``): ATEM XML calls inside messages addressed to a tool::

     to=self<|message|>...reasoning...<|eom|>
    <|start|>assistant to=weather.get<|message|><atem:function_calls>
    <atem:invoke name="weather.get"><atem:parameter name="city">Paris</atem:parameter></atem:invoke>
    </atem:function_calls><|eom|>
    <|start|>assistant to=user<|message|>...final answer...<|eot|>

As vLLM's ``MuseGlimmerToolParser``: the output is cut into messages (a header ``[<|start|>assistant]
[to=NAME]<|message|>``, a body ending at ``<|eom|>``/``<|eot|>`` or the next header); only messages to a
tool (not ``self``, not ``user``) hold calls, so an invoke echoed in reasoning or in the answer is not a
call; with no header at all, ATEM markup anywhere counts. A parameter value is JSON-decoded when it is
JSON, else kept as written. The content is the ``to=user`` and untagged bodies.

Streaming: in a message to a tool, an invoke's name goes out once its tag closes and each parameter
once its ``</atem:parameter>`` is in, so an invoke cut off (by the end of the text, or a message ended
without ``</atem:invoke>``) keeps its complete parameters, the cut-off one left out (vLLM's suite has
no test of this format). Markup with no header yet is read at the end: a later header would void it.
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
    encode_argument_pairs,
    make_call_id,
)
from hermes_core.parsing_partial import open_calls_view

MESSAGE = "<|message|>"
START = "<|start|>"
ENDS = ("<|eom|>", "<|eot|>")
INVOKE = "<atem:invoke"
INVOKE_END = "</atem:invoke>"
PARAMETER = "<atem:parameter"
PARAMETER_END = "</atem:parameter>"
FUNCTION_CALLS = "<atem:function_calls>"
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")
_NAME_ATTRIBUTE = re.compile(r'\bname="([^"<>]+)"')
_JSON_START = frozenset('{["-0123456789tfn')
_HIDDEN = ("self", "user")


def _header(text: str, message: int) -> tuple[int, str | None]:
    """Where the header ending at ``<|message|>`` (index ``message``) starts, and its recipient."""
    pos = message
    while pos > 0 and text[pos - 1] in _NAME_CHARS:
        pos -= 1
    recipient = None
    if text.startswith("to=", pos - 3) and pos < message:
        recipient, pos = text[pos:message], pos - 3
    else:  # a word before a bare ``<|message|>`` is text (a stream forwarded it), not a recipient
        pos = message
    while pos > 0 and text[pos - 1] in " \t":
        pos -= 1
    if text.endswith("assistant", 0, pos):
        head = pos - len("assistant")
        while head > 0 and text[head - 1].isspace():
            head -= 1
        if text.endswith(START, 0, head):
            pos = head - len(START)
    return pos, recipient


def _messages(text: str) -> list[tuple[int, str | None, int, int]]:
    """``(header start, recipient, body start, body end)`` for every message, in one left-to-right pass."""
    found: list[tuple[int, str | None, int]] = []
    message = text.find(MESSAGE)
    while message >= 0:
        start, recipient = _header(text, message)
        found.append((start, recipient, message + len(MESSAGE)))
        message = text.find(MESSAGE, message + len(MESSAGE))
    out = []
    for i, (start, recipient, body) in enumerate(found):
        limit = found[i + 1][0] if i + 1 < len(found) else len(text)
        limit = max(limit, body)
        end = min([e for e in (text.find(t, body, limit) for t in (*ENDS, START)) if e >= 0] or [limit])
        out.append((start, recipient, body, end))
    return out


def _value(raw: str) -> Any:
    stripped = raw.strip()
    if stripped[:1] in _JSON_START:
        try:
            return json.loads(stripped)
        except (ValueError, RecursionError):
            pass
    return raw


def _invokes(text: str, pos: int, end: int, calls: list[ToolCall], starts: list[int]) -> None:
    """The invokes in ``text[pos:end]``; one without ``</atem:invoke>`` keeps its complete parameters."""
    find = text.find
    pos = find(INVOKE, pos, end)
    while pos >= 0:
        close = find(INVOKE_END, pos, end)
        stop = end if close < 0 else close
        tag_end = find(">", pos, stop)
        if tag_end < 0:
            return  # cut off inside the tag: no invoke yet
        named = _NAME_ATTRIBUTE.search(text, pos, tag_end)
        if named is not None:
            arguments: list[tuple[str, Any]] = []  # every pair in order (a key written twice: both)
            param = find(PARAMETER, tag_end, stop)
            while param >= 0:
                param_tag_end = find(">", param, stop)
                value_end = find(PARAMETER_END, param, stop)
                if param_tag_end < 0 or value_end < param_tag_end:
                    break
                key = _NAME_ATTRIBUTE.search(text, param, param_tag_end)
                if key is not None:
                    arguments.append((key.group(1), _value(text[param_tag_end + 1 : value_end])))
                param = find(PARAMETER, value_end + len(PARAMETER_END), stop)
            calls.append(
                ToolCall(make_call_id(), FunctionCall(named.group(1), encode_argument_pairs(arguments)))
            )
            starts.append(pos)
        if close < 0:
            return
        pos = find(INVOKE, close + len(INVOKE_END), end)


class MuseGlimmerParser(ToolCallParser):
    """``<atem:invoke name=N><atem:parameter name=K>V</atem:parameter></atem:invoke>`` to a tool."""

    name = "muse_glimmer"
    start_markers = (MESSAGE, START, "to=", FUNCTION_CALLS, INVOKE)

    def partial_calls(self, text: str, pos: int):
        """``parse()`` of a cut-off text keeps the open invoke with its complete parameters: the certain
        view, once a message header is in."""
        return open_calls_view(text, pos, lambda whole: self._read_with_starts(whole, pos))

    def _read_with_starts(self, text: str, resume: int) -> tuple[ParsedCompletion | None, list[int]]:
        starts: list[int] = []
        if MESSAGE not in text:
            return None, starts  # markup with no header yet: a later header would void it
        return self.extract(text, starts, resume), starts

    def extract(
        self, text: str, starts: list[int] | None = None, resume: int = -1
    ) -> ParsedCompletion | None:
        """``resume`` (streaming): the start of the last invoke an earlier read found, the calls before
        it ended: its message is read on from there, so that each invoke is read once."""
        if INVOKE not in text:
            return None
        starts = [] if starts is None else starts
        messages = _messages(text)
        calls: list[ToolCall] = []
        if not messages:  # no framing reached us: scan everything, as vLLM does
            _invokes(text, 0, len(text), calls, starts)
            first = min(i for i in (text.find(FUNCTION_CALLS), text.find(INVOKE)) if i >= 0)
            return ParsedCompletion(content=content_before(text, first), tool_calls=calls) if calls else None
        for _, recipient, body, end in messages:
            if recipient is not None and recipient not in _HIDDEN and end >= resume:
                _invokes(text, max(body, resume), end, calls, starts)
        if not calls:
            return None
        visible = [text[body:end] for _, recipient, body, end in messages if recipient in (None, "user")]
        content = (content_before(text, messages[0][0]) or "") + "".join(visible)
        return ParsedCompletion(content=content if content.strip() else None, tool_calls=calls)
