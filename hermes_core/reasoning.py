"""The reasoning-parser contract: split a completion's thinking from its answer, whole or streamed.

Servers in front of open models (vLLM, SGLang) return a model's thinking (``<think>…</think>``,
gpt-oss's analysis channel, ``[THINK]``, …) apart from its answer, as ``reasoning_content``; a proxy or an
agent that reads raw completions must do the same. A :class:`ReasoningParser` does it for one format:

- ``extract(text) -> (reasoning, content)``, each ``None`` when empty; never raises (a parser that fails
  returns ``(None, text)``), linear in the text;
- ``stream()`` gives a :class:`ReasoningStream`: ``feed(delta)`` returns the :class:`ReasoningDelta`s that
  became certain, ``finish()`` the rest; the deltas joined equal ``extract()`` of the whole text, for any
  cuts.

Most formats are a pair of markers around the reasoning;
:class:`hermes_core.reasoning_markers.MarkerReasoningParser` implements them from a declaration (markers,
whether the turn starts inside the reasoning, markers that end it implicitly), with one incremental state
machine for both forms, so that streamed and whole-text results agree by construction.

Composition with a tool-call parser follows vLLM's serving layer: the reasoning parser runs first and the
tool parser reads the *content* only, so markup inside the reasoning never executes. A format whose
model may open a tool call without closing its thinking (Qwen3, GLM, Kimi K2, DeepSeek V4, …) declares
the tool-call start in ``implicit_ends``, as vLLM's grammars do: the reasoning ends there and the call is
content, which the tool parser then reads. :func:`split_reasoning` (whole text) and
:class:`ReasonedStream` (streaming; what ``hermes serve --reasoning-parser`` uses) do the composing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from hermes_core.parsing import ToolCall, ToolCallParser
    from hermes_core.parsing_stream import StreamDelta

__all__ = [
    "ReasonedCompletion",
    "ReasonedStream",
    "ReasoningDelta",
    "ReasoningParser",
    "ReasoningStream",
    "join_reasoning",
    "split_reasoning",
]


@dataclass(slots=True)
class ReasoningDelta:
    """A fragment of reasoning or of content (never both empty)."""

    reasoning: str | None = None
    content: str | None = None

    def model_dump(self) -> dict[str, Any]:
        """The OpenAI-style chunk delta (``reasoning_content`` as vLLM and DeepSeek name it)."""
        out: dict[str, Any] = {}
        if self.reasoning is not None:
            out["reasoning_content"] = self.reasoning
        if self.content is not None:
            out["content"] = self.content
        return out


def join_reasoning(deltas: list[ReasoningDelta]) -> tuple[str | None, str | None]:
    """Put deltas back together: ``(reasoning, content)``, ``None`` where empty."""
    reasoning = "".join(d.reasoning for d in deltas if d.reasoning)
    content = "".join(d.content for d in deltas if d.content)
    return reasoning or None, content or None


class ReasoningStream:
    """The incremental split of one completion. This default holds everything until ``finish()``
    (always correct); :class:`~hermes_core.reasoning_markers.MarkerReasoningParser` streams as it goes."""

    def __init__(self, parser: ReasoningParser) -> None:
        self.parser = parser
        self._chunks: list[str] = []
        self.result: tuple[str | None, str | None] | None = None

    def feed(self, delta: str) -> list[ReasoningDelta]:
        if self.result is not None:
            raise RuntimeError("this stream is finished")
        if delta:
            self._chunks.append(delta)
        return []

    def finish(self) -> list[ReasoningDelta]:
        if self.result is not None:
            return []
        self.result = reasoning, content = self.parser.extract("".join(self._chunks))
        pieces = (ReasoningDelta(reasoning=reasoning), ReasoningDelta(content=content))
        return [d for d in pieces if d.reasoning or d.content]


class ReasoningParser:
    """Base class for reasoning parsers: set ``name`` (vLLM's ``--reasoning-parser`` name), optionally
    ``aliases``, and implement :meth:`split`.

    ``thinking`` is the request's thinking switch (vLLM reads it from ``chat_template_kwargs``
    ``enable_thinking``/``thinking``): ``None`` means the model's default. Parsers hold no per-call
    state: one instance is safe to share between threads; :meth:`stream` gives per-completion state.
    """

    name: ClassVar[str] = ""
    aliases: ClassVar[tuple[str, ...]] = ()

    def __init__(self, thinking: bool | None = None) -> None:
        self.thinking = thinking

    def extract(self, text: str) -> tuple[str | None, str | None]:
        """``(reasoning, content)`` of a whole completion; never raises (a failure keeps the text)."""
        if type(text) is not str:
            text = "" if text is None else str(text)
        try:
            reasoning, content = self.split(text)
        except Exception:
            return None, text or None
        return reasoning or None, content or None

    def split(self, text: str) -> tuple[str | None, str | None]:
        raise NotImplementedError

    def stream(self) -> ReasoningStream:
        """A new incremental split of one completion."""
        return ReasoningStream(self)


# --- composition with a tool-call parser ----------------------------------------------------------------


@dataclass(slots=True)
class ReasonedCompletion:
    """A completion split three ways: ``reasoning``, ``content`` and ``tool_calls`` (from the content)."""

    reasoning: str | None
    content: str | None
    tool_calls: list[ToolCall] = field(default_factory=list)

    def model_dump(self) -> dict[str, Any]:
        return {
            "reasoning_content": self.reasoning,
            "content": self.content,
            "tool_calls": [c.model_dump() for c in self.tool_calls],
        }


def split_reasoning(
    text: str,
    reasoning_parser: ReasoningParser | None,
    tool_parser: ToolCallParser | None = None,
    tools: list[dict[str, Any]] | None = None,
) -> ReasonedCompletion:
    """Reasoning first, then tool calls from the content only (vLLM's order): a call written inside the
    reasoning stays reasoning, unless the format ends its reasoning there (``implicit_ends``)."""
    if reasoning_parser is not None:
        reasoning, content = reasoning_parser.extract(text)
    else:
        reasoning, content = None, text or None
    if tool_parser is None or not content:
        return ReasonedCompletion(reasoning, content)
    parsed = tool_parser.parse(content, tools=tools)
    return ReasonedCompletion(reasoning, parsed.content, list(parsed.tool_calls))


class ReasonedStream:
    """Streaming composition: text deltas in; :class:`ReasoningDelta` (reasoning) and
    :class:`~hermes_core.parsing_stream.StreamDelta` (content, tool calls) out, in order; both have
    ``model_dump()`` giving an OpenAI chunk delta. ``result`` after :meth:`finish` is the
    :class:`ReasonedCompletion`, equal to :func:`split_reasoning` of the whole text (the same call ids).

    ``hermes serve --reasoning-parser`` wraps each upstream stream in one of these.
    """

    def __init__(
        self,
        reasoning_parser: ReasoningParser | None,
        tool_parser: ToolCallParser | None = None,
        tools: list[dict[str, Any]] | None = None,
    ) -> None:
        self.reasoning = reasoning_parser.stream() if reasoning_parser is not None else None
        self.tools = tool_parser.stream(tools) if tool_parser is not None else None
        self.result: ReasonedCompletion | None = None
        self._reasoning: list[str] = []
        self._content: list[str] = []

    def feed(self, delta: str) -> list[ReasoningDelta | StreamDelta]:
        if self.result is not None:
            raise RuntimeError("this stream is finished")
        if not delta:
            return []
        if self.reasoning is None:
            return self._route([ReasoningDelta(content=delta)])
        return self._route(self.reasoning.feed(delta))

    def finish(self) -> list[ReasoningDelta | StreamDelta]:
        if self.result is not None:
            return []
        out = self._route(self.reasoning.finish()) if self.reasoning is not None else []
        reasoning = "".join(self._reasoning) or None
        if self.tools is not None:
            out.extend(self.tools.finish())
            parsed = self.tools.result
            self.result = ReasonedCompletion(reasoning, parsed.content or None, list(parsed.tool_calls))
        else:
            self.result = ReasonedCompletion(reasoning, "".join(self._content) or None)
        return out

    def _route(self, deltas: list[ReasoningDelta]) -> list[ReasoningDelta | StreamDelta]:
        out: list[ReasoningDelta | StreamDelta] = []
        for delta in deltas:
            if delta.reasoning:
                self._reasoning.append(delta.reasoning)
                out.append(ReasoningDelta(reasoning=delta.reasoning))
            if delta.content:
                if self.tools is None:
                    self._content.append(delta.content)
                    out.append(ReasoningDelta(content=delta.content))
                else:
                    out.extend(self.tools.feed(delta.content))
        return out
