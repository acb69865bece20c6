"""The tool-call parser contract and the helpers every parser plugin shares.

A parser turns the raw text of an open model's completion into OpenAI-shaped tool calls. The types here
mirror ``openai.types.chat.ChatCompletionMessageToolCall`` attribute for attribute (``id``, ``type``,
``function.name``, ``function.arguments``) but are plain slotted dataclasses: importing ``openai`` costs
~0.3 s and building its pydantic models costs more than parsing a short completion, and parsers run in
RL rollout hot paths. ``ToolCall.to_openai()`` gives the real ``openai`` object when one is wanted.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, ClassVar

from hermes_core.call_ids import make_call_id

__all__ = [
    "FunctionCall",
    "ParsedCompletion",
    "ToolCall",
    "ToolCallParser",
    "closed_calls_view",
    "content_before",
    "encode_argument_pairs",
    "encode_arguments",
    "make_call_id",
    "schema_properties",
]


@dataclass(slots=True)
class FunctionCall:
    name: str
    arguments: str
    """A JSON-encoded object, as in OpenAI's API."""


@dataclass(slots=True)
class ToolCall:
    id: str
    function: FunctionCall
    type: str = "function"

    def model_dump(self) -> dict[str, Any]:
        """The OpenAI wire shape (same method name as the ``openai`` pydantic types)."""
        return {
            "id": self.id,
            "type": self.type,
            "function": {"name": self.function.name, "arguments": self.function.arguments},
        }

    def to_openai(self):
        from openai.types.chat import ChatCompletionMessageToolCall

        return ChatCompletionMessageToolCall.model_validate(self.model_dump())


@dataclass(slots=True)
class ParsedCompletion:
    content: str | None
    tool_calls: list[ToolCall] = field(default_factory=list)

    def model_dump(self) -> dict[str, Any]:
        return {"content": self.content, "tool_calls": [c.model_dump() for c in self.tool_calls]}

    def as_assistant_message(self) -> dict[str, Any]:
        """The OpenAI assistant message for this parse: ``content``, and ``tool_calls`` when there are any
        (the agent loop, serve's rewrite and the environments' managed server all answer with it)."""
        message: dict[str, Any] = {"role": "assistant", "content": self.content}
        if self.tool_calls:
            message["tool_calls"] = [call.model_dump() for call in self.tool_calls]
        return message

    def finish_reason(self, ended: str | None = None) -> str:
        """``"tool_calls"`` when calls were found (as vLLM's tool parsing answers), else how the model
        ended (``ended``: ``"length"``...) or ``"stop"``."""
        return "tool_calls" if self.tool_calls else (ended or "stop")


_encoder = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": "))
_dumps = _encoder.encode
_loads = json.loads
if json.encoder.c_make_encoder is not None:
    # ``JSONEncoder.encode`` builds a C encoder on every call (~1 us, more than encoding a small dict);
    # build it once. Arguments come from JSON or literals, which cannot hold reference cycles.
    _encode_dict = json.encoder.c_make_encoder(
        None, _encoder.default, json.encoder.encode_basestring, None, ": ", ", ", False, False, True
    )
else:  # pragma: no cover - CPython always has the C encoder

    def _encode_dict(obj: Any, _indent_level: int = 0) -> tuple[str]:
        return (_dumps(obj),)


def encode_arguments(arguments: Any) -> str:
    """Encode tool-call arguments once, as a JSON object string.

    - ``None`` (missing) becomes ``"{}"``;
    - an object is encoded with ``ensure_ascii=False``;
    - a string the model already JSON-encoded is decoded once and re-encoded, never double-encoded;
    - a string that is not JSON is encoded as a JSON string (what vLLM's ``json.dumps`` gives), so the
      result is always a JSON document.
    """
    if type(arguments) is dict:  # the common case first: parsers call this once per tool call
        return "".join(_encode_dict(arguments, 0))
    if arguments is None:
        return "{}"
    if isinstance(arguments, str):
        stripped = arguments.strip()
        if not stripped:
            return "{}"
        try:
            decoded = _loads(stripped)
        except ValueError:
            return _dumps(arguments)
        return _dumps(decoded)
    return _dumps(arguments)


