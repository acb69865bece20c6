"""gpt-oss (harmony) tool calls: ``commentary`` messages addressed ``to=functions.NAME``.

A message whose recipient starts with ``functions.`` is a call to ``NAME`` with the body as arguments
(JSON unless the header names another content type). The content is not the text before the first call
but the ``final`` channel's text (else the tool-call preamble: ``commentary`` without a recipient), as
in vLLM; ``analysis`` is reasoning and never content. Hence :class:`HarmonyStream`: it forwards final-
channel text as it arrives once a call is certain, since without a call ``parse()`` keeps the whole text.
"""

from __future__ import annotations

from typing import Any

from hermes_core.parsing import (
    FunctionCall,
    ParsedCompletion,
    ToolCall,
    ToolCallParser,
    encode_arguments,
    make_call_id,
)
from hermes_core.parsing_stream import StreamDelta, ToolCallStream
from hermes_core.parsing_tags import JSON_ERRORS, scan_json
from hermes_parser_openai.harmony import CHANNEL, START, HarmonyReader, Message

FUNCTIONS = "functions."
_WS = " \t\r\n"


def call_arguments(message: Message) -> str | None:
    """The JSON arguments if ``message`` is a function call, else ``None``.

    A closed call always counts (arguments that are not JSON are kept as a JSON string, since OpenAI
    arguments must be JSON); one cut off counts only when its body is whole JSON, since the ``<|call|>``
    stop token is usually left out of the returned text.
    """
    recipient = message.recipient
    if not recipient or not recipient.startswith(FUNCTIONS) or len(recipient) == len(FUNCTIONS):
        return None
    body = message.text
    kind = message.content_type
    if kind is None or "json" in kind:
        start = len(body) - len(body.lstrip(_WS))
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
            arguments = call_arguments(message)
            if arguments is not None:
                name = message.recipient[len(FUNCTIONS) :]  # type: ignore[index]
                calls.append(ToolCall(make_call_id(), FunctionCall(name, arguments)))
        if not calls:
            return None
        return ParsedCompletion(content=content_of(reader), tool_calls=calls)

    def stream(self, tools: list[dict[str, Any]] | None = None) -> HarmonyStream:
        return HarmonyStream(self.with_tools(tools))


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
