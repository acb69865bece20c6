"""Streams of chunks rewritten as they arrive: text tool calls become ``tool_calls`` deltas, and with a
reasoning parser the model's thinking becomes ``reasoning_content`` deltas.

Per choice the text goes through the reasoning parser's stream first (when there is one) and its content
through the tool parser's :class:`~hermes_core.parsing_stream.ToolCallStream` (vLLM's order, as
:class:`hermes_core.reasoning.ReasonedStream` composes them; composed here so the held text can be
bounded), so plain text is forwarded at once. What the tool parser holds back after a start marker is
bounded: past ``max_held`` characters with no call closed, the held text goes out as content and the rest
of that choice is forwarded as written.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from hermes_core.parsing import ToolCallParser
from hermes_core.parsing_stream import StreamDelta, ToolCallStream
from hermes_core.reasoning import ReasoningDelta, ReasoningParser, ReasoningStream
from hermes_serve.sse import encode_event

Delta = StreamDelta | ReasoningDelta


@dataclass
class _Choice:
    calls: ToolCallStream | None  # None: no tool parsing, the content passes
    thinking: ReasoningStream | None
    content: list[str] = field(default_factory=list)  # the content (after the reasoning) fed to ``calls``
    raw: list[str] = field(default_factory=list)  # all the model wrote (``content`` itself without reasoning)
    reasoning: list[str] = field(default_factory=list)
    native: list[dict[str, Any]] | None = None
    finished: bool = False
    fed: int = 0  # characters of content fed to the tool parser
    sent: int = 0  # characters of content sent on
    calls_sent: bool = False
    overflowed: bool = False  # held text past the bound went out as content: no more tool parsing


class StreamRewriter:
    """One streamed completion: ``event(event, data)`` per upstream event, ``close()`` at the end.

    Both return the bytes to send on. An event whose content the parsers forward unchanged is sent as
    the upstream wrote it (no re-encoding); others are rebuilt from the parsers' deltas.
    """

    def __init__(
        self,
        parser: ToolCallParser | None,
        tools: list[dict[str, Any]] | None,
        max_held: int = 1024 * 1024,
        keep_raw: bool = True,
        reasoning: ReasoningParser | None = None,
    ) -> None:
        self.parser = parser
        self.tools = tools
        self.reasoning_parser = reasoning
        self.max_held = max_held
        self.keep_raw = keep_raw  # the whole text, for a recording
        self.choices: dict[int, _Choice] = {}
        self._template: dict[str, Any] | None = None  # id, model, created of the upstream's chunks

    def _choice(self, index: int) -> _Choice:
        state = self.choices.get(index)
        if state is None:
            calls = self.parser.stream(self.tools) if self.parser is not None else None
            thinking = self.reasoning_parser.stream() if self.reasoning_parser is not None else None
            state = self.choices[index] = _Choice(calls, thinking)
            if thinking is None:
                state.raw = state.content
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
        short (``complete`` False) only gets the text held back, and no finish."""
        parts = []
        for index, state in sorted(self.choices.items()):
            if state.finished:
                continue
            if complete:
                chunks = self._finish(index, state, None)
            else:
                state.finished = True
                deltas = self._flush_thinking(state)
                held = self._release(state) if state.calls is not None and not state.overflowed else ""
                if held:
                    deltas.append(StreamDelta(content=held))
                chunks = [self._chunk(index, d) for d in deltas]
            parts.extend(self._encode(self._template or {}, [chunk]) for chunk in chunks)
        return b"".join(parts)

    # -- one choice's text -------------------------------------------------------------------------------

    def _text(self, state: _Choice, text: str) -> list[Delta]:
        if state.thinking is None:
            return self._feed_content(state, text)
        if self.keep_raw:
            state.raw.append(text)
        out: list[Delta] = []
        for delta in state.thinking.feed(text):
            out += self._route(state, delta)
        return out

    def _route(self, state: _Choice, delta: ReasoningDelta) -> list[Delta]:
        out: list[Delta] = []
        if delta.reasoning:
            if self.keep_raw:
                state.reasoning.append(delta.reasoning)
            out.append(ReasoningDelta(reasoning=delta.reasoning))
        if delta.content:
            out += self._feed_content(state, delta.content)
        return out

    def _flush_thinking(self, state: _Choice) -> list[Delta]:
        out: list[Delta] = []
        for delta in state.thinking.finish() if state.thinking is not None else ():
            out += self._route(state, delta)
        return out

    def _feed_content(self, state: _Choice, text: str) -> list[Delta]:
        active = state.calls is not None and not state.overflowed
        if active or self.keep_raw:
            state.content.append(text)
        if not active:
            return [StreamDelta(content=text)]
        state.fed += len(text)
        deltas: list[Delta] = list(state.calls.feed(text))
        for delta in deltas:
            state.sent += len(delta.content or "")
            state.calls_sent = state.calls_sent or bool(delta.tool_calls)
        if not state.calls_sent and state.fed - state.sent > self.max_held:
            deltas.append(StreamDelta(content=self._release(state)))
        return deltas

    def _release(self, state: _Choice) -> str:
        """Stop parsing tool calls in this choice: the content not sent yet, to go out as content."""
        state.overflowed = True
        held = "".join(state.content)[state.sent :] if state.fed > state.sent else ""
        state.sent = state.fed
        state.calls = self.parser.stream(self.tools) if self.parser is not None else None  # let go
        if not self.keep_raw:
            state.content.clear()
        return held

    # -- one choice's event ------------------------------------------------------------------------------

    def _rewrite_choice(self, choice: dict[str, Any]) -> list[dict[str, Any]] | None:
        """The chunks for one upstream choice, or ``None`` to forward it unchanged."""
        index = choice.get("index") or 0
        state = self._choice(index)
        delta = choice.get("delta") or {}
        finish = choice.get("finish_reason")
        content = delta.get("content")
        if state.native is not None or delta.get("tool_calls"):
            return self._native(index, state, choice, delta)
        deltas: list[Delta] = []
        if isinstance(content, str) and content:
            deltas = self._text(state, content)
            if finish is None and len(deltas) == 1 and deltas[0] == StreamDelta(content=content):
                return None  # the common case: plain text forwarded as the upstream sent it
        extra = {k: v for k, v in delta.items() if k != "content"}
        chunks = [self._chunk(index, d) for d in deltas]
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

    def _native(self, index: int, state: _Choice, choice: dict[str, Any], delta: dict[str, Any]):
        """The upstream parses calls itself: flush what is held back, then pass everything through."""
        calls = delta.get("tool_calls") or ()
        content = delta.get("content")
        if isinstance(content, str):
            state.raw.append(content)
        state.finished = state.finished or choice.get("finish_reason") is not None
        if state.native is not None:
            state.native.extend(calls)
            return None
        state.native = list(calls)
        held = self._flush_thinking(state)
        if state.calls is not None and not state.overflowed:
            held += [d for d in state.calls.finish() if d.content]
        return [*(self._chunk(index, d) for d in held), choice] if held else None

    def _finish(self, index: int, state: _Choice, finish: str | None) -> list[dict[str, Any]]:
        state.finished = True
        deltas = self._flush_thinking(state)
        if state.calls is not None and not state.overflowed:
            deltas += state.calls.finish()
            result = state.calls.result
            if result is not None and result.tool_calls:
                finish = "tool_calls"
        chunks = [self._chunk(index, d) for d in deltas]
        chunks.append({"index": index, "delta": {}, "logprobs": None, "finish_reason": finish or "stop"})
        return chunks

    @staticmethod
    def _chunk(index: int, delta: Delta) -> dict[str, Any]:
        return {"index": index, "delta": delta.model_dump(), "logprobs": None, "finish_reason": None}

    @staticmethod
    def _encode(event: dict[str, Any], choices: list[dict[str, Any]]) -> bytes:
        payload = {**event, "choices": choices}
        payload.setdefault("object", "chat.completion.chunk")
        return b"data: " + json.dumps(payload, ensure_ascii=False).encode() + b"\n\n"

    def records(self) -> list[dict[str, Any]]:
        """Per choice: the raw text the model wrote and what the parsers made of it (for recording)."""
        out = []
        for _, state in sorted(self.choices.items()):
            raw = "".join(state.raw)
            if state.native is not None:
                out.append({"raw": raw or None, "parsed": None, "native_tool_calls": state.native})
                continue
            result = state.calls.result if state.calls is not None and not state.overflowed else None
            if result is not None:
                parsed = result.model_dump()
            else:  # no tool parsing, or past the bound: sent as text, and so recorded
                parsed = {"content": "".join(state.content) or None, "tool_calls": []}
            if state.thinking is not None:
                parsed["reasoning_content"] = "".join(state.reasoning) or None
            out.append({"raw": raw, "parsed": parsed})
        return out