LONG_TEXT = 512
"""From about this many characters a string costs less to check for escapes than to escape."""
# what JSON escapes in a string (ensure_ascii=False): the quote, the backslash, the control characters
_MUST_ESCAPE = tuple(dict.fromkeys(('"', "\\", "\n", "\t", "\r", *map(chr, range(32)))))


def encode_string(value: str) -> str:
    """``value`` as a JSON string, as :func:`encode_arguments` writes it. A long value that needs no
    escape is only quoted: one memchr-fast ``in`` per escaped character beats the C encoder's
    per-character passes (20 KB: ~10 us against ~110 us here)."""
    if len(value) >= LONG_TEXT:
        for char in _MUST_ESCAPE:
            if char in value:
                break
        else:
            return '"' + value + '"'
    return json.encoder.encode_basestring(value)


_encode_long_dict = (
    json.encoder.c_make_encoder(None, _encoder.default, encode_string, None, ": ", ", ", False, False, True)
    if json.encoder.c_make_encoder is not None
    else None
)


def encode_long_arguments(arguments: dict[str, Any]) -> str:
    """:func:`encode_arguments` of a parsed dict, faster for a long call (a call's text over
    :data:`LONG_TEXT`): its long strings, mostly free of escapes, are not escaped character by character
    (20 KB: ~40 us less here). The same text, byte for byte; short calls are cheaper with the plain one."""
    if _encode_long_dict is None:  # pragma: no cover - CPython always has the C encoder
        return encode_arguments(arguments)
    return "".join(_encode_long_dict(arguments, 0))


def encode_argument_pairs(pairs: list[tuple[str, Any]]) -> str:
    """The ``(key, value)`` pairs a key/value parser read, in order, as one JSON object text.

    Without a repeated key it is ``encode_arguments`` of their dict. A key the model wrote twice keeps
    both places: decoded, it is the dict a parser builds (the first place, the last value: vLLM's), and a
    stream that sent the first value never has to take it back: parameters are only ever appended.
    Parsers append pairs to a plain list (a C call each, cheaper than any accumulator object) and call this
    once per call.
    """
    values = dict(pairs)
    if len(values) == len(pairs):
        return "".join(_encode_dict(values, 0))
    return "{" + ", ".join(encode_arguments({key: value})[1:-1] for key, value in pairs) + "}"


def content_before(text: str, index: int) -> str | None:
    """The text before the first start marker, or ``None`` when nothing but whitespace.

    Only trailing whitespace is dropped: leading text is kept as the model wrote it, so a stream can
    forward content before it knows whether a call follows (see :mod:`hermes_core.parsing_stream`).
    """
    content = text[:index].rstrip()
    return content if content.strip() else None


