"""Tool calls written as text become real ``tool_calls``, in whole answers and in streams of chunks.

A choice whose upstream answer already carries ``tool_calls`` (a server with its own parser) passes
through untouched. Otherwise its text goes through the parser: the calls become ``tool_calls``, the text
outside them stays ``content`` and ``finish_reason`` becomes ``"tool_calls"``, as vLLM's own tool
parsers answer. Streams are parsed as they arrive with the parser's incremental
:class:`~hermes_core.parsing_stream.ToolCallStream`, so plain text is forwarded at once. What the parser
holds back after a start marker is bounded: past ``max_held`` characters with no call closed, the held
text goes out as content and the rest of that choice is forwarded as written.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from hermes_core.parsing import ToolCallParser
from hermes_core.parsing_stream import StreamDelta, ToolCallStream
from hermes_serve.sse import encode_event


def wants_parsing(request: dict[str, Any]) -> bool:
    """Parse only when the request offers tools the model may call (vLLM's rule for its parsers)."""
    return bool(request.get("tools")) and request.get("tool_choice") != "none"


def rewrite_completion(
    body: dict[str, Any], parser: ToolCallParser, tools: list[dict[str, Any]] | None
) -> list[dict[str, Any]]:
    """Rewrite a ``chat.completion`` in place; return one record per choice (raw text, parsed result)."""
    records = []
    for choice in body.get("choices") or ():
        message = choice.get("message") or {}
        raw = message.get("content")
        if message.get("tool_calls"):
            records.append({"raw": raw, "parsed": None, "native_tool_calls": message["tool_calls"]})
            continue
        if not isinstance(raw, str):
            records.append({"raw": raw, "parsed": None})
            continue
        parsed = parser.parse(raw, tools=tools)
        if parsed.tool_calls:
            message["content"] = parsed.content
            message["tool_calls"] = [call.model_dump() for call in parsed.tool_calls]
            choice["finish_reason"] = "tool_calls"
        records.append({"raw": raw, "parsed": parsed.model_dump()})
    return records


@dataclass
class _Choice:
    stream: ToolCallStream
    raw: list[str] = field(default_factory=list)
    native: list[dict[str, Any]] | None = None
    finished: bool = False
    fed: int = 0  # characters of content fed to the parser
    sent: int = 0  # characters of content sent on
    calls_sent: bool = False
    overflowed: bool = False  # held text past the bound went out as content: no more parsing


class StreamRewriter:
    """One streamed completion: ``event(line)`` per upstream ``data:`` payload, ``close()`` at the end.

    Both return the bytes to send on. An event whose content the parser forwards unchanged is sent as
    the upstream wrote it (no re-encoding); others are rebuilt from the parser's deltas.
    """

    def __init__(
        self,
        parser: ToolCallParser,
        tools: list[dict[str, Any]] | None,
        max_held: int = 1024 * 1024,
        keep_raw: bool = True,
    ) -> None:
        self.parser = parser
        self.tools = tools
        self.max_held = max_held
        self.keep_raw = keep_raw  # the whole text, for a recording
        self.choices: dict[int, _Choice] = {}
        self._template: dict[str, Any] | None = None  # id, model, created of the upstream's chunks

    def _choice(self, index: int) -> _Choice:
        state = self.choices.get(index)
        if state is None:
            state = self.choices[index] = _Choice(self.parser.stream(self.tools))
        return state

    def event(self, event: dict[str, Any], data: bytes) -> bytes:
        """One upstream event, decoded and checked (``shapes.check_chunk``), and its bytes."""
        choices = event.get("choices")
        if not choices:  # usage-only chunks, errors: as they are
            return encode_event(data)
        if self._template is None:
            self._template = {k: event[k] for k in ("id", "object", "created", "model") if k in event}
        out: list[dict[str, Any]] = []
        unchanged = True
        for choice in choices:
            chunks = self._rewrite_choice(choice)
            if chunks is None:
                out.append(choice)
            else:
                unchanged = False
                out.extend(chunks)
        if unchanged:
            return encode_event(data)
        return b"".join(self._encode(event, [c]) for c in out)

    def close(self, complete: bool = True) -> bytes:
        """The upstream's stream ended: finish every choice that did not say so itself. A stream cut
        short (``complete`` False) only gets the text held back, as content, and no finish."""
        parts = []
        for index, state in sorted(self.choices.items()):
            if state.finished:
                continue
            if complete:
                chunks = self._finish(index, state, None)
            else:
                state.finished = True
                held = self._release(state)
                chunks = [self._content_chunk(index, held)] if held else []
            parts.extend(self._encode(self._template or {}, [chunk]) for chunk in chunks)
        return b"".join(parts)

    def _release(self, state: _Choice) -> str:
        """Stop parsing this choice: the text not sent yet, to go out as content."""
        state.overflowed = True
        held = "".join(state.raw)[state.sent :] if state.fed > state.sent else ""
        state.sent = state.fed
        state.stream = self.parser.stream(self.tools)  # what the parser held is let go
        if not self.keep_raw:
            state.raw = []
        return held

    @staticmethod
    def _content_chunk(index: int, text: str) -> dict[str, Any]:
        return {"index": index, "delta": {"content": text}, "logprobs": None, "finish_reason": None}

    def _rewrite_choice(self, choice: dict[str, Any]) -> list[dict[str, Any]] | None:
        """The chunks for one upstream choice, or ``None`` to forward it unchanged."""
        index = choice.get("index", 0)
        state = self._choice(index)
        delta = choice.get("delta") or {}
        finish = choice.get("finish_reason")
        content = delta.get("content")
        if state.native is not None or delta.get("tool_calls"):
            if state.native is None:  # native calls: flush held-back text, then pass through
                state.native = []
                held = [d for d in state.stream.finish() if d.content]
                state.native.extend(delta.get("tool_calls") or ())
                if held:
                    return [self._chunk(index, held[0], None), choice]
            else:
                state.native.extend(delta.get("tool_calls") or ())
            if isinstance(content, str):
                state.raw.append(content)
            state.finished = state.finished or finish is not None
            return None
        if state.overflowed:  # past the bound: forwarded as written (and kept only for a recording)
            if isinstance(content, str) and self.keep_raw:
                state.raw.append(content)
            state.finished = state.finished or finish is not None
            return None
        deltas: list[StreamDelta] = []
        if isinstance(content, str) and content:
            state.raw.append(content)
            state.fed += len(content)
            deltas = state.stream.feed(content)
            if finish is None and len(deltas) == 1 and deltas[0].content == content:
                state.sent += len(content)
                return None  # the common case: plain text forwarded as the upstream sent it
            self._count(state, deltas)
            if finish is None and not state.calls_sent and state.fed - state.sent > self.max_held:
                deltas.append(StreamDelta(content=self._release(state)))
        extra = {k: v for k, v in delta.items() if k != "content"}
        chunks = [self._chunk(index, d, None) for d in deltas]
        if extra or (content == "" and not chunks):
            first = {**extra, **(chunks[0]["delta"] if chunks else {})}
            if content == "" and "content" not in first:
                first["content"] = ""
            if chunks:
                chunks[0]["delta"] = first
            else:
                chunks.append({"index": index, "delta": first, "logprobs": None, "finish_reason": None})
        if choice.get("logprobs") is not None and chunks:
            chunks[0]["logprobs"] = choice["logprobs"]
        if finish is not None:
            chunks.extend(self._finish(index, state, finish))
        return chunks

    @staticmethod
    def _count(state: _Choice, deltas: list[StreamDelta]) -> None:
        for delta in deltas:
            state.sent += len(delta.content or "")
            state.calls_sent = state.calls_sent or bool(delta.tool_calls)

    def _finish(self, index: int, state: _Choice, finish: str | None) -> list[dict[str, Any]]:
        state.finished = True
        if state.overflowed:
            return [{"index": index, "delta": {}, "logprobs": None, "finish_reason": finish or "stop"}]
        chunks = [self._chunk(index, d, None) for d in state.stream.finish()]
        result = state.stream.result
        if result is not None and result.tool_calls:
            finish = "tool_calls"
        chunks.append({"index": index, "delta": {}, "logprobs": None, "finish_reason": finish or "stop"})
        return chunks

    @staticmethod
    def _chunk(index: int, delta: StreamDelta, finish: str | None) -> dict[str, Any]:
        return {"index": index, "delta": delta.model_dump(), "logprobs": None, "finish_reason": finish}

    @staticmethod
    def _encode(event: dict[str, Any], choices: list[dict[str, Any]]) -> bytes:
        payload = {**event, "choices": choices}
        payload.setdefault("object", "chat.completion.chunk")
        return b"data: " + json.dumps(payload, ensure_ascii=False).encode() + b"\n\n"

    def records(self) -> list[dict[str, Any]]:
        """Per choice: the raw text the model wrote and what the parser made of it (for recording)."""
        out = []
        for _, state in sorted(self.choices.items()):
            raw = "".join(state.raw)
            if state.native is not None:
                out.append({"raw": raw or None, "parsed": None, "native_tool_calls": state.native})
            elif state.overflowed:  # sent as text: so is the record
                out.append({"raw": raw, "parsed": {"content": raw, "tool_calls": []}})
            else:
                result = state.stream.result
                out.append({"raw": raw, "parsed": result.model_dump() if result is not None else None})
        return out
