"""An incremental reader of gpt-oss harmony text: messages, their headers and bodies.

A gpt-oss completion (the prompt ends with ``<|start|>assistant``) reads::

    <|channel|>analysis<|message|>The user wants the weather.<|end|>
    <|start|>assistant<|channel|>commentary to=functions.get_weather <|constrain|>json<|message|>
    {"city": "Tokyo"}<|call|>

and an answer turn ends with ``<|start|>assistant<|channel|>final<|message|>It is sunny.<|return|>``. The
recipient may also sit in the role part (``<|start|>assistant to=functions.f<|channel|>commentary json``).

vLLM reads the token ids with ``openai_harmony``; hermes sees text, so the special tokens are matched as
strings. One reader serves both ``parse()`` (all text at once) and streaming (text as it comes): the
two cannot disagree. Each piece of text is looked at once (a partial token at the end waits for the next
piece), so the cost is linear in the input.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

START = "<|start|>"
CHANNEL = "<|channel|>"
CONSTRAIN = "<|constrain|>"
MESSAGE = "<|message|>"
END = "<|end|>"
CALL = "<|call|>"
RETURN = "<|return|>"
TOKENS = (START, CHANNEL, CONSTRAIN, MESSAGE, END, CALL, RETURN)
CLOSERS = frozenset((END, CALL, RETURN))
_TOKEN_PREFIXES = frozenset(t[:i] for t in TOKENS for i in range(2, len(t)))
_TOKEN_SPLIT = re.compile("(" + "|".join(re.escape(t) for t in TOKENS) + ")").split
_LONGEST = max(len(t) for t in TOKENS)

LEAD, HEADER, BODY, BETWEEN = "lead", "header", "body", "between"


@dataclass(slots=True)
class Message:
    """One harmony message as written: header fields and the body text."""

    channel: str
    recipient: str | None
    content_type: str | None
    body: list[str] = field(default_factory=list)
    closed: bool = False
    """Ended by ``<|end|>``, ``<|call|>`` or ``<|return|>`` (not cut off or run into the next header)."""
    end: int = -1
    """Where the message's text ends in what was fed (after its closing token, or where the next header
    begins); -1 while it is open."""

    @property
    def text(self) -> str:
        return "".join(self.body)


def parse_header(header: str) -> tuple[str, str | None, str | None]:
    """``(channel, recipient, content_type)`` of a header such as
    ``assistant<|channel|>commentary to=functions.f <|constrain|>json``."""
    role, _, rest = header.partition(CHANNEL)
    channel_part, constrained, constraint = rest.partition(CONSTRAIN)
    words = channel_part.split()
    channel = words[0] if words else ""
    recipient = content_type = None
    constraint_words = constraint.split()
    if constrained and constraint_words and not constraint_words[0].startswith("to="):
        content_type = constraint_words.pop(0)
    for word in role.split()[1:] + words[1:] + constraint_words:
        if word.startswith("to="):
            recipient = recipient or word[3:]
        elif content_type is None:
            content_type = word
    return channel, recipient, content_type


# A completion's headers are a few strings seen again and again (channels, tool names): read each once.
_known_header = lru_cache(maxsize=512)(parse_header)
_CACHED_HEADER = 256  # longer headers (garbage before a <|message|>) are read and not kept


class HarmonyReader:
    """Feed text; read ``lead`` (text before the first header), ``messages`` and their events.

    Subclasses (the stream) hook :meth:`on_body_text` and :meth:`on_message_end`. ``offsets``: count where
    each message ends (``Message.end``), which a stream's view of the calls needs and ``parse()`` does not.
    """

    def __init__(self, offsets: bool = False) -> None:
        self.offsets = offsets
        self.lead: list[str] = []
        self.messages: list[Message] = []
        self.state = LEAD
        self._header: list[str] = []
        self._pending = ""  # a possible token cut by the end of the last piece
        self._at = 0  # where the piece or token being read begins in what was fed

    @property
    def current(self) -> Message | None:
        return self.messages[-1] if self.state == BODY else None

    def feed(self, text: str, final: bool = False) -> None:
        buf = self._pending + text if self._pending else text
        self._pending = ""
        # [text, token, text, token, ..., text]: one C-level pass over the piece
        parts = _TOKEN_SPLIT(buf)
        last = parts.pop()
        on_text, on_token = self._text, self._token
        if self.offsets:
            self._read_counting(parts)
        else:  # parse(): the same loop without the counting (the hot path)
            for i in range(0, len(parts), 2):
                if parts[i]:
                    on_text(parts[i])
                on_token(parts[i + 1])
        if last and not final:  # a token cut by the end of this piece waits for the next one
            cut = last.rfind("<", max(0, len(last) - _LONGEST + 1))
            if cut >= 0 and (cut == len(last) - 1 or last[cut:] in _TOKEN_PREFIXES):
                self._pending = last[cut:]
                last = last[:cut]
        if last:
            on_text(last)
            self._at += len(last)

    def _read_counting(self, parts: list[str]) -> None:
        at = self._at
        for i in range(0, len(parts), 2):
            if parts[i]:
                self._text(parts[i])
                at += len(parts[i])
            self._at = at
            self._token(parts[i + 1])
            at += len(parts[i + 1])
        self._at = at

    def close(self) -> None:
        """End of text: a partial token left over is text; an open message stays open (not closed)."""
        if self._pending:
            self.feed("", final=True)

    # -- events -------------------------------------------------------------------------------------

    def on_body_text(self, message: Message, text: str) -> None:
        """Text added to ``message``'s body."""

    def on_message_end(self, message: Message) -> None:
        """``message`` will get no more text (closed by a token or run into the next header)."""

    # -- the state machine --------------------------------------------------------------------------

    def _text(self, text: str) -> None:
        state = self.state
        if state == BODY:
            message = self.messages[-1]
            message.body.append(text)
            self.on_body_text(message, text)
        elif state == HEADER:
            self._header.append(text)
        elif state == LEAD:
            self.lead.append(text)

    def _token(self, token: str) -> None:
        state = self.state
        if token in (START, CHANNEL):
            if state in (LEAD, BETWEEN, BODY):
                if state == BODY:
                    self.messages[-1].end = self._at
                    self.on_message_end(self.messages[-1])
                self.state = HEADER
                self._header = [] if token == START else [CHANNEL]
            else:  # a header: START restarts it, CHANNEL is part of it
                if token == START:
                    self._header = []
                else:
                    self._header.append(CHANNEL)
        elif token == MESSAGE:
            if state == HEADER:
                header = "".join(self._header)
                channel, recipient, content_type = (
                    _known_header(header) if len(header) <= _CACHED_HEADER else parse_header(header)
                )
                self.messages.append(Message(channel, recipient, content_type))
                self.state = BODY
            else:
                self._text(token)
        elif token in CLOSERS:
            if state == BODY:
                message = self.messages[-1]
                message.closed = True
                message.end = self._at + len(token)
                self.state = BETWEEN
                self.on_message_end(message)
            elif state == HEADER:
                self.state = BETWEEN  # a header without a body: dropped
            else:
                self._text(token)
        elif state == HEADER:  # CONSTRAIN
            self._header.append(token)
        else:
            self._text(token)