class ToolCallParser:
    """Base class for parser plugins.

    Subclasses set ``name`` (canonical snake_case), optionally ``aliases`` and ``start_markers`` (strings
    whose presence suggests the format; used for the fast no-call path and by the ``auto`` parser), and
    implement :meth:`extract`. :meth:`parse` wraps it so that a parser never raises: malformed output
    becomes content. Parsers hold no per-call state, so one instance is safe to share between threads.

    ``tools`` (OpenAI ``tools=`` definitions) is optional, given to the constructor or per call
    (``parse(text, tools=...)``); formats whose arguments are untyped text (qwen3_coder, glm, DSML, ...)
    use it to type values by the tool's JSON schema, and formats that check call names check them only
    when tools are given.

    :meth:`stream` returns a fresh :class:`~hermes_core.parsing_stream.ToolCallStream` for one
    completion: feed it text deltas, get OpenAI-style deltas whose sum equals :meth:`parse` of the whole
    text. The default stream works for every parser from ``start_markers`` alone; a format can return a
    finer one (arguments streamed as they arrive) by overriding :meth:`stream`.
    """

    name: ClassVar[str] = ""
    aliases: ClassVar[tuple[str, ...]] = ()
    start_markers: ClassVar[tuple[str, ...]] = ()
    call_end_markers: ClassVar[tuple[str, ...]] = ()
    """Strings that end a call for good: the default :meth:`partial_calls` sends each call whole once
    its end marker arrives (a format sets this only where no later text can change a call that ended)."""

    def __init__(self, tools: list[dict[str, Any]] | None = None) -> None:
        self.tools = tools or []

    def with_tools(self, tools: list[dict[str, Any]] | None) -> ToolCallParser:
        """This parser for a request's ``tools`` (a new instance: the shared one is never mutated)."""
        if tools is None or tools is self.tools:
            return self
        return type(self)(tools=tools)

    def stream(self, tools: list[dict[str, Any]] | None = None):
        """A new incremental parse of one completion (see :mod:`hermes_core.parsing_stream`)."""
        from hermes_core.parsing_stream import ToolCallStream

        return ToolCallStream(self.with_tools(tools))

    def parse(self, text: str, tools: list[dict[str, Any]] | None = None) -> ParsedCompletion:
        if tools is not None and tools is not self.tools:
            return self.with_tools(tools).parse(text)
        if type(text) is not str:
            text = "" if text is None else str(text)
        markers = self.start_markers
        if markers:  # most turns of a rollout carry no call: a plain loop, cheaper than any() here
            for marker in markers:
                if marker in text:
                    break
            else:
                return ParsedCompletion(content=text)
        try:
            parsed = self.extract(text)
        except Exception:  # the contract: never raise, keep the text
            return ParsedCompletion(content=text)
        if parsed is None or not parsed.tool_calls:
            return ParsedCompletion(content=text)
        return parsed

    def extract(self, text: str) -> ParsedCompletion | None:
        """Find the calls in ``text``; return ``None`` (or no calls) when there are none."""
        raise NotImplementedError

    def partial_calls(self, text: str, pos: int) -> tuple[list[Any], int] | None:
        """The calls in ``text`` (a completion not finished yet) as far as they are certain, for streaming.

        Returns ``(calls, resume)``: :class:`~hermes_core.parsing_partial.PartialCall` objects for the
        calls from ``pos`` on (``pos`` -1: from the first one), those that ended first and at most one
        open call last, and ``resume``: ``pos`` for the next read (where the last call that ended ends;
        -1 while no call is certain). The contract: for ANY text that continues ``text``, ``parse()``
        gives these calls in this order, with these names, with arguments that start with the ones
        given (a call that ended: exactly them). ``None`` (the default): the format does not stream;
        its calls are sent when the text ends.
        """
        ends = self.call_end_markers
        if not ends:
            return None
        return closed_calls_view(self, text, pos, ends)

    def resolve(self, text: str) -> tuple[str | None, ParsedCompletion]:
        """``parse(text)`` and the name of the format that matched (``None`` when no calls were found).

        Here always this parser's name; a parser that delegates (``auto``) names the one that matched.
        """
        parsed = self.parse(text)
        return (self.name if parsed.tool_calls else None), parsed

    def tool_schema(self, name: str) -> dict[str, Any]:
        """The JSON-schema ``properties`` of tool ``name`` from ``tools``, or ``{}`` when unknown."""
        return schema_properties(self.tools, name)


def closed_calls_view(parser: ToolCallParser, text: str, pos: int, ends: tuple[str, ...]):
    """The calls that ended before the last end marker in ``text``, each whole: ``parse()`` of the text up
    to that marker, less the calls of the text up to ``pos`` (sent already)."""
    if text.rfind("<think>") > text.rfind("</think>"):
        return [], pos  # a call quoted while reasoning is not one: wait for the reasoning to end
    last = max(text.rfind(marker) + len(marker) if marker in text else -1 for marker in ends)
    if last <= max(pos, 0):
        return [], pos
    from hermes_core.parsing_partial import PartialCall

    done = len(parser.parse(text[:pos]).tool_calls) if pos > 0 else 0
    calls = parser.parse(text[:last]).tool_calls[done:]
    return [PartialCall(c.function.name, c.function.arguments, True, last, c.id) for c in calls], last


def schema_properties(tools: list[dict[str, Any]] | None, name: str) -> dict[str, Any]:
    """The JSON-schema ``properties`` of tool ``name`` in OpenAI ``tools`` definitions, or ``{}``."""
    for tool in tools or ():
        if not isinstance(tool, dict):
            continue
        function = tool.get("function", tool)
        if isinstance(function, dict) and function.get("name") == name:
            parameters = function.get("parameters")
            properties = parameters.get("properties") if isinstance(parameters, dict) else None
            return properties if isinstance(properties, dict) else {}
    return {}
