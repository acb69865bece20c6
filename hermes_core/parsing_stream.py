"""Streaming tool-call parsing: text deltas in, OpenAI-style deltas out.

An inference server or proxy receives a completion a few tokens at a time and must forward plain text at
once while recognising tool calls. :class:`ToolCallStream` does it for any :class:`ToolCallParser`:

- text that cannot begin a call is forwarded as ``content`` immediately; what is held back is only a
  suffix that could still become one of the parser's ``start_markers`` and trailing whitespace (which
  ``parse`` drops before a call);
- from the first start marker on, the text is a candidate call: calls are emitted when the parser can
  complete them (by default when the stream ends: ``index``, ``id`` and ``function.name`` first, then the
  arguments);
- :meth:`ToolCallStream.finish` reconciles with ``parse()`` of the whole text, so the deltas put back
  together always equal the whole-text result, whatever the cuts.

The cost is linear: each delta is scanned once for markers (a window of the longest marker's length is
re-scanned at the seam) and ``parse`` runs once at the end.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hermes_core.parsing import ParsedCompletion, ToolCall, ToolCallParser

__all__ = ["StreamDelta", "ToolCallDelta", "ToolCallStream", "join_deltas"]


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

    def feed(self, delta: str) -> list[StreamDelta]:
        if not delta:
            return []
        if self.result is not None:
            raise RuntimeError("this stream is finished")
        self._chunks.append(delta)
        if self._in_call:
            return []
        window = self._prefix + delta
        hit = self._first_marker(window)
        if hit >= 0:
            self._in_call = True
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
        return [StreamDelta(content=ready)]

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
        out.extend(calls_as_deltas(result.tool_calls))
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
