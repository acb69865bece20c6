"""Streaming tool-call parsing: text deltas in, OpenAI-style deltas out.

An inference server or proxy receives a completion a few tokens at a time and must forward plain text at
once while recognising tool calls. :class:`ToolCallStream` does it for any :class:`ToolCallParser`:

- text that cannot begin a call is forwarded as ``content`` immediately; what is held back is only a
  suffix that could still become one of the parser's ``start_markers`` and trailing whitespace (which
  ``parse`` drops before a call);
- from the first start marker on, the text is a candidate call. A parser that implements
  :meth:`~hermes_core.parsing.ToolCallParser.partial_calls` streams each call as it is written: the
  header (``index``, ``id``, ``function.name``) once the name is certain, then the arguments as far as they
  are certain (:mod:`hermes_core.parsing_partial`); other parsers' calls are emitted when the stream ends;
- :meth:`ToolCallStream.finish` reconciles with ``parse()`` of the whole text: what was streamed is always
  a prefix of what ``parse()`` gives (the parser's contract), so only the rest is sent and the deltas put
  back together equal the whole-text result, whatever the cuts.

The cost is linear: each delta is scanned once for markers (a window of the longest marker's length is
re-scanned at the seam), ``parse`` runs once at the end, and the open call is re-read only each time it
has grown by a sixteenth (``_GROWTH``): about 17 reads of a call in all, and >= 94 % of a long call's
arguments sent before its end.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from hermes_core.call_ids import make_call_id

if TYPE_CHECKING:
    from hermes_core.parsing import ParsedCompletion, ToolCall, ToolCallParser

__all__ = ["StreamDelta", "ToolCallDelta", "ToolCallStream", "join_deltas"]

_GROWTH = 16  # the open call is read again once it has grown by 1/_GROWTH


@dataclass(slots=True)
class ToolCallDelta:
    """A fragment of one tool call, as in an OpenAI ``chat.completion.chunk``."""

    index: int
    id: str | None = None
    name: str | None = None
    arguments: str | None = None

    def model_dump(self) -> dict[str, Any]:
        out: dict[str, Any] = {"index": self.index}
        if self.id is not None:
            out["id"] = self.id
            out["type"] = "function"
        function: dict[str, str] = {}
        if self.name is not None:
            function["name"] = self.name
        if self.arguments is not None:
            function["arguments"] = self.arguments
        if function:
            out["function"] = function
        return out


@dataclass(slots=True)
class StreamDelta:
    """One delta: a ``content`` fragment, tool-call fragments, or both."""

    content: str | None = None
    tool_calls: list[ToolCallDelta] = field(default_factory=list)

    def model_dump(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.content is not None:
            out["content"] = self.content
        if self.tool_calls:
            out["tool_calls"] = [d.model_dump() for d in self.tool_calls]
        return out


def calls_as_deltas(calls: list[ToolCall], first_index: int = 0) -> list[StreamDelta]:
    """Whole calls as deltas: the header (index, id, name) first, then the arguments."""
    out: list[StreamDelta] = []
    for offset, call in enumerate(calls):
        index = first_index + offset
        out.append(StreamDelta(tool_calls=[ToolCallDelta(index, call.id, call.function.name, "")]))
        if call.function.arguments:
            out.append(StreamDelta(tool_calls=[ToolCallDelta(index, arguments=call.function.arguments)]))
    return out


def join_deltas(deltas: list[StreamDelta]) -> tuple[str | None, list[dict[str, Any]]]:
    """Put deltas back together (as an OpenAI client does): ``(content, [OpenAI tool calls])``."""
    content: list[str] = []
    saw_content = False
    calls: dict[int, dict[str, Any]] = {}
    for delta in deltas:
        if delta.content is not None:
            saw_content = True
            content.append(delta.content)
        for part in delta.tool_calls:
            call = calls.setdefault(
                part.index, {"id": None, "type": "function", "function": {"name": "", "arguments": ""}}
            )
            if part.id is not None:
                call["id"] = part.id
            if part.name is not None:
                call["function"]["name"] += part.name
            if part.arguments is not None:
                call["function"]["arguments"] += part.arguments
    text = "".join(content)
    return (text if saw_content and text else None), [calls[i] for i in sorted(calls)]


def parser_streams_arguments(parser: ToolCallParser) -> bool:
    """Whether ``parser`` sends arguments as they are written: a subclass of :class:`ToolCallParser`
    defines its own ``partial_calls`` (more than one class in its MRO does). Read from the MRO so this
    module needs no runtime import of :mod:`hermes_core.parsing`, which imports it."""
    return sum("partial_calls" in vars(klass) for klass in type(parser).__mro__) > 1


class ToolCallStream:
    """The incremental parse of one completion with one parser. Not thread-safe: one per stream.

    ``feed(delta)`` returns the deltas that became certain; ``finish()`` returns the rest, and
    ``result`` then holds ``parse()`` of the whole text (the same calls, ids included).

    Before the first marker, the text not yet forwarded is always a run of whitespace (kept as a list of
    pieces, never re-scanned) followed by a short suffix that may still become a marker (``_prefix``, under
    the longest marker's length): each feed looks only at ``_prefix + delta``, so the cost is linear
    however the text is cut and however long the whitespace runs.
    """

    def __init__(self, parser: ToolCallParser) -> None:
        self.parser = parser
        self.markers = tuple(m for m in (parser.start_markers or ()) if m)
        self._longest = max((len(m) for m in self.markers), default=0)
        self._chunks: list[str] = []
        self._space: list[str] = []  # held-back whitespace before ``_prefix``
        self._prefix = ""  # held-back text that may still become a marker
        self._in_call = not self.markers  # no markers: nothing can be forwarded before the end
        self._sent: list[str] = []  # content forwarded so far
        self.result: ParsedCompletion | None = None
        self._length = 0
        self._incremental = parser_streams_arguments(parser) or bool(parser.call_end_markers)
        self._streamed: list[list[str]] = []  # [id, name, arguments sent] per call sent so far
        self._closed = 0  # how many of them ended (the parser never reads them again)
        self._resume = -1  # where the first call not yet ended begins (-1: not known yet)
        self._next_read = 0
        self._call_start = 0  # where the first start marker begins in the text
        # formats that send a call whole at its end marker read again only when one arrives
        ends = () if parser_streams_arguments(parser) else parser.call_end_markers
        self._ends = tuple(m for m in ends if m)
        self._end_tail = ""

    def feed(self, delta: str) -> list[StreamDelta]:
        if not delta:
            return []
        if self.result is not None:
            raise RuntimeError("this stream is finished")
        self._chunks.append(delta)
        self._length += len(delta)
        if self._in_call:
            return self._read_calls([]) if self._incremental else []
        window = self._prefix + delta
        hit = self._first_marker(window)
        if hit >= 0:
            self._in_call = True
            self._call_start = self._length - len(window) + hit
            ready = window[:hit].rstrip()
            self._prefix = ""
        else:
            cut = self._marker_prefix_start(window)
            ready = window[:cut].rstrip()
            self._prefix = window[cut:]
            if not ready and cut:
                self._space.append(window[:cut])
        if not ready:
            return []
        if self._space:
            ready = "".join(self._space) + ready
            self._space.clear()
        if hit < 0:
            # the whitespace between what goes out and the held prefix stays held
            kept = window[:cut][len(window[:cut].rstrip()) :]
            if kept:
                self._space.append(kept)
        self._sent.append(ready)
        out = [StreamDelta(content=ready)]
        return self._read_calls(out) if self._in_call and self._incremental else out

    def _read_calls(self, out: list[StreamDelta]) -> list[StreamDelta]:
        """Send what became certain of the calls (when the open one has grown enough to read again)."""
        if self._ends:
            window = self._end_tail + self._chunks[-1]
            self._end_tail = window[-max(len(m) for m in self._ends) + 1 :]
            if not any(marker in window for marker in self._ends):
                return out
        elif self._length < self._next_read:
            return out
        text = "".join(self._chunks)
        self._chunks = [text]
        view = self.parser.partial_calls(text, self._resume)
        if view is None:
            self._incremental = False
            return out
        calls, resume = view
        parts: list[ToolCallDelta] = []
        streamed = self._streamed
        for offset, call in enumerate(calls):
            index = self._closed + offset
            if index < len(streamed):
                entry = streamed[index]
                sent = entry[2]
                if len(call.arguments) > len(sent) and call.arguments.startswith(sent):
                    parts.append(ToolCallDelta(index, arguments=call.arguments[len(sent) :]))
                    entry[2] = call.arguments
            elif index == len(streamed):
                call_id = call.id or make_call_id()
                streamed.append([call_id, call.name, call.arguments])
                parts.append(ToolCallDelta(index, call_id, call.name, call.arguments))
        self._closed += sum(1 for call in calls if call.closed)
        if resume >= 0:
            self._resume = resume
        self._next_read = len(text) + max(1, (len(text) - max(self._resume, self._call_start)) // _GROWTH)
        if parts:
            out.append(StreamDelta(tool_calls=parts))
        return out

    def finish(self) -> list[StreamDelta]:
        """End of the completion: emit what was held back and the calls, as ``parse()`` sees them."""
        if self.result is not None:
            return []
        text = "".join(self._chunks)
        self._chunks = [text]
        self.result = result = self.parser.parse(text)
        sent = "".join(self._sent)
        out: list[StreamDelta] = []
        content = result.content or ""
        if content.startswith(sent) and len(content) > len(sent):
            out.append(StreamDelta(content=content[len(sent) :]))
        streamed = self._streamed
        for index, call in enumerate(result.tool_calls[: len(streamed)]):
            call_id, name, sent = streamed[index]
            call.id = call_id  # the client knows the call by the id it was sent with
            arguments = call.function.arguments
            if name == call.function.name and arguments.startswith(sent) and len(arguments) > len(sent):
                out.append(StreamDelta(tool_calls=[ToolCallDelta(index, arguments=arguments[len(sent) :])]))
        out.extend(calls_as_deltas(result.tool_calls[len(streamed) :], len(streamed)))
        return out

    def _first_marker(self, text: str) -> int:
        found = -1
        for marker in self.markers:
            index = text.find(marker, 0, found + len(marker) - 1 if found >= 0 else None)
            if index >= 0 and (found < 0 or index < found):
                found = index
        return found

    def _marker_prefix_start(self, text: str) -> int:
        """Where the longest suffix of ``text`` that may still become a marker begins (``len`` if none)."""
        end = len(text)
        for start in range(max(0, end - self._longest + 1), end):
            suffix = text[start:]
            for marker in self.markers:
                if marker.startswith(suffix):
                    return start
        return end
