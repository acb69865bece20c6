"""gpt-oss (harmony) tool calls: ``commentary`` messages addressed ``to=functions.NAME``.

A message whose recipient starts with ``functions.`` is a call to ``NAME`` with the body as arguments
(JSON unless the header names another content type). The content is not the text before the first call
but the ``final`` channel's text (else the tool-call preamble: ``commentary`` without a recipient), as
in vLLM; ``analysis`` is reasoning and never content. Hence :class:`HarmonyStream`: it forwards final-
channel text as it arrives once a call is certain, since without a call ``parse()`` keeps the whole text.

Calls stream (:meth:`HarmonyParser.partial_calls`): the name once a ``functions.NAME`` message's JSON
body opens with ``{``, the arguments as they are written (:mod:`hermes_parser_openai.arguments`, in the
normalised form vLLM's non-streaming parse gives), the call closed at its ``<|call|>``. So such a call is
kept when the text stops inside it, its arguments closed at their last commit point.
"""

from __future__ import annotations

import re
from typing import Any

from hermes_core.parsing import (
    FunctionCall,
    ParsedCompletion,
    ToolCall,
    ToolCallParser,
    encode_arguments,
    make_call_id,
)
from hermes_core.parsing_partial import PartialCall
from hermes_core.parsing_stream import StreamDelta, ToolCallStream
from hermes_core.parsing_tags import JSON_ERRORS, scan_json
from hermes_parser_openai.arguments import object_arguments
from hermes_parser_openai.harmony import BETWEEN, CHANNEL, START, HarmonyReader, Message

FUNCTIONS = "functions."
_WS = " \t\r\n"
_SPACE = re.compile(r"[ \t\r\n]*").match


def call_name(message: Message) -> str | None:
    """``NAME`` when ``message`` is addressed to ``functions.NAME``."""
    recipient = message.recipient
    if not recipient or not recipient.startswith(FUNCTIONS) or len(recipient) == len(FUNCTIONS):
        return None
    return recipient[len(FUNCTIONS) :]


def _object_start(message: Message, body: str) -> int:
    """Where the JSON object of a call's body opens, or -1 (another content type, or not an object)."""
    kind = message.content_type
    if kind is not None and "json" not in kind:
        return -1
    start = _SPACE(body).end()
    return start if body.startswith("{", start) else -1


def call_arguments(message: Message, name: str | None = None) -> str | None:
    """The JSON arguments if ``message`` is a function call (``name``: its :func:`call_name` when known),
    else ``None``.

    An object body is the arguments whatever follows, cut off or broken (closed at its last commit
    point, as a stream has sent it). Otherwise a closed call always counts (arguments that are not JSON
    are kept as a JSON string, since OpenAI arguments must be JSON); one cut off counts only when its
    body is whole JSON, since the ``<|call|>`` stop token is usually left out of the returned text.
    """
    if name is None and call_name(message) is None:
        return None
    body = message.text
    kind = message.content_type
    if kind is None or "json" in kind:
        start = 0 if body[:1] == "{" else _SPACE(body).end()
        if body.startswith("{", start):
            return object_arguments(body, start)[0]
        try:
            value, end = scan_json(body, start)
        except JSON_ERRORS:
            pass
        else:
            if not body[end:].strip(_WS):
                return encode_arguments(value)
    if not message.closed:
        return None
    return encode_arguments(body)


def content_of(reader: HarmonyReader) -> str | None:
    """Text before the first header, then the final channel's text (else the commentary preamble)."""
    lead = "".join(reader.lead)
    lead = lead.rstrip() if lead.strip() else ""
    messages = reader.messages
    shown = "".join(m.text for m in messages if m.channel == "final")
    if not shown:
        shown = "".join(m.text for m in messages if m.channel == "commentary" and not m.recipient)
    return (lead + shown) or None


class HarmonyParser(ToolCallParser):
    """gpt-oss-20b / gpt-oss-120b harmony output."""

    name = "openai"
    aliases = ("gpt_oss", "gpt-oss", "harmony")
    start_markers = (CHANNEL, START)

    def extract(self, text: str) -> ParsedCompletion | None:
        reader = HarmonyReader()
        reader.feed(text)
        reader.close()
        calls: list[ToolCall] = []
        for message in reader.messages:
            recipient = message.recipient
            if recipient and recipient.startswith(FUNCTIONS) and len(recipient) > len(FUNCTIONS):
                name = recipient[len(FUNCTIONS) :]
                arguments = call_arguments(message, name)
                if arguments is not None:
                    calls.append(ToolCall(make_call_id(), FunctionCall(name, arguments)))
        if not calls:
            return None
        return ParsedCompletion(content=content_of(reader), tool_calls=calls)

    def stream(self, tools: list[dict[str, Any]] | None = None) -> HarmonyStream:
        return HarmonyStream(self.with_tools(tools))

    def partial_calls(self, text: str, pos: int) -> tuple[list[PartialCall], int]:
        """The calls of the messages from ``pos`` on: those that ended, then an open one whose body is a
        JSON object (its certain arguments). ``resume`` is where the last message that ended ends, a
        call or not: the text before it holds nothing more to read."""
        reader = HarmonyReader(offsets=True)
        if pos > 0:
            reader.state = BETWEEN  # ``pos`` is where a message ended
        reader.feed(text[max(pos, 0) :])
        calls: list[PartialCall] = []
        resume = pos
        for message in reader.messages:
            if message.end < 0:  # open: the last message
                name = call_name(message)
                body = message.text
                start = _object_start(message, body) if name is not None else -1
                if start >= 0:
                    calls.append(PartialCall(name, object_arguments(body, start)[1]))
                break
            resume = max(pos, 0) + message.end
            arguments = call_arguments(message)
            if arguments is not None:
                calls.append(PartialCall(call_name(message), arguments, True, resume))
        return calls, resume


class _StreamReader(HarmonyReader):
    """The reader of one stream: final-channel text goes out once a call is certain."""

    def __init__(self) -> None:
        super().__init__()
        self.certain = False
        self.held: list[str] = []
        self.ready: list[str] = []

    def on_body_text(self, message: Message, text: str) -> None:
        if message.channel == "final":
            (self.ready if self.certain else self.held).append(text)

    def on_message_end(self, message: Message) -> None:
        if not self.certain and call_arguments(message) is not None:
            self.certain = True
            self.ready.extend(self.held)
            self.held.clear()


class HarmonyStream(ToolCallStream):
    """Text before the first header goes out as the default stream sends it; final-channel text goes
    out as it arrives once a call is certain (until then ``parse()`` may keep the whole text); the calls
    and the rest come from ``parse()`` at :meth:`finish`."""

    def __init__(self, parser: ToolCallParser) -> None:
        super().__init__(parser)
        self._reader = _StreamReader()

    def feed(self, delta: str) -> list[StreamDelta]:
        out = super().feed(delta)
        if not delta:
            return out
        reader = self._reader
        reader.feed(delta)
        if reader.ready:
            text = "".join(reader.ready)
            reader.ready.clear()
            if text:
                self._sent.append(text)
                out.append(StreamDelta(content=text))
        return out
